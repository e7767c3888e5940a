# MAE schedule of the release (pretrain/configs/sapiens_mae/*): AdamW, 40 warm-up epochs, cosine to
# 1600.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1.5e-4 * 4096 / 256, betas=(0.9, 0.95), weight_decay=0.05),
    clip_grad=dict(max_norm=1.0, error_if_nonfinite=True),
    paramwise_cfg=dict(custom_keys={
        'ln': dict(decay_mult=0.0),
        'bias': dict(decay_mult=0.0),
        'pos_embed': dict(decay_mult=0.),
        'mask_token': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
    }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0, end=40,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=1560, by_epoch=True, begin=40, end=1600,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1600)
# The lr above is for a total batch of 4096; it is scaled linearly to the actual batch.
auto_scale_lr = dict(base_batch_size=4096, enable=True)
