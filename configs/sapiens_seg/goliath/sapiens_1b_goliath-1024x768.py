# Sapiens-1B, 28-class body-part segmentation, 1024x768: the 0.3B config with the 1b backbone.
_base_ = './sapiens_0.3b_goliath-1024x768.py'
model = dict(
    backbone=dict(
        arch='sapiens_1b',
        init_cfg=dict(checkpoint='checkpoints/sapiens_1b/sapiens_1b_epoch_173_clean.pth')),
    decode_head=dict(in_channels=1536))
