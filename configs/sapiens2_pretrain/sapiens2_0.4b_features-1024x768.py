# Sapiens2-0.4B pretrained backbone as a feature extractor at 1024x768 (features 64x48).
_base_ = ['../_base_/models/sapiens2_features.py']
model = dict(backbone=dict(arch='sapiens2_0.4b',
                           init_cfg=dict(checkpoint='sapiens2_0.4b_pretrain')))
