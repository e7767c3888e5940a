# Sapiens-2B, COCO-WholeBody 133 keypoints, 1024x768 (release settings).
_base_ = './sapiens_0.3b-210e_coco_wholebody-1024x768.py'
model = dict(
    backbone=dict(arch='sapiens_2b',
                  init_cfg=dict(checkpoint='checkpoints/sapiens_2b/sapiens_2b_epoch_660_clean.pth')),
    head=dict(in_channels=1920))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.85))
