"""The 28-class Sapiens body-part vocabulary and its 34-class source (the release's
``seg/mmseg/datasets/goliath.py``).

Index order is the output-channel order of the released Sapiens segmentation checkpoints.
The annotation the release was trained from has 34 classes; six of them (``Chair``,
``Eyeglass_Frame``, ``Eyeglass_Lenses``, ``Headset``, ``Lower_Spandex``, ``Visible_Badge``) are
not predicted and their pixels become the ignore index 255. :data:`SOURCE34_TO_TARGET28` is
derived from the names, so the two lists cannot drift apart.

The values match ``goliath_28_seg_classes.json`` of the reference (checked by the tests).
"""
from typing import Dict, Tuple

__all__ = [
    'BODY_PART_CLASSES', 'BODY_PART_PALETTE', 'BODY_PART_CLASS_WEIGHT', 'BODY_PART_FLIP_PAIRS',
    'SOURCE34_CLASSES', 'SOURCE34_REMOVED', 'SOURCE34_TO_TARGET28', 'IGNORE_INDEX'
]

IGNORE_INDEX = 255

#: The 28 predicted classes; index 0 is the background.
BODY_PART_CLASSES: Tuple[str, ...] = (
    'Background', 'Apparel', 'Face_Neck', 'Hair', 'Left_Foot', 'Left_Hand', 'Left_Lower_Arm',
    'Left_Lower_Leg', 'Left_Shoe', 'Left_Sock', 'Left_Upper_Arm', 'Left_Upper_Leg',
    'Lower_Clothing', 'Right_Foot', 'Right_Hand', 'Right_Lower_Arm', 'Right_Lower_Leg',
    'Right_Shoe', 'Right_Sock', 'Right_Upper_Arm', 'Right_Upper_Leg', 'Torso', 'Upper_Clothing',
    'Lower_Lip', 'Upper_Lip', 'Lower_Teeth', 'Upper_Teeth', 'Tongue')

#: RGB colour per class.
BODY_PART_PALETTE: Tuple[Tuple[int, int, int], ...] = (
    (50, 50, 50), (255, 218, 0), (128, 200, 255), (255, 0, 109), (189, 0, 204), (255, 0, 218),
    (0, 160, 204), (0, 255, 145), (204, 0, 131), (182, 0, 255), (255, 109, 0), (0, 255, 255),
    (72, 0, 255), (204, 131, 0), (255, 0, 0), (72, 255, 0), (189, 204, 0), (182, 255, 0),
    (102, 0, 204), (32, 72, 204), (0, 145, 255), (14, 204, 0), (0, 128, 72), (235, 205, 119),
    (115, 227, 112), (157, 113, 143), (132, 93, 50), (82, 21, 114))

#: Weighted cross-entropy weights of the release (background 0.1, small parts up to 10).
BODY_PART_CLASS_WEIGHT: Tuple[float, ...] = (
    0.1, 10, 3, 2, 4, 4, 2, 2, 6, 10, 3, 3, 1, 4, 4, 2, 2, 6, 10, 3, 3, 1, 1, 10, 10, 10, 10, 10)

#: Left/right class pairs swapped by a horizontal flip.
BODY_PART_FLIP_PAIRS: Tuple[Tuple[int, int], ...] = (
    (4, 13), (5, 14), (6, 15), (7, 16), (8, 17), (9, 18), (10, 19), (11, 20))

#: The 34 classes of the source annotation, in their label-map order.
SOURCE34_CLASSES: Tuple[str, ...] = (
    'Background', 'Apparel', 'Chair', 'Eyeglass_Frame', 'Eyeglass_Lenses', 'Face_Neck', 'Hair',
    'Headset', 'Left_Foot', 'Left_Hand', 'Left_Lower_Arm', 'Left_Lower_Leg', 'Left_Shoe',
    'Left_Sock', 'Left_Upper_Arm', 'Left_Upper_Leg', 'Lower_Clothing', 'Lower_Spandex',
    'Right_Foot', 'Right_Hand', 'Right_Lower_Arm', 'Right_Lower_Leg', 'Right_Shoe', 'Right_Sock',
    'Right_Upper_Arm', 'Right_Upper_Leg', 'Torso', 'Upper_Clothing', 'Visible_Badge',
    'Lower_Lip', 'Upper_Lip', 'Lower_Teeth', 'Upper_Teeth', 'Tongue')

#: Source classes without a target class; their pixels are ignored.
SOURCE34_REMOVED: Tuple[str, ...] = tuple(
    c for c in SOURCE34_CLASSES if c not in BODY_PART_CLASSES)

#: Source label -> target label (255 for the removed classes).
SOURCE34_TO_TARGET28: Dict[int, int] = {
    i: (BODY_PART_CLASSES.index(c) if c in BODY_PART_CLASSES else IGNORE_INDEX)
    for i, c in enumerate(SOURCE34_CLASSES)
}
