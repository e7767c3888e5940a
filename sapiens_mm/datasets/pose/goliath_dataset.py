"""COCO-style datasets for the 308-keypoint Goliath skeleton."""
import json
import os.path as osp
from typing import Optional

import numpy as np
from mmpose.datasets import CocoWholeBodyDataset
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from .metainfo import GOLIATH_METAINFO, load_goliath_extras

__all__ = ['Goliath308Dataset', 'CocoWholeBodyGoliathDataset']


class _CheckedAnnotations:
    """Clear errors, naming the annotation file, for what mmpose would let through."""

    def _load_annotations(self):
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: annotation file not found')
        try:
            return super()._load_annotations()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{self.ann_file}: not a JSON annotation file ({e})') from e
        except KeyError as e:
            raise ValueError(f'{self.ann_file}: malformed COCO file, missing key {e}') from e

    def _where(self, raw: dict) -> str:
        ann, img = raw['raw_ann_info'], raw['raw_img_info']
        return (f"{self.ann_file}: annotation id={ann.get('id')} "
                f"(image {img.get('file_name')!r})")

    def _check_keys(self, raw: dict, keys) -> None:
        missing = [k for k in keys if k not in raw['raw_ann_info']]
        if missing:
            raise ValueError(f'{self._where(raw)} has no {", ".join(missing)}')

    def _check_image(self, raw: dict, info: Optional[dict]) -> None:
        if info is not None and not osp.isfile(info['img_path']):
            raise FileNotFoundError(f"{self._where(raw)}: image {info['img_path']} not found")

    @classmethod
    def _load_metainfo(cls, metainfo: dict = None) -> dict:
        meta = super()._load_metainfo(metainfo)
        source = (metainfo or cls.METAINFO).get('from_file', GOLIATH_METAINFO)
        meta.update(load_goliath_extras(source))
        return meta


@DATASETS.register_module(force=True)
class Goliath308Dataset(_CheckedAnnotations, BaseCocoStyleDataset):
    """308-keypoint whole-body dataset in COCO keypoint format (mmpose's top-down pipeline).

    ``keypoints`` of each annotation hold 308 x (x, y, v) in the order of
    ``configs/_base_/datasets/goliath.py``, v = 0 (not labelled), 1 (occluded), 2 (visible);
    ``bbox`` is (x, y, w, h) in pixels. Wrong keypoint counts, missing keys and missing images
    raise errors naming the annotation file, the annotation id and the image.
    The metainfo adds ``keypoint_groups`` (body, foot, hands, extra, face index lists).
    """
    METAINFO: dict = dict(from_file=GOLIATH_METAINFO)

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        self._check_keys(raw_data_info, ('keypoints', 'bbox'))
        n, k = len(raw_data_info['raw_ann_info']['keypoints']), self.metainfo['num_keypoints']
        if n != 3 * k:
            raise ValueError(f'{self._where(raw_data_info)} has {n} keypoint values '
                             f'({n / 3:g} keypoints); this dataset expects {k} x 3 = {3 * k}')
        info = super().parse_data_info(raw_data_info)
        self._check_image(raw_data_info, info)
        return info


@DATASETS.register_module(force=True)
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
