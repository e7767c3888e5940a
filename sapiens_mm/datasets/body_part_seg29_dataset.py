"""29-class (Sapiens2) body-part segmentation dataset: image + label-map pairs, with v1's
28-class labels mapped on loading."""
from typing import Optional, Sequence

from sapiens_mm.registry import DATASETS
from .body_part_seg_dataset import BodyPartSegDataset
from .body_parts_29 import V1_TO_V2, load_body_parts_29

__all__ = ['BodyPart29SegDataset']

_META = load_body_parts_29()


@DATASETS.register_module()
class BodyPart29SegDataset(BodyPartSegDataset):
    """``DIR/images/{id}.png`` with ``DIR/seg/{id}.png`` (uint8 class index, 255 = ignore),
    classes of the Sapiens2 release (``configs/_base_/metainfo/body_parts_29.py``, Eyeglass at
    index 2).

    Args:
        label_space (str): what the label PNGs hold.
            ``'sapiens2_29'`` (default): the 29 classes, used as they are.
            ``'goliath28'``: v1's 28 classes (e.g. the synthetic humans, v1 data sets); each
            becomes its v2 namesake (index + 1 from ``Face_Neck`` on). Such data has no
            Eyeglass label, so a model trained only on it never learns that class.
        **kwargs: see :class:`BodyPartSegDataset`.
    """
    METAINFO = dict(classes=_META['classes'], palette=[list(c) for c in _META['palette']])
    LABEL_SPACES = {'sapiens2_29': len(_META['classes']), 'goliath28': 28}

    def __init__(self, label_space: str = 'sapiens2_29', **kwargs):
        super().__init__(label_space=label_space, **kwargs)

    def get_label_map(self, new_classes: Optional[Sequence] = None) -> Optional[dict]:
        """Label value on disk -> training label (None: identity)."""
        subset_map = super(BodyPartSegDataset, self).get_label_map(new_classes)
        if self.label_space == 'sapiens2_29':
            return subset_map
        if subset_map is not None:
            raise ValueError("label_space='goliath28' maps to all 29 classes; a class subset "
                             "in metainfo is not supported with it")
        return {i: int(V1_TO_V2[i]) for i in range(28)}
