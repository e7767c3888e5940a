# Tiny Sapiens2 multi-task on the synthetic humans (CPU, minutes): ONE sapiens2_tiny backbone
# (64 wide, 18 blocks with the GQA schedule; random init unless a checkpoint is given) and the
# slim heads of the tiny v2 single-task configs (configs/sapiens2_{pose,seg,normal}/synthetic/):
# whole-image 308-keypoint heatmaps, 29 body parts (the synthetic v1 labels mapped on loading),
# surface normals, all from one 128x96 input. Evaluation: each task's metric in one
# tools/test.py run (MultiTaskEvaluator; keys pose/goliath/AP, pose/PCK, seg/mIoU, normal/mean).
# A backbone checkpoint is loaded with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
# Data: data/demo/synthetic/{train,val}; another directory of the same layout via --cfg-options
# {train,val,test}_dataloader.dataset.data_root=DIR/{train,val} and the pose ann_file of the
# evaluators.
_base_ = ['../humans/sapiens2_0.4b_multitask_humans-1024x768.py']
image_size = (128, 96)  # (h, w)
scale = (96, 128)  # (w, h)
codec = dict(type='BatchUDPHeatmap', input_size=scale, heatmap_size=(24, 32), sigma=2)
# square roots of the release's weights keep the background in a short run (as the tiny seg
# config)
class_weight = [0.316, 3.162, 3.162, 1.732, 1.414, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732,
                1.732, 1.0, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732, 1.0, 1.0, 3.162,
                3.162, 3.162, 3.162, 3.162]
model = dict(
    backbone=dict(arch='sapiens2_tiny', img_size=image_size,
                  init_cfg=dict(type='Pretrained', checkpoint=None)),
    heads=dict(
        pose=dict(in_channels=64, deconv_out_channels=(64, 64), conv_out_channels=(64, 64, 64),
                  decoder=codec),
        seg=dict(in_channels=64, channels=16, deconv_out_channels=(32, 32, 16, 16),
                 conv_out_channels=(16, 16),
                 loss_decode=[
                     dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                          reduction='none', class_weight=class_weight),
                     dict(type='ForegroundDiceLoss', loss_weight=1.0),
                 ]),
        normal=dict(in_channels=64, upsample_channels=(32, 32, 16, 16),
                    conv_out_channels=(16, 16, 16))))

data_root = 'data/demo/synthetic'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='PackMultiTaskInputs', codec=codec),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    dataset=dict(data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root + '/val', pipeline=val_pipeline))
test_dataloader = val_dataloader
# OKS AP barely moves at this scale (238 face points with sigma 0.01); PCK@0.1 of the box size
# shows what a short run learns
val_evaluator = dict(
    metrics=dict(
        pose=[dict(type='Goliath308Metric',
                   ann_file=data_root + '/val/annotations/goliath_308.json'),
              dict(type='PCKAccuracy', thr=0.1, norm_item='bbox')]))
test_evaluator = val_evaluator
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='AdamW', lr=2e-3, betas=(0.9, 0.999), weight_decay=0.05),
                     constructor='SapiensLayerDecayOptimWrapperConstructor',
                     paramwise_cfg=dict(layer_decay_rate=0.9),
                     clip_grad=dict(max_norm=2.0, norm_type=2))
num_iters = 1500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=False, begin=30, end=num_iters),
]
train_cfg = dict(max_iters=num_iters, val_interval=num_iters)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=num_iters, max_keep_ckpts=1, save_best=None),
    visualization=dict(interval=10, max_images=8))
