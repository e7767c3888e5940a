"""COCO-style datasets for the 308-keypoint Goliath skeleton."""
import json
import math
import numbers
import os.path as osp
from collections import Counter
from typing import Optional

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets import CocoWholeBodyDataset
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from sapiens_mm.registry import DATASETS
from sapiens_mm.utils.fileio import path_inside_root

from .metainfo import GOLIATH_METAINFO, load_goliath_extras

__all__ = ['Goliath308Dataset', 'CocoWholeBodyGoliathDataset']


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


class _CheckedAnnotations:
    """Clear errors, naming the annotation file, for what mmpose would let through.

    Before mmpose reads the file, :meth:`_validate_coco` checks what ``xtcocotools.COCO`` and
    mmpose lose or corrupt without a word: duplicate annotation or image ids (the index keeps
    the last one), an ``image_id`` no image has (the annotation is never visited), a bbox that
    is not four finite numbers or has a negative size, and keypoint values that are not finite
    numbers. Each is a ``ValueError`` naming the file and the annotation id. What mmpose's
    top-down mode drops (crowd boxes, annotations without a labelled keypoint, boxes of no
    size once clipped to the image) is counted in one warning. A file in which no annotation
    is left, or none has a labelled keypoint, is an error at build time instead of ``need at
    least one array to concatenate`` or a run at ``loss: 0``.
    """

    def _load_annotations(self):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: annotation file not found')
        try:
            with open(self.ann_file) as f:
                raw = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{self.ann_file}: not a JSON annotation file ({e})') from e
        self._validate_coco(raw)
        try:
            instances, images = super()._load_annotations()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{self.ann_file}: not a JSON annotation file ({e})') from e
        except KeyError as e:
            raise ValueError(f'{self.ann_file}: malformed COCO file, missing key {e}') from e
        if not instances:
            raise ValueError(f'{self.ann_file}: no usable annotation ({len(raw["annotations"])} '
                             'in the file); nothing to train or evaluate on')
        unlabelled = sum(1 for inst in instances
                         if not np.any(np.asarray(inst.get('keypoints_visible', 0)) > 0))
        if unlabelled == len(instances):
            raise ValueError(f'{self.ann_file}: none of its {len(instances)} annotations has a '
                             'labelled keypoint (all v=0 or unlabelled): nothing supervises '
                             'the model')
        return instances, images

    def _validate_coco(self, raw) -> None:
        """Raise ``ValueError`` naming the file and annotation for the cases of the class
        docstring; the per-annotation keys this dataset needs are checked by parse_data_info."""
        f = self.ann_file
        if not isinstance(raw, dict) or not isinstance(raw.get('images'), list) or \
                not isinstance(raw.get('annotations'), list):
            raise ValueError(f'{f}: malformed COCO file, needs "images" and "annotations" '
                             'lists')
        img_ids = Counter(img.get('id') for img in raw['images'])
        dup = [i for i, n in img_ids.items() if n > 1]
        if dup:
            raise ValueError(f'{f}: {len(dup)} image id(s) used twice, e.g. id={dup[0]}')
        ann_ids = Counter(a.get('id') for a in raw['annotations'])
        dup = [i for i, n in ann_ids.items() if n > 1]
        if dup:
            raise ValueError(f'{f}: {len(dup)} annotation id(s) used twice, e.g. id={dup[0]} '
                             f'({ann_ids[dup[0]]} times); one person would replace the other')
        for ann in raw['annotations']:
            where = f'{f}: annotation id={ann.get("id")}'
            if ann.get('image_id') not in img_ids:
                raise ValueError(f'{where} refers to image_id={ann.get("image_id")}, which no '
                                 'image of the file has')
            box = ann.get('bbox')
            if box is not None:
                if not isinstance(box, (list, tuple)) or len(box) != 4 or \
                        not all(_is_number(v) and math.isfinite(v) for v in box):
                    raise ValueError(f'{where} has bbox {box!r}; expected 4 finite numbers '
                                     '(x, y, w, h)')
                if box[2] < 0 or box[3] < 0:
                    raise ValueError(f'{where} has a negative-size bbox {box!r} (x, y, w, h)')
            kpts = ann.get('keypoints')
            if isinstance(kpts, (list, tuple)):
                bad = [i for i, v in enumerate(kpts) if not (_is_number(v) and math.isfinite(v))]
                if bad:
                    raise ValueError(f'{where} has {len(bad)} keypoint value(s) that are not '
                                     f'finite numbers, e.g. value {bad[0]} = {kpts[bad[0]]!r} '
                                     f'(keypoint {bad[0] // 3})')
            elif kpts is not None:
                raise ValueError(f'{where} has keypoints of type {type(kpts).__name__}, '
                                 'expected a list of numbers')

    def _get_topdown_data_infos(self, instance_list):
        """mmpose's top-down filter (crowd, no labelled keypoint, a box of no size once
        clipped to the image), with what it drops counted in one warning (mmpose drops them
        without a word)."""
        kept, dropped = [], Counter()
        for inst in instance_list:
            if self._is_valid_instance(inst):
                kept.append(inst)
            elif inst.get('iscrowd'):
                dropped['crowd'] += 1
            elif inst.get('num_keypoints') == 0 or np.max(inst['keypoints']) <= 0:
                dropped['no labelled keypoint'] += 1
            else:
                dropped['a bbox of zero size inside the image'] += 1
        if dropped:
            why = ', '.join(f'{n} with {reason}' for reason, n in dropped.items())
            print_log(f'{self.ann_file}: dropped {sum(dropped.values())} of '
                      f'{len(instance_list)} annotations ({why}), as mmpose does',
                      logger='current', level=30)
        if not kept:
            raise ValueError(f'{self.ann_file}: all {len(instance_list)} annotations were '
                             f'dropped ({why}); nothing to train or evaluate on')
        return kept

    def _where(self, raw: dict) -> str:
        ann, img = raw['raw_ann_info'], raw['raw_img_info']
        return (f"{self.ann_file}: annotation id={ann.get('id')} "
                f"(image {img.get('file_name')!r})")

    def _check_keys(self, raw: dict, keys) -> None:
        missing = [k for k in keys if k not in raw['raw_ann_info']]
        if missing:
            raise ValueError(f'{self._where(raw)} has no {", ".join(missing)}')

    def _check_image(self, raw: dict, info: Optional[dict]) -> None:
        """The image's ``file_name`` stays inside the image folder (``UnsafePathError``
        otherwise: absolute, ``..`` out, a symlink out) and the file exists."""
        if info is None:
            return
        root = self.data_prefix.get('img') or self.data_root or '.'
        path_inside_root(root, raw['raw_img_info'].get('file_name'), self._where(raw))
        if not osp.isfile(info['img_path']):
            raise FileNotFoundError(f"{self._where(raw)}: image {info['img_path']} not found")

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        meta = super()._load_metainfo(metainfo)
        source = (metainfo or cls.METAINFO).get('from_file', GOLIATH_METAINFO)
        meta.update(load_goliath_extras(source))
        return meta


