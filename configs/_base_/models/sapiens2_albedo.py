# Sapiens2 albedo (the release's sapiens/dense/configs/albedo/; no released checkpoint):
# AlbedoEstimator (mmseg's DepthEstimator returning pred_albedo_map clamped to [0, 1]),
# Sapiens2ViT, Sapiens2AlbedoHead (the normal head's layout with RMSNorm), the release's losses:
# L1 x2, gradient (squared) x2, chromaticity x1.
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'

model = dict(
    type='AlbedoEstimator',
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
        type='Sapiens2AlbedoHead',
        in_channels=embed_dims,
        upsample_channels=(768, 512, 256, 128),
        conv_out_channels=(64, 32, 16),
        conv_kernel_sizes=(3, 3, 3),
        align_corners=False,
        loss_decode=[
            dict(type='AlbedoL1Loss', loss_weight=2.0),
            dict(type='AlbedoGradientMSELoss', loss_weight=2.0),
            dict(type='AlbedoChromaticityL1Loss', loss_weight=1.0),
        ]),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
