"""Relative-depth dataset of the human foreground (sapiens-facts §5): image + depth + mask."""
from sapiens_mm.registry import register_mmseg_dataset
from .human_dense_dataset import HumanDenseDataset

__all__ = ['HumanDepthDataset']


@register_mmseg_dataset
class HumanDepthDataset(HumanDenseDataset):
    """``DIR/images/{id}.png`` with ``DIR/depth/{id}.npy`` and ``DIR/mask/{id}.png``.

    The depth array is float32 (H, W) camera z in metres (0 on the background); the mask is
    uint8 with 255 on the person. ``LoadHumanDepth`` reads both and zeroes the depth outside
    the mask, so 0 means "no target" from then on. The training target (per-image min-max
    normalised foreground depth, near = 0) is made by ``GenerateHumanDepthTarget`` after the
    geometric augmentations; the evaluation pipeline keeps metres (see ``HumanDepthMetric``).

    Args: see :class:`HumanDenseDataset`.
    """
    METAINFO = dict(classes=('background', 'person'), palette=[[0, 0, 0], [255, 255, 255]],
                    task='depth')
    ANNOTATIONS = {'depth_map_path': ('depth', '.npy'), 'mask_path': ('mask', '.png')}
