# A Sapiens2 pretrained backbone on its own, as a feature extractor
# (tools/extract_features.py CONFIG CHECKPOINT_OR_NAME INPUT --out DIR).
# Preprocessing as every Sapiens2 task config: BGR -> RGB, ImageNet mean/std in 0-255.
default_scope = 'mmpretrain'
custom_imports = dict(imports=['sapiens_mm'], allow_failed_imports=False)
image_size = (1024, 768)  # (H, W) of the release's fine-tuning configs
model = dict(
    type='ImageClassifier',  # backbone only: no neck, no head
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True),
    backbone=dict(type='Sapiens2ViT', arch='sapiens2_0.4b', img_size=image_size,
                  out_type='featmap',
                  init_cfg=dict(type='Pretrained', checkpoint='sapiens2_0.4b_pretrain')))
