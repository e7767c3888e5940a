# Sapiens2-0.8B pretrained backbone as a feature extractor at 1024x768 (features 64x48).
_base_ = ['../_base_/models/sapiens2_features.py']
model = dict(backbone=dict(arch='sapiens2_0.8b',
                           init_cfg=dict(checkpoint='sapiens2_0.8b_pretrain')))
