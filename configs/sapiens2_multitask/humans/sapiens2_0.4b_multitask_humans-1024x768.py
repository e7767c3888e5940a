# Sapiens2-0.4B multi-task: ONE Sapiens2ViT backbone and the release's three task heads at their
# 0.4B widths, as configs/sapiens2_{pose,seg,normal}/ have them: whole-image 308-keypoint
# heatmaps (the v1 head layout SapiensHeatmapHead at the v2 widths, MSE x10; as the
# inferencer's --pose-on-dense), 29 body parts (Sapiens2SegHead, class-weighted cross-entropy +
# ForegroundDiceLoss), surface normals (Sapiens2NormalHead, cosine x10 + L1 + gradient MSE x10),
# all from one 1024x768 input. The release has no multi-task model: the task weights are this
# project's (the losses start at comparable scales), the schedule is the release's single-task
# one (configs/_base_/schedules/sapiens2_iter.py, layer decay 0.8, clip 2.0), bf16.
# Data: the HumanMultiTaskDataset layout (v1's 28-class part labels, mapped to the 29 on loading:
# map_seg_v1_to_v2). Differences from the single-task v2 configs: pose sees the whole image
# instead of a person crop, normals are stretched to 1024x768 instead of fit-and-centre-padded,
# and the only augmentation is the resize (whole-image keypoints go through a resize only).
# Parameters: 395,450,368 (backbone) + 30,226,996 (pose) + 11,151,325 (seg) + 57,907,363
# (normal) = 494,736,052.
_base_ = [
    '../../_base_/schedules/sapiens2_iter.py',
    '../../_base_/default_runtime_mmseg.py',
]
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w) network input
scale = (768, 1024)  # (w, h), mmcv order
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'  # a released name (model zoo) or a path
codec = dict(type='BatchUDPHeatmap', input_size=scale, heatmap_size=(192, 256), sigma=6)
# Weights of the release's cross-entropy (configs/_base_/metainfo/body_parts_29.py).
class_weight = [0.1, 10, 10, 3, 2, 4, 4, 2, 2, 6, 10, 3, 3, 1, 4, 4, 2, 2, 6, 10, 3, 3, 1, 1,
                10, 10, 10, 10, 10]
model = dict(
    type='SapiensMultiTask',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='Sapiens2ViT', arch=arch, img_size=image_size, out_type='featmap',
                  init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    heads=dict(
        pose=dict(type='SapiensHeatmapHead', in_channels=embed_dims, out_channels=308,
                  deconv_out_channels=(1024, 768), deconv_kernel_sizes=(4, 4),
                  conv_out_channels=(512, 512, 256), conv_kernel_sizes=(1, 1, 1),
                  loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=10.0),
                  decoder=codec),
        seg=dict(type='Sapiens2SegHead', in_channels=embed_dims, num_classes=29,
                 align_corners=False,
                 loss_decode=[
                     dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                          reduction='none', class_weight=class_weight),
                     dict(type='ForegroundDiceLoss', loss_weight=1.0),
                 ]),
        normal=dict(type='Sapiens2NormalHead', in_channels=embed_dims,
                    upsample_channels=(768, 512, 256, 128), conv_out_channels=(64, 32, 16),
                    conv_kernel_sizes=(3, 3, 3), align_corners=False,
                    loss_decode=[
                        dict(type='NormalCosineLoss', loss_weight=10.0),
                        dict(type='NormalL1Loss', loss_weight=1.0),
                        dict(type='NormalGradientMSELoss', loss_weight=10.0),
                    ],
                    # the release's Kaiming init, but conv_normal starts small: at full-size
                    # outputs the gradient loss starts in the hundreds (550 measured on the tiny
                    # config) and, through the shared gradient clipping, would leave the other
                    # heads next to no update in the first iterations
                    init_cfg=[dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                                   nonlinearity='relu', distribution='normal', bias=0),
                              dict(type='Normal', std=0.01, bias=0,
                                   override=dict(name='conv_normal'))])),
    # the heatmap MSE x10 starts near 0.15 where cross-entropy + Dice start near 2.5 and the
    # three normal losses near 20 (after the gradient loss's first iterations): pose is
    # weighted up to their scale (measured on the tiny config)
    loss_weights=dict(pose=100.0, seg=1.0, normal=1.0))

dataset_type = 'HumanMultiTaskDataset'
data_root = 'data/humans_multitask'
tasks = ('pose', 'seg', 'normal')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='PackMultiTaskInputs', codec=codec),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=False),
    dict(type='LoadMultiTaskAnnotations'),  # after Resize: labels keep the image size
    dict(type='PackMultiTaskInputs'),
]
train_dataloader = dict(
    batch_size=6, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root + '/train', tasks=tasks,
                 map_seg_v1_to_v2=True, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root + '/val', tasks=tasks,
                 map_seg_v1_to_v2=True, test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='MultiTaskEvaluator',
    metrics=dict(
        pose=dict(type='Goliath308Metric',
                  ann_file=data_root + '/val/annotations/goliath_308.json'),
        seg=dict(type='IoUMetric', iou_metrics=['mIoU']),
        normal=dict(type='SurfaceNormalMetric', thresholds=(5, 11.25, 22.5, 30))))
test_evaluator = val_evaluator

optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16')
default_hooks = dict(
    logger=dict(log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=1000, save_best='seg/mIoU', rule='greater'),
    # validation pictures: a row [image | ground truth | prediction] per task
    visualization=dict(interval=50, max_images=8))
log_processor = dict(by_epoch=False)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
visualizer = dict(type='SapiensMultiTaskVisualizer')
