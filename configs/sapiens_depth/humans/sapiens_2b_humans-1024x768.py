# Sapiens-2B, relative depth of the person, 1024x768: the 0.3B config with the 2b backbone.
_base_ = './sapiens_0.3b_humans-1024x768.py'
model = dict(
    backbone=dict(
        arch='sapiens_2b',
        init_cfg=dict(checkpoint='checkpoints/sapiens_2b/sapiens_2b_epoch_660_clean.pth')),
    decode_head=dict(in_channels=1920))
