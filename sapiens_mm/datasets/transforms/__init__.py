from .depth_target import GenerateHumanDepthTarget
from .formatting import PackDenseInputs
from .geometric import DenseRandomFlip, DenseRandomRotate, ForegroundRandomCrop
from .loading import LoadBodyPartAnnotations, LoadHumanDepth, LoadHumanNormal
from .random_background import RandomBackground
from .release_resize import AreaOrCubicResize, FitAndCentrePad
from .topdown_affine import ReleaseInterpolationTopdownAffine
from .pointmap_geometric import (PointmapRandomCropContinuous, PointmapRandomFlip,
                                 PointmapRandomScale, PointmapResize)
from .pointmap_loading import LoadPointmapAnnotations
from .albedo_loading import LoadAlbedoAnnotations, PackAlbedoInputs
from .pointmap_target import GenerateCanonicalPointmap, PackPointmapInputs
from .multitask import LoadMultiTaskAnnotations, MultiTaskDepthTarget, PackMultiTaskInputs

__all__ = [
    'LoadBodyPartAnnotations', 'LoadHumanDepth', 'LoadHumanNormal', 'DenseRandomFlip',
    'DenseRandomRotate', 'ForegroundRandomCrop', 'GenerateHumanDepthTarget', 'PackDenseInputs',
    'RandomBackground', 'LoadMultiTaskAnnotations', 'MultiTaskDepthTarget',
    'PackMultiTaskInputs', 'ReleaseInterpolationTopdownAffine', 'AreaOrCubicResize',
    'FitAndCentrePad', 'PointmapRandomScale', 'PointmapRandomCropContinuous',
    'PointmapRandomFlip', 'PointmapResize', 'LoadPointmapAnnotations',
    'GenerateCanonicalPointmap', 'PackPointmapInputs', 'LoadAlbedoAnnotations',
    'PackAlbedoInputs'
]
