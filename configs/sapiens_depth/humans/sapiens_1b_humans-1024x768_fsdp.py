# sapiens_1b_humans-1024x768.py trained with FSDP (bf16 mixed precision, per-layer sharding and activation
# checkpointing; see _base_/strategies/fsdp_bf16_vit.py): tools/dist_train.sh THIS_CONFIG N
_base_ = ['./sapiens_1b_humans-1024x768.py', '../../_base_/strategies/fsdp_bf16_vit.py']
