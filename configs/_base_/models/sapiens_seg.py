# Sapiens body-part segmentation (seg/configs/sapiens_seg/): EncoderDecoder, SapiensViT without
# patch padding, SapiensSegHead (3 deconvs + 3 1x1 convs at 768, InstanceNorm + SiLU, 28 classes),
# class-weighted cross-entropy with reduction='none' as the release: mmengine's parse_losses
# averages the per-pixel map over all pixels (ignored ones count as 0). (mmseg 1.2.2's 'mean' with
# class_weight divides by the summed label weights and fails on ignore labels.)
arch = 'sapiens_0.3b'
embed_dims = 1024
image_size = (1024, 768)  # (h, w)
pretrained_checkpoint = 'checkpoints/sapiens_0.3b/sapiens_0.3b_epoch_1600_clean.pth'
num_classes = 28
# Weighted cross-entropy of the release: background 0.1, small parts up to 10.
class_weight = [0.1, 10, 3, 2, 4, 4, 2, 2, 6, 10, 3, 3, 1, 4, 4, 2, 2, 6, 10, 3, 3, 1, 1, 10,
                10, 10, 10, 10]

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
        type='SapiensViT',
        arch=arch,
        img_size=image_size,
        drop_path_rate=0.0,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_checkpoint)),
    decode_head=dict(
        type='SapiensSegHead',
        in_channels=embed_dims,
        channels=768,
        num_classes=num_classes,
        dropout_ratio=0.1,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         reduction='none', class_weight=class_weight)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
