"""Position-embedding adaptation between checkpoint and model token grids.

Sapiens is pretrained at 1024x1024 with a cls token (pos_embed (1, 1 + 64*64, C)) and fine-tuned
at 1024x768 without one (pos_embed (1, 64*48, C)). Loading therefore drops the cls position and
bicubically resamples the grid (``_prepare_pos_embed`` and ``resize_pos_embed`` of the
release's ``pretrain/mmpretrain/models/{backbones/vision_transformer,utils/embed}.py``). Unlike
the original, the source grid is not assumed square: a (1, 3072, C) task embedding is recognised
as 64x48 from the target's aspect.
"""
import math
from typing import Optional, Tuple

import torch
from mmpretrain.models.utils import resize_pos_embed

__all__ = ['infer_token_grid', 'adapt_pos_embed']


def _is_square(n: int) -> bool:
    return n > 0 and math.isqrt(n)**2 == n


def infer_token_grid(num_tokens: int, like: Tuple[int, int]) -> Optional[Tuple[int, int]]:
    """Guess the (H, W) grid of ``num_tokens`` patch tokens.

    ``like`` (the model's own grid) is used first: equal count means the same grid, then a
    square grid, then a grid with the same aspect ratio as ``like``. Returns None if none fits.
    """
    h, w = like
    if num_tokens == h * w:
        return (h, w)
    if _is_square(num_tokens):
        side = math.isqrt(num_tokens)
        return (side, side)
    # Same aspect ratio as the target: H = sqrt(N * h / w).
    src_h = round(math.sqrt(num_tokens * h / w))
    if src_h > 0 and num_tokens % src_h == 0:
        src_w = num_tokens // src_h
        if src_h * w == src_w * h:
            return (src_h, src_w)
    return None


def adapt_pos_embed(pos_embed: torch.Tensor,
                    dst_grid: Tuple[int, int],
                    num_extra_tokens: int,
                    mode: str = 'bicubic',
                    src_grid: Optional[Tuple[int, int]] = None) -> torch.Tensor:
    """Make a checkpoint position embedding fit a model.

    Args:
        pos_embed: checkpoint embedding, shape (1, N_ckpt, C).
        dst_grid: the model's patch grid (H, W) in tokens.
        num_extra_tokens: 1 if the model has a cls token, else 0.
        mode: interpolation mode, bicubic as in the release.
        src_grid: the checkpoint's patch grid, if known; inferred otherwise.

    Returns:
        Tensor of shape (1, num_extra_tokens + H*W, C), same dtype as ``pos_embed``.

    Raises:
        ValueError: the checkpoint token count fits no grid (message says which count).
    """
    if pos_embed.ndim != 3 or pos_embed.shape[0] != 1:
        raise ValueError(f'pos_embed must have shape (1, N, C), got {tuple(pos_embed.shape)}')
    n = pos_embed.shape[1]
    dst_h, dst_w = dst_grid

    def fits(count):
        return src_grid is not None and count == src_grid[0] * src_grid[1] or \
            infer_token_grid(count, dst_grid) is not None

    ckpt_extra = num_extra_tokens
    if num_extra_tokens == 0 and not fits(n) and fits(n - 1):
        # Checkpoint has a cls token the model does not use (pretrain 4097 -> 4096).
        ckpt_extra = 1
    elif num_extra_tokens == 1 and fits(n) and not fits(n - 1):
        # Model wants a cls token the checkpoint lacks: its position starts at zero.
        pos_embed = torch.cat([pos_embed.new_zeros(1, 1, pos_embed.shape[2]), pos_embed], dim=1)
        n += 1
    patch_tokens = n - ckpt_extra
    grid = src_grid or infer_token_grid(patch_tokens, dst_grid)
    if grid is None or grid[0] * grid[1] != patch_tokens:
        raise ValueError(
            f'pos_embed with {n} tokens fits no patch grid for a model grid of '
            f'{dst_h}x{dst_w} (tried square, {dst_h}:{dst_w} aspect, with and without a cls '
            'token)')
    pos_embed = pos_embed[:, ckpt_extra - num_extra_tokens:] if ckpt_extra > num_extra_tokens \
        else pos_embed
    return resize_pos_embed(
        pos_embed, grid, dst_grid, mode=mode, num_extra_tokens=num_extra_tokens)
