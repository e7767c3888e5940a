# Sapiens-1B, COCO-17 body keypoints, 1024x768 (release settings).
_base_ = './sapiens_0.3b-210e_coco-1024x768.py'
model = dict(
    backbone=dict(arch='sapiens_1b',
                  init_cfg=dict(checkpoint='checkpoints/sapiens_1b/sapiens_1b_epoch_173_clean.pth')),
    head=dict(in_channels=1536))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
