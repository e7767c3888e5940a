"""Pose on videos and streams: track IDs (:mod:`.tracker`), One-Euro smoothing
(:mod:`.one_euro`), both per video with detection every N frames (:mod:`.pose_temporal`), and
camera / stream inputs (:mod:`.streams`)."""
from .one_euro import OneEuroFilter, TrackSmoother
from .pose_temporal import PoseTemporal, boxes_from_keypoints
from .tracker import PersonTracker

__all__ = ['OneEuroFilter', 'TrackSmoother', 'PersonTracker', 'PoseTemporal',
           'boxes_from_keypoints']
