"""OKS AP/AR for 308 whole-body keypoints, overall and per body-part group (stock xtcocotools)."""
import json
from typing import Dict, List, Optional, Sequence, Union

from mmengine.logging import MMLogger
from mmpose.evaluation.metrics import CocoMetric
from sapiens_mm.registry import METRICS

from .grouped_keypoint_eval import STATS_NAMES, keypoint_oks_eval

__all__ = ['Goliath308Metric']


@METRICS.register_module()
class Goliath308Metric(CocoMetric):
    """COCO-style OKS AP/AR over all 308 Goliath keypoints and per group.

    Reported names: ``goliath/AP``, ``goliath/AR`` ... over all scored keypoints, then
    ``goliath/<group>/AP`` etc. for body (the 17 COCO points), foot, face, hand (both hands),
    left_hand, right_hand. The sigmas are the dataset's 308 OKS sigmas.

    Args:
        scored_keypoints: ``None`` scores all keypoints; ``'coco_wholebody'`` scores only the
            Goliath keypoints that have a COCO-WholeBody namesake (53), for a 308-keypoint model
            evaluated on COCO-WholeBody through ``CocoWholeBodyGoliathDataset``; or an explicit
            index list. The scored names are written to the log.
        groups: names of the per-group results (keys of the metainfo's ``keypoint_groups`` plus
            ``'hand'``).
        Other arguments: as mmpose's ``CocoMetric`` (``ann_file``, ``use_area``,
        ``score_mode``, ``nms_mode`` ...). With ``ann_file=None`` the ground truth is taken
        from the data samples.
    """
    default_prefix = 'goliath'

    def __init__(self,
                 scored_keypoints: Union[None, str, Sequence[int]] = None,
                 groups: Sequence[str] = ('body', 'foot', 'face', 'hand', 'left_hand',
                                          'right_hand'),
                 **kwargs):
        super().__init__(**kwargs)
        self.scored_keypoints = scored_keypoints
        self.groups = tuple(groups)

    def _scored(self) -> List[int]:
        k = self.dataset_meta['num_keypoints']
        if self.scored_keypoints is None:
            return list(range(k))
        if self.scored_keypoints == 'coco_wholebody':
            return sorted(self.dataset_meta['coco_wholebody_to_goliath'].values())
        if isinstance(self.scored_keypoints, str):
            raise ValueError(f'scored_keypoints={self.scored_keypoints!r}: use None, '
                             "'coco_wholebody' or a list of indices")
        return sorted(int(i) for i in self.scored_keypoints)

    def _group_indices(self) -> Dict[str, List[int]]:
        groups = dict(self.dataset_meta.get('keypoint_groups', {}))
        if 'left_hand' in groups and 'right_hand' in groups:
            groups['hand'] = groups['left_hand'] + groups['right_hand']
        scored = set(self._scored())
        out = {}
        for name in self.groups:
            if name not in groups:
                raise KeyError(f'keypoint group {name!r} is not in the dataset metainfo '
                               f'(has {sorted(groups)})')
            idx = [i for i in groups[name] if i in scored]
            if idx:
                out[name] = idx
        return out

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> list:
        with open(f'{outfile_prefix}.keypoints.json') as f:
            dts = json.load(f)
        sigmas = self.dataset_meta['sigmas']
        scored = self._scored()
        if len(scored) < self.dataset_meta['num_keypoints']:
            names = self.dataset_meta['keypoint_id2name']
            MMLogger.get_current_instance().info(
                f'{type(self).__name__}: scoring {len(scored)} keypoints: '
                + ', '.join(names[i] for i in scored))
        stats = [(n, v) for n, v in zip(STATS_NAMES, keypoint_oks_eval(
            self.coco.dataset, dts, scored, sigmas, self.use_area))]
        for group, idx in self._group_indices().items():
            values = keypoint_oks_eval(self.coco.dataset, dts, idx, sigmas, self.use_area)
            stats += [(f'{group}/{n}', v) for n, v in zip(STATS_NAMES, values)
                      if n in ('AP', 'AP .5', 'AR')]
        return stats
