# Sapiens2 top-down pose, 308 keypoints (the release's sapiens/pose/configs/keypoints308/): mmpose
# TopdownPoseEstimator, Sapiens2ViT, the v1 head layout (SapiensHeatmapHead: 2 deconvs + 3 1x1
# convs, InstanceNorm + SiLU) at the Sapiens2 widths, keypoint MSE x10 with target weights, UDP
# heatmaps (sigma 6) at 1/4 of 1024x768, flip test on heatmaps without shift. A release task file
# (decode_head.deconv_layers / conv_layers / conv_pose) loads as it is: the loader maps
# decode_head.* to head.* and conv_pose to final_layer.
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (768, 1024)  # (w, h), mmpose order
heatmap_size = (192, 256)
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'

codec = dict(type='BatchUDPHeatmap', input_size=image_size, heatmap_size=heatmap_size, sigma=6)

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='Sapiens2ViT',
        arch=arch,
        img_size=(image_size[1], image_size[0]),
        out_type='featmap',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    head=dict(
        type='SapiensHeatmapHead',
        in_channels=embed_dims,
        out_channels=308,
        deconv_out_channels=(1024, 768),
        deconv_kernel_sizes=(4, 4),
        conv_out_channels=(512, 512, 256),
        conv_kernel_sizes=(1, 1, 1),
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=10.0),
        decoder=codec),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False))

# The release's augmentation, without its albumentations step (blur, median blur, one coarse
# dropout hole), which needs a package this project does not install.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomHalfBody', min_total_keypoints=9, min_upper_keypoints=2,
         min_lower_keypoints=3, padding=1.5, prob=0.3, upper_prioritized_prob=0.7),
    dict(type='RandomBBoxTransform', shift_factor=0.16, shift_prob=0.3, scale_factor=(0.5, 1.5),
         scale_prob=1.0, rotate_factor=80, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=image_size, use_udp=True),
    dict(type='mmdet.PhotoMetricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
# inference: the release's crop warp (bicubic when the crop is upsampled)
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='ReleaseInterpolationTopdownAffine', input_size=image_size, use_udp=True),
    dict(type='PackPoseInputs'),
]
