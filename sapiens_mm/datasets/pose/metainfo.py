"""Where the pose metainfo configs live, and reading their extra fields."""
import os.path as osp
from typing import Optional

from mmengine.config import Config

__all__ = ['CONFIG_ROOT', 'GOLIATH_METAINFO', 'load_goliath_extras']

#: ``configs/`` of the sapiens_mm checkout (the package is installed in editable mode).
CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__))))), 'configs')
#: The 308-keypoint metainfo config (mmpose format + ``keypoint_groups``).
GOLIATH_METAINFO = osp.join(CONFIG_ROOT, '_base_', 'datasets', 'goliath.py')


def load_goliath_extras(path: Optional[str] = None) -> dict:
    """``keypoint_groups`` and ``coco_wholebody_to_goliath`` of a Goliath metainfo config."""
    cfg = Config.fromfile(path or GOLIATH_METAINFO)
    return dict(
        keypoint_groups={k: list(v) for k, v in cfg.get('keypoint_groups', {}).items()},
        coco_wholebody_to_goliath={int(k): int(v) for k, v in
                                   cfg.get('coco_wholebody_to_goliath', {}).items()})
