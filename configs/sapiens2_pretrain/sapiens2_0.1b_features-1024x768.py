# Sapiens2-0.1B pretrained backbone as a feature extractor at 1024x768 (features 64x48).
_base_ = ['../_base_/models/sapiens2_features.py']
model = dict(backbone=dict(arch='sapiens2_0.1b',
                           init_cfg=dict(checkpoint='sapiens2_0.1b_pretrain')))
