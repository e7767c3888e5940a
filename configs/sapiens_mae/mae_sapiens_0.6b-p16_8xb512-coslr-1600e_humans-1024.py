# MAE pretraining of Sapiens-0.6B at 1024x1024 on a folder of human images (8 GPUs x 512).
_base_ = [
    '../_base_/models/mae_sapiens.py',
    '../_base_/datasets/image_folder_mae.py',
    '../_base_/schedules/mae_adamw_coslr_1600e.py',
    '../_base_/default_runtime_mmpretrain.py',
]
model = dict(backbone=dict(arch='sapiens_0.6b'), neck=dict(embed_dim=1280))
