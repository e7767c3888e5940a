# Sapiens2 surface normals (the release's sapiens/dense/configs/normal/): NormalEstimator (mmseg's
# DepthEstimator returning unit pred_normal_map), Sapiens2ViT, Sapiens2NormalHead (3x3 input conv,
# four PixelShuffle x2 blocks, three 3x3 convs, conv_normal), losses: cosine x10 + L1 x1 + the
# release's gradient loss x10 (a masked MSE of forward differences: NormalGradientMSELoss).
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'

model = dict(
    type='NormalEstimator',
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
        type='Sapiens2NormalHead',
        in_channels=embed_dims,
        upsample_channels=(768, 512, 256, 128),
        conv_out_channels=(64, 32, 16),
        conv_kernel_sizes=(3, 3, 3),
        align_corners=False,
        loss_decode=[
            dict(type='NormalCosineLoss', loss_weight=10.0),
            dict(type='NormalL1Loss', loss_weight=1.0),
            dict(type='NormalGradientMSELoss', loss_weight=10.0),
        ]),
    train_cfg=dict(),
    # the release normalises at 1024x768, crops the padding and resizes without renormalising
    test_cfg=dict(mode='whole', normalize_before_resize=True))
