# Fine-tuning schedule of the Sapiens2 release (every task; sapiens/{pose,dense}/configs/**):
# AdamW (lr 5e-4, betas (0.9, 0.999), weight decay 0.1) with layer-wise lr decay (rate per size:
# 0.8 / 0.85 / 0.9 / 0.94 for 0.4B / 0.8B / 1B / 5B; no decay for 1-D parameters and biases),
# 500-iteration linear warm-up from 1e-3, then linear (power 1) decay to 0, stepped every
# iteration; gradient clipping by L2 norm (2.0 for 0.4B, 4.0 otherwise). Iteration-based.
# A size config that changes num_iters restates param_scheduler and train_cfg (config values are
# resolved when this file is read).
num_iters = 20000
warmup_iters = 500
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='SapiensLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.8),
    clip_grad=dict(max_norm=2.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=warmup_iters,
         end=num_iters),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=num_iters, val_interval=1000)
# The task configs also set, after their bases (the runtime bases define these keys too):
#   default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1000),
#                        logger=dict(log_metric_by_epoch=False))
#   log_processor = dict(by_epoch=False); val_cfg = dict(type='ValLoop'); test_cfg = ...
