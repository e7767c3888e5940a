"""28-class body-part segmentation dataset (classes of the release's
``seg/mmseg/datasets/goliath.py``): image + label-map pairs."""
from typing import Optional, Sequence

from sapiens_mm.registry import DATASETS
from .body_part_classes import (BODY_PART_CLASSES, BODY_PART_PALETTE, SOURCE34_CLASSES,
                                SOURCE34_TO_TARGET28)
from .human_dense_dataset import HumanDenseDataset

__all__ = ['BodyPartSegDataset']


@DATASETS.register_module()
class BodyPartSegDataset(HumanDenseDataset):
    """``DIR/images/{id}.png`` with ``DIR/seg/{id}.png`` (uint8 class index, 255 = ignore).

    The metainfo holds the 28 class names and their palette (index 0 = ``Background``).

    Args:
        label_space (str): what the label PNGs hold.
            ``'goliath28'`` (default): the 28 target classes, used as they are.
            ``'goliath34'``: the 34-class source annotation of the release; it is mapped to the
            28 classes on loading and the six removed classes (``Chair``, ``Eyeglass_Frame``,
            ``Eyeglass_Lenses``, ``Headset``, ``Lower_Spandex``, ``Visible_Badge``) become 255,
            the ignore index (see :mod:`.body_part_classes`).
        **kwargs: see :class:`HumanDenseDataset` (``data_root``, ``pipeline``...). A
            ``metainfo=dict(classes=[...])`` subset of the 28 classes works as in mmseg (the
            other classes become 255) with ``label_space='goliath28'``.
    """
    METAINFO = dict(classes=BODY_PART_CLASSES, palette=BODY_PART_PALETTE)
    ANNOTATIONS = {'seg_map_path': ('seg', '.png')}
    LABEL_SPACES = {'goliath28': len(BODY_PART_CLASSES), 'goliath34': len(SOURCE34_CLASSES)}

    def __init__(self, label_space: str = 'goliath28', **kwargs):
        if label_space not in self.LABEL_SPACES:
            raise ValueError(f'label_space must be one of {sorted(self.LABEL_SPACES)}, '
                             f'got {label_space!r}')
        self.label_space = label_space
        super().__init__(**kwargs)
        self._metainfo['label_space'] = label_space
        if label_space == 'goliath34':
            self._metainfo['source_classes'] = SOURCE34_CLASSES

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """Label value on disk -> training label (None: identity)."""
        subset_map = super().get_label_map(new_classes)
        if self.label_space == 'goliath28':
            return subset_map
        if subset_map is not None:
            raise ValueError("label_space='goliath34' maps to all 28 classes; a class subset "
                             "in metainfo is not supported with it")
        return dict(SOURCE34_TO_TARGET28)

    def sample_info(self) -> dict:
        info = super().sample_info()
        # Labels on disk must be < num_label_values or the ignore index (checked on loading).
        info['num_label_values'] = self.LABEL_SPACES[self.label_space]
        info['ignore_index'] = self.ignore_index
        return info
