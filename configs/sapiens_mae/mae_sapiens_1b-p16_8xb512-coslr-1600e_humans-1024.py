# MAE pretraining of Sapiens-1B at 1024x1024 on a folder of human images (8 GPUs x 512).
_base_ = './mae_sapiens_0.3b-p16_8xb512-coslr-1600e_humans-1024.py'
model = dict(backbone=dict(arch='sapiens_1b'), neck=dict(embed_dim=1536))