@DATASETS.register_module()
class Goliath308Dataset(_CheckedAnnotations, BaseCocoStyleDataset):
    """308-keypoint whole-body dataset in COCO keypoint format (mmpose's top-down pipeline).

    ``keypoints`` of each annotation hold 308 x (x, y, v) in the order of
    ``configs/_base_/metainfo/goliath.py``, v = 0 (not labelled), 1 (occluded), 2 (visible);
    ``bbox`` is (x, y, w, h) in pixels. Wrong keypoint counts, missing keys and missing images
    raise errors naming the annotation file, the annotation id and the image.
    The metainfo adds ``keypoint_groups`` (body, foot, hands, extra, face index lists).

    Two layouts of the 308 points are read: v1's (``keypoints``) and the Sapiens2 release's
    evaluation json (``goliath_wholebody_kpts``, 308 x 3, with ``keypoints`` holding the 17 COCO
    body points; ``sapiens/pose/src/datasets/`` ``Keypoints308*EvalDataset``). With
    ``keypoints_key='auto'`` an annotation with ``goliath_wholebody_kpts`` is read from it and
    any other from ``keypoints``; a fixed key refuses annotations without it.

    Args:
        keypoints_key (str): ``'auto'`` (default), ``'keypoints'`` or
            ``'goliath_wholebody_kpts'``.
        **kwargs: mmpose ``BaseCocoStyleDataset`` arguments.
    """
    METAINFO: dict = dict(from_file=GOLIATH_METAINFO)
    KEYPOINTS_KEYS = ('auto', 'keypoints', 'goliath_wholebody_kpts')

    def __init__(self, *args, keypoints_key: str = 'auto', **kwargs):
        if keypoints_key not in self.KEYPOINTS_KEYS:
            raise ValueError(f'keypoints_key must be one of {self.KEYPOINTS_KEYS}, got '
                             f'{keypoints_key!r}')
        self.keypoints_key = keypoints_key
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        key = self.keypoints_key
        if key == 'auto':
            key = 'goliath_wholebody_kpts' if 'goliath_wholebody_kpts' in ann else 'keypoints'
        self._check_keys(raw_data_info, (key, 'bbox'))
        if key != 'keypoints':  # mmpose reads 'keypoints': hand it the 308 points
            raw_data_info = dict(raw_data_info, raw_ann_info=dict(ann, keypoints=ann[key]))
        n, k = len(raw_data_info['raw_ann_info']['keypoints']), self.metainfo['num_keypoints']
        if n != 3 * k:
            raise ValueError(f'{self._where(raw_data_info)} has {n} keypoint values '
                             f'({n / 3:g} keypoints); this dataset expects {k} x 3 = {3 * k}')
        info = super().parse_data_info(raw_data_info)
        self._check_image(raw_data_info, info)
        return info


