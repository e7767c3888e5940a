# Sapiens2 pointmap (the release's sapiens/dense/configs/pointmap/): PointmapEstimator (mmseg's
# DepthEstimator returning the canonical map, the scale and the metric map), Sapiens2ViT,
# Sapiens2PointmapHead (the normal head's dense branch ending in conv_pointmap, plus the scale
# branch: three stride-2 1x1 convs and an MLP on the flattened 8x6 map, which ties it to the
# input size), the release's seven losses and weights. Canonical camera: focal 768 px.
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
canonical_focal_length = 768.0
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'

model = dict(
    type='PointmapEstimator',
    canonical_focal_length=canonical_focal_length,
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=image_size,
        pad_val=0,
        seg_pad_val=0),
    backbone=dict(
        type='Sapiens2ViT',
        arch=arch,
        img_size=image_size,
        out_type='featmap',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    decode_head=dict(
        type='Sapiens2PointmapHead',
        in_channels=embed_dims,
        input_size=image_size,
        upsample_channels=(1536, 768, 512, 256),
        conv_out_channels=(64, 32, 16),
        conv_kernel_sizes=(3, 3, 3),
        scale_conv_out_channels=(1536, 512, 128),
        scale_mlp_channels=(512, 128),
        align_corners=False,
        loss_decode=[
            dict(type='PointmapDepthNormalizedL1Loss', loss_weight=2.0),  # clamped at 4
            dict(type='PointmapUpsampledL1Loss', loss_weight=1.0, scale_factor=2),
            dict(type='PointmapDepthSiLogLoss', loss_weight=1.0),
            dict(type='PointmapIntrinsicsConsistencyLoss', loss_weight=1.0),
            dict(type='PointmapCentredL1Loss', loss_weight=1.0),
            dict(type='PointmapNormalLoss', loss_weight=2.0),
            dict(type='PointmapScaleL1Loss', loss_weight=4.0),
        ]),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
