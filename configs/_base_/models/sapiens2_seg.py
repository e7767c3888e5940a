# Sapiens2 29-class body-part segmentation (the release's sapiens/dense/configs/seg/): mmseg
# EncoderDecoder, Sapiens2ViT, Sapiens2SegHead (4 deconvs 512-256-128-64 + 2 1x1 convs at 64,
# InstanceNorm + SiLU, full input resolution, no dropout); losses: class-weighted cross-entropy
# with reduction='none' (mmengine's parse_losses averages the per-pixel map over all pixels,
# ignored ones 0: the release's reduction) + ForegroundDiceLoss.
arch = 'sapiens2_0.4b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'sapiens2_0.4b_pretrain'  # a released name (model zoo) or a path
num_classes = 29
# Weights of the release's cross-entropy (configs/_base_/metainfo/body_parts_29.py).
class_weight = [0.1, 10, 10, 3, 2, 4, 4, 2, 2, 6, 10, 3, 3, 1, 4, 4, 2, 2, 6, 10, 3, 3, 1, 1,
                10, 10, 10, 10, 10]

model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=image_size,
        pad_val=0,
        seg_pad_val=255),
    backbone=dict(
        type='Sapiens2ViT',
        arch=arch,
        img_size=image_size,
        out_type='featmap',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    decode_head=dict(
        type='Sapiens2SegHead',
        in_channels=embed_dims,
        num_classes=num_classes,
        align_corners=False,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                 reduction='none', class_weight=class_weight),
            dict(type='ForegroundDiceLoss', loss_weight=1.0),
        ]),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
