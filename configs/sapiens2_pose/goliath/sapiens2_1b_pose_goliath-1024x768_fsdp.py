# sapiens2_1b_pose_goliath-1024x768.py trained with FSDP as the release does (bf16 mixed
# precision, one FSDP unit per Sapiens2 block, activation checkpointing;
# _base_/strategies/fsdp_bf16_vit.py): tools/dist_train.sh THIS_CONFIG N
_base_ = ['./sapiens2_1b_pose_goliath-1024x768.py', '../../_base_/strategies/fsdp_bf16_vit.py']
# FSDP's mixed precision replaces autocast
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='SapiensLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.9),
    clip_grad=dict(max_norm=4.0, norm_type=2))
