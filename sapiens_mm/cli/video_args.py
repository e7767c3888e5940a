"""``sapiens-infer`` options for person detection, videos and streams, and output formats.

    [--det default|none] [--keypoint-format goliath308|coco_wholebody133|coco17|openpose18]
    [--track] [--smooth] [--smooth-min-cutoff 1.0] [--smooth-beta 0.1] [--det-every N]
    [--max-frames N] [--stream-timeout 10]

INPUT may also be a camera index (``0``, ``1`` ...) or a stream URL (``rtsp://``,
``http(s)://`` ...): frames are read until the stream ends, ``--max-frames``, or Ctrl-C (the
outputs of the frames read are written; a second Ctrl-C stops at once). Pose runs on person
boxes: ``--bboxes`` if given, else the detector (``--det default``: the release's RTMDet-M,
``sapiens_person_detector``; ``--det none``: the whole image; ``--det-config/--det-checkpoint``:
another mmdet model); an image where the detector finds nobody is run on the whole image and
counted in the summary. ``--track`` gives every person a track ID kept from frame to frame
(written as ``track_id``, drawn in the pictures); ``--smooth`` (implies ``--track``) filters
each track's keypoints with a One-Euro filter; ``--det-every N`` (implies ``--track``) runs the
detector on every N-th frame and takes the boxes in between from the previous frame's
keypoints (frames then run one at a time).

Imports nothing but argparse (``--help`` stays light).
"""
import argparse

FORMATS = ('goliath308', 'coco_wholebody133', 'coco17', 'openpose18')


def add_video_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group('person detection, videos and streams, output format')
    g.add_argument('--det', choices=['default', 'none'], default='default',
                   help='person boxes for pose without --bboxes: default = the release\'s '
                   'RTMDet-M (sapiens_person_detector), none = the whole image '
                   '(--det-config overrides both)')
    g.add_argument('--keypoint-format', choices=FORMATS, default=None,
                   help='keypoints in the per-image JSON and keypoints.json (default: as the '
                   'model predicts, 308 for the Sapiens pose models; openpose18: OpenPose\'s '
                   'JSON layout per image)')
    g.add_argument('--track', action='store_true',
                   help='track IDs of people across the frames of a video or stream')
    g.add_argument('--smooth', action='store_true',
                   help='One-Euro smoothing of each track\'s keypoints (implies --track)')
    g.add_argument('--smooth-min-cutoff', type=float, default=1.0,
                   help='One-Euro cut-off of a still keypoint, Hz (lower: smoother)')
    g.add_argument('--smooth-beta', type=float, default=0.1,
                   help='One-Euro speed coefficient, 1/px (higher: less lag when moving)')
    g.add_argument('--det-every', type=int, default=1, metavar='N',
                   help='run the detector every N frames, boxes in between from the previous '
                   'frame\'s keypoints (implies --track)')
    g.add_argument('--max-frames', type=int, default=None, metavar='N',
                   help='stop a camera or stream after N frames')
    g.add_argument('--stream-timeout', type=float, default=10.0, metavar='S',
                   help='seconds a camera or stream may take to open and deliver a frame')
