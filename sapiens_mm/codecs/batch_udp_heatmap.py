"""``UDPHeatmap`` codec whose decoding runs batched in torch (see :mod:`.udp_decode_torch`)."""
from mmpose.codecs import UDPHeatmap
from sapiens_mm.registry import KEYPOINT_CODECS

__all__ = ['BatchUDPHeatmap']


@KEYPOINT_CODECS.register_module()
class BatchUDPHeatmap(UDPHeatmap):
    """mmpose's ``UDPHeatmap`` (same encoding, same arguments) with batched torch decoding.

    mmpose heads call :meth:`batch_decode` with the (B, K, H, W) output tensor when a codec sets
    ``support_batch_decoding``; the per-sample numpy :meth:`decode` is still available. Only
    ``heatmap_type='gaussian'`` is decoded in torch; ``'combined'`` falls back to numpy.
    """

    @property
    def support_batch_decoding(self) -> bool:
        return self.heatmap_type == 'gaussian'

    def batch_decode(self, batch_heatmaps):
        """(B, K, H, W) tensor -> lists of B (1, K, 2) keypoints and (1, K) scores (numpy)."""
        from .udp_decode_torch import decode_udp_heatmaps
        keypoints, scores = decode_udp_heatmaps(batch_heatmaps.detach(), self.input_size,
                                                self.blur_kernel_size)
        keypoints, scores = keypoints.cpu().numpy(), scores.cpu().numpy()
        return ([k[None] for k in keypoints], [s[None] for s in scores])
