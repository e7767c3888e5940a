# FSDP through mmengine's FlexibleRunner (tools/train.py builds it when a config has a
# `strategy`; launch with tools/dist_train.sh CONFIG N). Every ViT layer is its own FSDP unit
# (parameters, gradients and optimizer state sharded over the N processes, FULL_SHARD), bf16
# compute with fp32 master weights, gradient reduction and buffers (FSDP mixed precision), and
# activation checkpointing of each ViT layer. Checkpoints are full state dicts gathered on rank 0
# (CPU-offloaded), so tools/test.py and the plain configs load them.
# Under FSDP, OptimWrapper's clip_grad clips each rank's parameter shard by that shard's own norm
# (mmengine calls torch's clip_grad_norm_ on the local shards), not by the global norm.
# DeepSpeed (not installed here) is the other FlexibleRunner strategy:
#   strategy = dict(type='DeepSpeedStrategy', zero_optimization=dict(stage=3), bf16=dict(enabled=True))
#   optim_wrapper = dict(type='DeepSpeedOptimWrapper', optimizer=...)
runner_type = 'FlexibleRunner'
strategy = dict(
    type='SapiensFSDPStrategy',  # mmengine's FSDPStrategy, resuming fixed for torch >= 2.1
    model_wrapper=dict(
        type='MMFullyShardedDataParallel',
        auto_wrap_policy='sapiens_vit_block_wrap_policy',
        sharding_strategy='FULL_SHARD',
        mixed_precision=dict(param_dtype='bfloat16', reduce_dtype='float32',
                             buffer_dtype='float32'),
        use_orig_params=True),
    activation_checkpointing=dict(check_fn='is_sapiens_vit_block'),
    state_dict_cfg=dict(
        state_dict_type='FULL_STATE_DICT',
        state_dict_config=dict(type='FullStateDictConfig', offload_to_cpu=True, rank0_only=True),
        optim_state_dict_config=dict(type='FullOptimStateDictConfig', offload_to_cpu=True,
                                     rank0_only=True)))
