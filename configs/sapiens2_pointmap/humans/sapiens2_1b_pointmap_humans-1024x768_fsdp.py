# sapiens2_1b_pointmap_humans-1024x768.py sharded with FSDP as the release does, in fp32 (no
# mixed precision: the release's pointmap configs leave it off), one FSDP unit per Sapiens2
# block, activation checkpointing (_base_/strategies/fsdp_fp32_vit.py):
# tools/dist_train.sh THIS_CONFIG N
_base_ = ['./sapiens2_1b_pointmap_humans-1024x768.py', '../../_base_/strategies/fsdp_fp32_vit.py']