@DATASETS.register_module()
class CocoWholeBodyGoliathDataset(_CheckedAnnotations, CocoWholeBodyDataset):
    """COCO-WholeBody-133 annotations laid out as the 308 Goliath keypoints.

    For evaluating a 308-keypoint model on COCO-WholeBody: each WB keypoint whose name matches
    a Goliath keypoint (53 of 133: body, feet, most finger joints) is put at its Goliath index;
    the other Goliath keypoints are unlabelled (v=0) and so not scored by OKS. Data samples
    carry the Goliath metainfo (flip pairs for 308 heatmaps).
    """
    METAINFO: dict = dict(from_file=GOLIATH_METAINFO)

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        self._check_keys(raw_data_info, ('keypoints', 'foot_kpts', 'face_kpts',
                                         'lefthand_kpts', 'righthand_kpts', 'bbox'))
        info = super().parse_data_info(raw_data_info)
        if info is None:
            return None
        self._check_image(raw_data_info, info)
        mapping = self.metainfo['coco_wholebody_to_goliath']
        wb_kpts, wb_vis = info['keypoints'], info['keypoints_visible']  # (1, 133, 2), (1, 133)
        if wb_kpts.shape[1] != 133:
            raise ValueError(f'{self._where(raw_data_info)} has {wb_kpts.shape[1]} '
                             'COCO-WholeBody keypoints, expected 133')
        k = self.metainfo['num_keypoints']
        kpts = np.zeros((1, k, 2), dtype=np.float32)
        vis = np.zeros((1, k), dtype=np.float32)
        wb_idx, g_idx = list(mapping.keys()), list(mapping.values())
        kpts[:, g_idx] = wb_kpts[:, wb_idx]
        vis[:, g_idx] = wb_vis[:, wb_idx]
        info.update(keypoints=kpts, keypoints_visible=vis, num_keypoints=int((vis > 0).sum()))
        if 'keypoints_visibility' in info:
            info['keypoints_visibility'] = vis.copy()
        return info
