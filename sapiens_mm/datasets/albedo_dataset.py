"""Albedo dataset of the Sapiens2 release's folder layout (``AlbedoBaseDataset``,
``sapiens/dense/src/datasets/albedo/albedo_base_dataset.py``)."""
from sapiens_mm.registry import DATASETS
from .human_dense_dataset import HumanDenseDataset

__all__ = ['AlbedoDataset']


@DATASETS.register_module()
class AlbedoDataset(HumanDenseDataset):
    """``DIR/rgb/{id}.png`` with ``DIR/albedo/{id}.png`` (8-bit RGB albedo, BGR on disk) and
    ``DIR/mask/{id}.png``. The synthetic humans write it with the images in ``images/``
    (``data_prefix=dict(img_path='images')``). A missing file is an error naming it; samples
    the release drops (< 16 person pixels, flat albedo) are dropped and logged by
    ``LoadAlbedoAnnotations``.

    Args: see :class:`HumanDenseDataset`.
    """
    METAINFO = dict(classes=('background', 'person'), palette=[[0, 0, 0], [255, 255, 255]],
                    task='albedo')
    ANNOTATIONS = {'albedo_path': ('albedo', '.png'), 'mask_path': ('mask', '.png')}

    def __init__(self, *args, **kwargs):
        kwargs['data_prefix'] = dict(dict(img_path='rgb'), **(kwargs.get('data_prefix') or {}))
        super().__init__(*args, **kwargs)
