"""The windowed tokenizer of the 4K Sapiens2 model (release: ``Tokenizer`` in
``sapiens/backbones/standalone/sapiens2.py``; checkpoint ``sapiens2_1b_4k_pretrain``).

After the 16x16 patch embedding of a 4096x3072 image (256x192 tokens), the tokens are cut into
non-overlapping ``ws x ws`` windows (ws = 4, 3072 windows); each window gets a shared learned
token ``w_cls`` prepended and ``local_pos_embed`` added, runs through a few MHSA blocks (no QK
norm, no layer scale, no RoPE) and is replaced by its ``w_cls`` output: the main encoder sees a
64x48 grid. Windows run in chunks of ``chunk_size`` (memory only; outputs do not depend on it),
with activation checkpointing while training, as the release does.

Keys: ``local_pos_embed`` (1, 1 + ws^2, D), ``w_cls`` (1, 1, D), ``blocks.{i}.*`` (as
:class:`~.sapiens2_layers.Sapiens2Block`, without ``q_norm``/``k_norm``/``gamma``).
"""
from typing import Tuple

import torch
import torch.nn as nn
from torch.utils.checkpoint import checkpoint

from .sapiens2_layers import Sapiens2Block

__all__ = ['WindowTokenizer']


class WindowTokenizer(nn.Module):
    """One token per ``window_size x window_size`` window of patch tokens.

    Args:
        embed_dims (int): D.
        num_heads (int): heads of the tokenizer blocks.
        num_layers (int): tokenizer blocks (2, 2, 3, 4, 6 for 0.1b ... 5b).
        window_size (int): window side in patches. Defaults to 4.
        chunk_size (int): windows per chunk. Defaults to 1024.

    Shapes: ``x`` (B, H*W, D) with ``hw = (H, W)`` divisible by ``window_size`` ->
    ``(B, H/ws * W/ws, D), (H/ws, W/ws)``.
    """

    def __init__(self, embed_dims: int, num_heads: int, num_layers: int, window_size: int = 4,
                 chunk_size: int = 1024):
        super().__init__()
        self.window_size = window_size
        self.chunk_size = chunk_size
        self.local_pos_embed = nn.Parameter(torch.zeros(1, 1 + window_size**2, embed_dims))
        self.blocks = nn.ModuleList(
            Sapiens2Block(embed_dims, num_heads, feedforward_channels=4 * embed_dims,
                          use_qk_norm=False, layer_scale_init_value=0.)
            for _ in range(num_layers))
        self.w_cls = nn.Parameter(torch.zeros(1, 1, embed_dims))

    def init_weights(self):
        nn.init.trunc_normal_(self.local_pos_embed, std=0.02)
        nn.init.trunc_normal_(self.w_cls, std=0.02)

    def _run_blocks(self, t: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            t = block(t)
        return t

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]
                ) -> Tuple[torch.Tensor, Tuple[int, int]]:
        B, _, C = x.shape
        H, W = hw
        ws = self.window_size
        if H % ws or W % ws:
            raise ValueError(f'WindowTokenizer: a {H}x{W} patch grid is not divisible into '
                             f'{ws}x{ws} windows (input height and width must be multiples '
                             f'of patch_size * {ws})')
        ph, pw = H // ws, W // ws
        windows = (x.view(B, ph, ws, pw, ws, C).permute(0, 1, 3, 2, 4, 5)
                   .contiguous().view(B * ph * pw, ws * ws, C))
        total = windows.size(0)
        chunk = int(min(self.chunk_size, total))
        out = windows.new_empty(total, C)
        use_cp = self.training and torch.is_grad_enabled()
        for i in range(0, total, chunk):
            part = windows[i:i + chunk]
            part = torch.cat([self.w_cls.expand(part.size(0), -1, -1), part], dim=1)
            part = part + self.local_pos_embed
            part = (checkpoint(self._run_blocks, part, use_reentrant=False) if use_cp
                    else self._run_blocks(part))
            out[i:i + part.size(0)] = part[:, 0]
        return out.view(B, ph * pw, C), (ph, pw)
