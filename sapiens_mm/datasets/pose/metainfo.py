"""Where the pose metainfo configs live, and reading their extra fields."""
from typing import Optional

from mmengine.config import Config

from ...utils.config_paths import config_root, get_config_path

__all__ = ['CONFIG_ROOT', 'GOLIATH_METAINFO', 'load_goliath_extras']

#: The packaged ``configs/`` (a checkout's or an installed package's, see ``utils.config_paths``).
CONFIG_ROOT = config_root()
#: The 308-keypoint metainfo config (mmpose format + ``keypoint_groups``).
GOLIATH_METAINFO = get_config_path('_base_/metainfo/goliath.py')


def load_goliath_extras(path: Optional[str] = None) -> dict:
    """``keypoint_groups`` and ``coco_wholebody_to_goliath`` of a Goliath metainfo config."""
    cfg = Config.fromfile(path or GOLIATH_METAINFO)
    return dict(
        keypoint_groups={k: list(v) for k, v in cfg.get('keypoint_groups', {}).items()},
        coco_wholebody_to_goliath={int(k): int(v) for k, v in
                                   cfg.get('coco_wholebody_to_goliath', {}).items()})
