"""The Sapiens2 release's segmentation resize: area when shrinking, bicubic when enlarging
(``sapiens/dense/src/datasets/seg/seg_transforms.py``, ``SegResize(keep_ratio=False)``)."""
from mmcv.transforms import Resize

from sapiens_mm.registry import TRANSFORMS

__all__ = ['AreaOrCubicResize']


@TRANSFORMS.register_module()
class AreaOrCubicResize(Resize):
    """mmcv's ``Resize`` whose image interpolation is ``'area'`` (``cv2.INTER_AREA``) when the
    new width is below the original width and ``'bicubic'`` otherwise, as the release's
    inference stretch to 1024x768; label maps keep nearest. mmseg's default would be bilinear.

    Args: those of mmcv's ``Resize`` (``scale``, ``keep_ratio`` ...); ``interpolation`` is
    chosen per image.
    """

    def _resize_img(self, results: dict) -> None:
        if results.get('img', None) is None:
            return
        if self.keep_ratio:
            raise ValueError(f'{type(self).__name__} stretches (keep_ratio=False), as the '
                             'release does')
        new_w = results['scale'][0]
        self.interpolation = 'area' if new_w < results['img'].shape[1] else 'bicubic'
        super()._resize_img(results)
