"""Fixtures for the curation tests: a small synthetic split with known person boxes, plus a
people-free image, a truncated PNG and an empty file, and detectors built on the known boxes.

``make_curation_split(root)`` writes ``root/images/*.png`` (synthetic humans, 128x96, rendered
by the project's generator) and ``root/coco.json`` (the generator's COCO-17 file with the
people-free image added, no annotation), and returns the paths relative to ``root/images``.
"""
import json
import os.path as osp
import shutil
import time

from sapiens_mm.data_curation import CocoBoxDetector
from sapiens_mm.synthetic import generate_split

#: images that cannot be read: name -> reason reported by read_image_checked
BROKEN = {'broken_truncated.png': 'truncated PNG', 'broken_empty.jpg': 'empty file'}


def make_curation_split(root: str, num: int = 12, seed: int = 3) -> list:
    generate_split(root, num, seed=seed, size=(128, 96), max_people=3, previews=0,
                   progress=False)
    with open(osp.join(root, 'annotations', 'coco_17.json')) as f:
        coco = json.load(f)
    shutil.copyfile(osp.join(root, 'backgrounds', '000000.png'),
                    osp.join(root, 'images', 'nobody.png'))
    coco['images'].append(dict(id=10**6, file_name='images/nobody.png', height=128, width=96))
    with open(osp.join(root, 'coco.json'), 'w') as f:
        json.dump(coco, f)
    data = open(osp.join(root, 'images', '000001.png'), 'rb').read()
    with open(osp.join(root, 'images', 'broken_truncated.png'), 'wb') as f:
        f.write(data[:len(data) // 2])
    open(osp.join(root, 'images', 'broken_empty.jpg'), 'wb').close()
    return sorted([f'{i:06d}.png' for i in range(num)] + ['nobody.png', *BROKEN])


class CountingDetector:
    """The known boxes of ``ann_file`` (:class:`CocoBoxDetector`), counting the calls and
    raising ``RuntimeError`` on call number ``fail_at`` (1-based; None: never)."""
    wants_path = True

    def __init__(self, ann_file: str, fail_at=None):
        self.inner = CocoBoxDetector(ann_file)
        self.name = self.inner.name
        self.calls, self.fail_at = [], fail_at

    def __call__(self, img, img_path=None):
        if self.fail_at is not None and len(self.calls) + 1 == self.fail_at:
            raise RuntimeError('simulated crash')
        self.calls.append(osp.basename(img_path))
        return self.inner(img, img_path=img_path)


class SlowCocoBoxDetector(CocoBoxDetector):
    """:class:`CocoBoxDetector` that sleeps ``delay`` seconds per image (for kill tests)."""

    def __init__(self, ann_file: str, delay: float = 0.0):
        super().__init__(ann_file)
        self.delay = delay

    def __call__(self, img, img_path=None):
        time.sleep(self.delay)
        return super().__call__(img, img_path=img_path)
