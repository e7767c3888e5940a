# Tiny multi-task Sapiens on the synthetic humans (CPU, minutes): ONE sapiens_tiny backbone
# (128 wide, 4 layers; random init unless a checkpoint is given) and the four slim heads of the
# tiny single-task configs (configs/sapiens_{pose,seg,depth,normal}/synthetic/): whole-image
# 308-keypoint heatmaps (as the inferencer's --pose-on-dense), 28 body parts, relative depth,
# surface normals, all from one 128x96 input, batch 16, 12 epochs. The loss is the weighted sum
# of the four task losses (loss_weights); a sample without a task's label adds no loss for it.
# Evaluation: each task's metric of the single-task configs, in one tools/test.py run
# (MultiTaskEvaluator; keys pose/goliath/AP, seg/mIoU, depth/aligned_rmse, normal/mean ...).
# The demo's MAE backbone is loaded with
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
# Differences from the single-task tiny configs: pose sees the whole 128x96 image instead of a
# 128x96 person crop, normals run at 128x96 instead of 256x192, and the only augmentation is
# the resize (whole-image keypoints are mapped through a resize only).
_base_ = [
    '../../_base_/schedules/sapiens_dense_200e.py',
    '../../_base_/default_runtime_mmseg.py',
]
image_size = (128, 96)  # (h, w) network input
scale = (96, 128)  # (w, h), mmcv order
codec = dict(type='BatchUDPHeatmap', input_size=scale, heatmap_size=(24, 32), sigma=2)
# the tiny segmentation config's class weights (square roots of the release's)
class_weight = [0.316, 3.162, 1.732, 1.414, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732,
                1.0, 2.0, 2.0, 1.414, 1.414, 2.449, 3.162, 1.732, 1.732, 1.0, 1.0, 3.162, 3.162,
                3.162, 3.162, 3.162]
dense_init = [dict(type='Kaiming', layer=['Conv2d', 'ConvTranspose2d']),
              dict(type='Normal', std=0.01, bias=0, override=dict(name='conv_seg'))]
model = dict(
    type='SapiensMultiTask',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='SapiensViT', arch='sapiens_tiny', img_size=image_size,
                  drop_path_rate=0.0, init_cfg=dict(type='Pretrained', checkpoint=None)),
    heads=dict(
        pose=dict(type='SapiensHeatmapHead', in_channels=128, out_channels=308,
                  deconv_out_channels=(64, 64), deconv_kernel_sizes=(4, 4),
                  conv_out_channels=(64, 64), conv_kernel_sizes=(1, 1),
                  loss=dict(type='BatchKeypointOHKMMSELoss', use_target_weight=True, topk=128),
                  decoder=codec),
        seg=dict(type='SapiensSegHead', in_channels=128, channels=32, num_classes=28,
                 deconv_out_channels=(64, 64, 32), dropout_ratio=0.1, align_corners=False,
                 loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                                  reduction='none', class_weight=class_weight),
                 init_cfg=dense_init),
        depth=dict(type='SapiensDepthHead', in_channels=128, channels=32,
                   deconv_out_channels=(64, 64, 32, 32),
                   init_cfg=[dense_init[0], dict(type='Normal', std=0.01, bias=0.5,
                                                 override=dict(name='conv_seg'))]),
        normal=dict(type='SapiensNormalHead', in_channels=128, channels=32,
                    deconv_out_channels=(64, 64, 32), init_cfg=dense_init)),
    # the OHKM heatmap MSE starts at ~0.016 where the other losses start at ~1-2: pose is
    # weighted up to the same scale
    loss_weights=dict(pose=100.0, seg=1.0, depth=1.0, normal=1.0))

dataset_type = 'HumanMultiTaskDataset'
data_root = 'data/demo/synthetic'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='MultiTaskDepthTarget'),
    dict(type='PackMultiTaskInputs', codec=codec),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadMultiTaskAnnotations'),  # after Resize: labels keep the image size
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=16, num_workers=1, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MultiTaskEvaluator',
    metrics=dict(
        pose=dict(type='Goliath308Metric',
                  ann_file=data_root + '/val/annotations/goliath_308.json'),
        seg=dict(type='IoUMetric', iou_metrics=['mIoU']),
        depth=dict(type='HumanDepthMetric', pred_space='relative'),
        normal=dict(type='SurfaceNormalMetric')))
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=0.002))  # layer-wise decay 0.85 (schedule _base_)
max_epochs = 12
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='PolyLR', power=1.0, eta_min=0.0, by_epoch=True, begin=0, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1),
    # validation pictures: a row [image | ground truth | prediction] per task
    visualization=dict(interval=10, max_images=8))
visualizer = dict(type='SapiensMultiTaskVisualizer')
