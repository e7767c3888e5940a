# Sapiens-0.6B, Goliath 308 keypoints, 1024x768 (MSE loss, as the release).
_base_ = './sapiens_0.3b-210e_goliath-1024x768.py'
model = dict(
    backbone=dict(arch='sapiens_0.6b',
                  init_cfg=dict(checkpoint='checkpoints/sapiens_0.6b/sapiens_0.6b_epoch_1600_clean.pth')),
    head=dict(in_channels=1280,
                       loss=dict(type='KeypointMSELoss', use_target_weight=True, _delete_=True)))
