"""Background sets: person-free COCO images, person-free crops, lists."""
import itertools
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from sapiens_mm.data_curation import build_background_set, largest_free_rect
from sapiens_mm.datasets.transforms.random_background import list_background_files


def brute_force_free_rect(w, h, boxes):
    """Largest area of an integer rectangle overlapping no box, by trying all of them."""
    cover = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in boxes:
        cover[int(y0):int(y1), int(x0):int(x1)] = True
    csum = np.pad(cover.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    best = 0
    for y0, y1 in itertools.combinations(range(h + 1), 2):
        for x0, x1 in itertools.combinations(range(w + 1), 2):
            if csum[y1, x1] - csum[y0, x1] - csum[y1, x0] + csum[y0, x0] == 0:
                best = max(best, (x1 - x0) * (y1 - y0))
    return best


def test_largest_free_rect_is_exact():
    rng = np.random.default_rng(0)
    for _ in range(25):
        w, h = rng.integers(3, 11, 2)
        boxes = []
        for _ in range(rng.integers(0, 4)):
            x0, y0 = rng.integers(-2, w), rng.integers(-2, h)
            boxes.append([x0, y0, x0 + rng.integers(1, 6), y0 + rng.integers(1, 6)])
        rect = largest_free_rect(int(w), int(h), np.array(boxes).reshape(-1, 4))
        want = brute_force_free_rect(int(w), int(h), np.clip(np.array(boxes).reshape(-1, 4),
                                                               0, None))
        if want == 0:
            assert rect is None
            continue
        x0, y0, x1, y1 = rect
        assert (x1 - x0) * (y1 - y0) == want
        for b in boxes:  # no overlap with any box
            assert x1 <= b[0] or b[2] <= x0 or y1 <= b[1] or b[3] <= y0
    assert largest_free_rect(10, 10, np.array([[0, 0, 10, 10]])) is None
    # fractional boxes are grown to whole pixels
    assert largest_free_rect(10, 4, np.array([[2.5, 0, 3.2, 4]])) == (4, 0, 10, 4)


@pytest.fixture
def coco(tmp_path):
    """Five images: person / dog / nothing annotated / crowd of people / person on the left."""
    root = tmp_path / 'imgs'
    root.mkdir()
    rng = np.random.default_rng(0)
    images = []
    for i in range(5):
        name = f'sub/{i}.jpg' if i == 1 else f'{i}.jpg'
        (root / osp.dirname(name)).mkdir(exist_ok=True)
        cv2.imwrite(str(root / name), rng.integers(0, 255, (200, 300, 3), dtype=np.uint8))
        images.append(dict(id=i + 1, file_name=name, height=200, width=300))
    anns = [dict(id=1, image_id=1, category_id=1, bbox=[100, 50, 50, 100], iscrowd=0),
            dict(id=2, image_id=2, category_id=18, bbox=[10, 10, 50, 50], iscrowd=0),
            dict(id=3, image_id=4, category_id=1, bbox=[0, 0, 300, 200], iscrowd=1),
            dict(id=4, image_id=5, category_id=1, bbox=[0, 0, 60, 200], iscrowd=0),
            dict(id=5, image_id=5, category_id=18, bbox=[200, 0, 50, 50], iscrowd=0)]
    ann_file = tmp_path / 'instances.json'
    ann_file.write_text(json.dumps(dict(
        images=images, annotations=anns,
        categories=[dict(id=1, name='person'), dict(id=18, name='dog')])))
    return str(ann_file), str(root)


def test_person_free_images_are_copied_and_listed(coco, tmp_path):
    ann, root = coco
    out = tmp_path / 'bg'
    summary = build_background_set(ann, root, str(out), progress=False)
    listed = (out / 'backgrounds.txt').read_text().split()
    assert listed == ['images/sub/1.jpg', 'images/2.jpg']  # dog only, nothing annotated
    for rel, src in zip(listed, ['sub/1.jpg', '2.jpg']):
        assert (out / rel).read_bytes() == (tmp_path / 'imgs' / src).read_bytes()
    assert summary['num_person_free'] == 2 and summary['num_with_people'] == 3
    assert json.loads((out / 'summary.json').read_text())['num_listed'] == 2
    assert list_background_files(str(out)) == [osp.join(str(out), r) for r in listed]
    only_list = build_background_set(ann, root, str(tmp_path / 'l'), mode='list', progress=False)
    paths = (tmp_path / 'l' / 'backgrounds.txt').read_text().split()
    assert only_list['num_listed'] == 2 and all(osp.isabs(p) and osp.isfile(p) for p in paths)
    assert not (tmp_path / 'l' / 'images').exists()


def test_crop_persons_keeps_the_largest_free_region(coco, tmp_path):
    ann, root = coco
    out = tmp_path / 'bg'
    summary = build_background_set(ann, root, str(out), crop_persons=True, min_crop_side=100,
                                   progress=False)
    listed = (out / 'backgrounds.txt').read_text().split()
    # image 0: person in x 100..150 -> the right part x 150..300 (150 x 200) is the largest;
    # image 3 is all crowd; image 4: person x 0..60 -> x 60..300 (the dog does not matter)
    assert listed == ['images/sub/1.jpg', 'images/2.jpg', 'images/0_crop.jpg',
                      'images/4_crop.jpg']
    assert summary['num_cropped'] == 2 and summary['num_too_small_to_crop'] == 1
    src = cv2.imread(osp.join(root, '0.jpg'))
    crop = cv2.imread(str(out / 'images/0_crop.jpg'))
    assert crop.shape == (200, 150, 3)
    assert np.abs(crop.astype(int) - src[:, 150:].astype(int)).mean() < 8  # JPEG re-encoded
    assert cv2.imread(str(out / 'images/4_crop.jpg')).shape == (200, 240, 3)
    with pytest.raises(ValueError, match='mode="copy"'):
        build_background_set(ann, root, str(out), crop_persons=True, mode='list')


def test_clear_errors(coco, tmp_path):
    ann, root = coco
    with pytest.raises(FileNotFoundError, match='nope.json'):
        build_background_set(str(tmp_path / 'nope.json'), root, str(tmp_path / 'o'))
    with pytest.raises(FileNotFoundError, match='image folder'):
        build_background_set(ann, str(tmp_path / 'none'), str(tmp_path / 'o'))
    (tmp_path / 'imgs' / '2.jpg').unlink()
    with pytest.raises(FileNotFoundError, match=r'(?s)1 image file.*--skip-missing.*imgs/2\.jpg'):
        build_background_set(ann, root, str(tmp_path / 'o'), progress=False)
    summary = build_background_set(ann, root, str(tmp_path / 'o'), skip_missing=True,
                                   progress=False)
    assert summary['num_missing'] == 1 and summary['num_listed'] == 1
    data = json.loads(open(ann).read())
    data['categories'] = [dict(id=1, name='human')]
    (tmp_path / 'other.json').write_text(json.dumps(data))
    with pytest.raises(ValueError, match='--person-category-id'):
        build_background_set(str(tmp_path / 'other.json'), root, str(tmp_path / 'o'))
    summary = build_background_set(str(tmp_path / 'other.json'), root, str(tmp_path / 'o'),
                                   person_ids=[1], skip_missing=True, progress=False)
    assert summary['num_listed'] == 1
    with pytest.raises(FileNotFoundError, match='make_background_set.py'):
        list_background_files(str(tmp_path / 'missing_dir'))
