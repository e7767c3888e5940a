# Top-down Sapiens pose model and pipelines (pose/configs/sapiens_pose/): SapiensViT with patch
# padding 2, SapiensHeatmapHead (2 deconvs + 2 1x1 convs at 768, InstanceNorm + SiLU), UDP heatmaps
# with sigma 6 at 1/4 of the 1024x768 input, flip test on heatmaps. Dataset configs set
# model.head.out_channels, model.head.loss and the data.
arch = 'sapiens_0.3b'
embed_dims = 1024
image_size = (768, 1024)  # (w, h), mmpose order
heatmap_size = (192, 256)
pretrained_checkpoint = 'checkpoints/sapiens_0.3b/sapiens_0.3b_epoch_1600_clean.pth'

codec = dict(type='BatchUDPHeatmap', input_size=image_size, heatmap_size=heatmap_size, sigma=6)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='SapiensViT',
        arch=arch,
        img_size=(image_size[1], image_size[0]),
        patch_cfg=dict(padding=2),
        drop_path_rate=0.0,
        with_cp=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    head=dict(
        type='SapiensHeatmapHead',
        in_channels=embed_dims,
        out_channels=308,
        deconv_out_channels=(768, 768),
        deconv_kernel_sizes=(4, 4),
        conv_out_channels=(768, 768),
        conv_kernel_sizes=(1, 1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody'),
    dict(type='RandomBBoxTransform', shift_factor=0.16, shift_prob=0.3, scale_factor=(0.5, 1.5),
         rotate_factor=80, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=image_size, use_udp=True),
    dict(type='mmdet.PhotoMetricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=image_size, use_udp=True),
    dict(type='PackPoseInputs'),
]
