# Sapiens-1B, Goliath 308 keypoints, 1024x768 (OHKM-128 loss, layer decay 0.95, as the release).
_base_ = './sapiens_0.3b-210e_goliath-1024x768.py'
model = dict(
    backbone=dict(arch='sapiens_1b',
                  init_cfg=dict(checkpoint='checkpoints/sapiens_1b/sapiens_1b_epoch_173_clean.pth')),
    head=dict(in_channels=1536))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.95))
