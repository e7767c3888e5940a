"""Label vocabularies: Goliath metainfo, 28 classes, COCO-17 and COCO-WholeBody mapping."""
import json
import os


from sapiens_mm.synthetic.vocab import (COCO17_NAMES, SEG_CLASSES, SEG_PALETTE,
                                                 coco17_indices, coco_wholebody_names,
                                                 goliath_info, wholebody_to_goliath)

# The release's keypoint and class lists, kept with the tests (tests/data/reference/).
REFERENCE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'data',
                         'reference')


def test_goliath_metainfo():
    info = goliath_info()
    assert len(info['names']) == 308 and len(set(info['names'])) == 308
    assert len(info['skeleton']) == 65
    assert [info['names'][i] for i in coco17_indices()] == list(COCO17_NAMES)
    assert coco17_indices() == info['groups']['body']


def test_wholebody_mapping_by_name():
    names = coco_wholebody_names()
    assert len(names) == 133 and names[91] == 'left_hand_root' and names[23] == 'face-0'
    mapping = wholebody_to_goliath()
    assert len(mapping) == 53
    assert all(names[w] == goliath_info()['names'][g] for w, g in mapping.items())


def test_against_the_reference_lists():
    with open(os.path.join(REFERENCE, 'goliath_308_keypoints.json')) as f:
        kpts = json.load(f)
    assert [k['name'] for k in kpts['keypoints']] == goliath_info()['names']
    assert {int(k): v for k, v in kpts['coco_wholebody_to_goliath_mapping'].items()} == \
        wholebody_to_goliath()
    with open(os.path.join(REFERENCE, 'goliath_28_seg_classes.json')) as f:
        seg = json.load(f)
    assert list(SEG_CLASSES) == seg['classes']
    assert [list(c) for c in SEG_PALETTE] == seg['palette']
