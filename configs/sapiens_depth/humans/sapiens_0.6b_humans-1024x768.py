# Sapiens-0.6B, relative depth of the person, 1024x768: the 0.3B config with the 0.6b backbone.
_base_ = './sapiens_0.3b_humans-1024x768.py'
model = dict(
    backbone=dict(
        arch='sapiens_0.6b',
        init_cfg=dict(checkpoint='checkpoints/sapiens_0.6b/sapiens_0.6b_epoch_1600_clean.pth')),
    decode_head=dict(in_channels=1280))
