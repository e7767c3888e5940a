# Sapiens-0.6B, COCO-WholeBody 133 keypoints, 1024x768 (release settings).
_base_ = './sapiens_0.3b-210e_coco_wholebody-1024x768.py'
model = dict(
    backbone=dict(arch='sapiens_0.6b',
                  init_cfg=dict(checkpoint='checkpoints/sapiens_0.6b/sapiens_0.6b_epoch_1600_clean.pth')),
    head=dict(in_channels=1280))
optim_wrapper = dict(paramwise_cfg=dict(layer_decay_rate=0.75))
