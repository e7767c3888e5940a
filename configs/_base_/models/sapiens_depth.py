# Sapiens relative depth of the person (seg/configs/sapiens_depth/): mmseg's DepthEstimator,
# SapiensViT without patch padding, SapiensDepthHead (4 deconvs to full resolution + 2 1x1 convs at
# 384, InstanceNorm + SiLU, 1 channel), mmseg's SiLogLoss (identical to the release's).
arch = 'sapiens_0.3b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'checkpoints/sapiens_0.3b/sapiens_0.3b_epoch_1600_clean.pth'

model = dict(
    type='DepthEstimator',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=image_size,
        pad_val=0,
        seg_pad_val=0),  # also pads gt_depth_map: 0 = no target (never a valid depth)
    backbone=dict(
        type='SapiensViT',
        arch=arch,
        img_size=image_size,
        drop_path_rate=0.0,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    decode_head=dict(
        type='SapiensDepthHead',
        in_channels=embed_dims,
        channels=384,
        dropout_ratio=0.1,
        align_corners=False,
        loss_decode=dict(type='SiLogLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
