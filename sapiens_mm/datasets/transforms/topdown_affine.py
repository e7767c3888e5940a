"""mmpose's top-down crop warp with the Sapiens2 release's interpolation choice
(``sapiens/pose/src/datasets/transforms/pose_transforms.py``, ``PoseTopdownAffine``)."""
import cv2
import numpy as np
from mmpose.datasets.transforms import TopdownAffine
from mmpose.structures.bbox import get_udp_warp_matrix, get_warp_matrix

from sapiens_mm.registry import TRANSFORMS

__all__ = ['ReleaseInterpolationTopdownAffine', 'warp_scale']


def warp_scale(warp_mat: np.ndarray) -> float:
    """Smaller of the two axis scales of a 2x3 affine matrix (output pixels per input pixel)."""
    return float(min(np.linalg.norm(warp_mat[0, :2]), np.linalg.norm(warp_mat[1, :2])))


@TRANSFORMS.register_module()
class ReleaseInterpolationTopdownAffine(TopdownAffine):
    """``TopdownAffine`` (same warp matrix, keypoints and outputs) whose image warp uses
    bicubic interpolation when the crop is upsampled (warp scale >= 1, a box smaller than the
    input size after the aspect fix) and bilinear otherwise.

    The release asks OpenCV for ``INTER_AREA`` below scale 1 and ``INTER_CUBIC`` above;
    ``cv2.warpAffine`` has no area mode and takes ``INTER_AREA`` as ``INTER_LINEAR``, so the
    only change from mmpose (always ``INTER_LINEAR``) is the bicubic upsampling. Used by the
    Sapiens2 pose configs' inference pipelines.

    Args: those of mmpose's ``TopdownAffine``.
    """

    def transform(self, results: dict) -> dict:
        image = results['img']
        results = super().transform(results)
        w, h = self.input_size
        rot = results['bbox_rotation'][0] if 'bbox_rotation' in results else 0.
        make = get_udp_warp_matrix if self.use_udp else get_warp_matrix
        warp_mat = make(results['input_center'], results['input_scale'], rot,
                        output_size=(w, h))
        if warp_scale(warp_mat) >= 1.0:
            warp = lambda img: cv2.warpAffine(img, warp_mat, (int(w), int(h)),  # noqa: E731
                                              flags=cv2.INTER_CUBIC)
            results['img'] = [warp(i) for i in image] if isinstance(image, list) \
                else warp(image)
        return results
