# Pose fine-tuning schedule of the release (pose/configs/sapiens_pose/*): AdamW with layer-wise lr
# decay, 500-iteration linear warm-up, steps at epochs 170 and 200, 210 epochs.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=0.1),
    constructor='SapiensLayerDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.85),  # over model.backbone.num_layers layers
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=210, val_interval=10)
auto_scale_lr = dict(base_batch_size=512, enable=False)
