# Sapiens2-1B-4K pretrained backbone (windowed tokenizer) as a feature extractor at 4096x3072
# (16x16 patches -> 256x192 tokens -> 4x4 windows -> features 64x48).
_base_ = ['../_base_/models/sapiens2_features.py']
image_size = (4096, 3072)
model = dict(backbone=dict(arch='sapiens2_1b', img_size=image_size, use_tokenizer=True,
                           init_cfg=dict(checkpoint='sapiens2_1b_4k_pretrain')))
