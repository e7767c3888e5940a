# fsdp_bf16_vit.py without FSDP mixed precision: parameters, compute, gradient reduction and
# buffers all in fp32, as the release trains its pointmap models (FSDP2 with no
# `mixed_precision`, sapiens/dense/configs/pointmap/). Same wrap policy (one FSDP unit per ViT
# layer), activation checkpointing and full state-dict checkpoints.
_base_ = ['./fsdp_bf16_vit.py']
strategy = dict(model_wrapper=dict(mixed_precision=None))
