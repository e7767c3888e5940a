"""Keypoint codecs (target encoding / decoding), registered in mmpose's KEYPOINT_CODECS."""
from .batch_udp_heatmap import BatchUDPHeatmap
from .udp_decode_torch import decode_udp_heatmaps

__all__ = ['BatchUDPHeatmap', 'decode_udp_heatmaps']
