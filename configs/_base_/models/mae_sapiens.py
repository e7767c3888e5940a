# MAE with a Sapiens encoder (pretrain/configs/sapiens_mae/): mmpretrain's MAE algorithm, decoder
# and head. Size configs override backbone.arch and neck.embed_dim (= the encoder width).
model = dict(
    type='MAE',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='SapiensMAEViT',
        arch='sapiens_0.3b',
        patch_size=16,
        img_size=1024,
        mask_ratio=0.75,  # up to 0.95 is supported
    ),
    neck=dict(
        type='MAEPretrainDecoder',
        num_patches=(1024 // 16)**2,
        patch_size=16,
        in_chans=3,
        embed_dim=1024,
        decoder_embed_dim=512,
        decoder_depth=8,
        decoder_num_heads=16,
        mlp_ratio=4.,
    ),
    head=dict(
        type='MAEPretrainHead',
        norm_pix=True,  # per-patch normalised pixel targets
        patch_size=16,
        loss=dict(type='PixelReconstructionLoss', criterion='L2'),  # on masked patches
    ),
    init_cfg=[
        dict(type='Xavier', layer='Linear', distribution='uniform'),
        dict(type='Constant', layer='LayerNorm', val=1.0, bias=0.0),
    ])
