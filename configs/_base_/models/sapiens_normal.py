# Sapiens surface normals (seg/configs/sapiens_normal/): NormalEstimator (mmseg's DepthEstimator
# returning unit pred_normal_map), SapiensViT with patch padding 2 (as the release's normal
# configs), SapiensNormalHead (the segmentation-head layout with 3 outputs), cosine + L1 loss on the
# person.
arch = 'sapiens_0.3b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'checkpoints/sapiens_0.3b/sapiens_0.3b_epoch_1600_clean.pth'

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
        type='SapiensViT',
        arch=arch,
        img_size=image_size,
        patch_cfg=dict(padding=2),
        drop_path_rate=0.0,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    decode_head=dict(
        type='SapiensNormalHead',
        in_channels=embed_dims,
        channels=768,
        dropout_ratio=0.1,
        align_corners=False,
        loss_decode=[
            dict(type='NormalCosineLoss', loss_weight=1.0),
            dict(type='NormalL1Loss', loss_weight=1.0),
        ]),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
