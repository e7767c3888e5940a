"""Surface-normal dataset of the human foreground (Sapiens paper, surface normal
estimation): image + normals + mask, as the release's ``NormalGeneralDataset``."""
from sapiens_mm.registry import DATASETS
from .human_dense_dataset import HumanDenseDataset

__all__ = ['HumanNormalDataset', 'NORMAL_CONVENTIONS']

#: Axis conventions a normal file can be in, with the sign flip that takes it to OpenCV's.
#: ``'opencv'``: x right, y down, z forward (into the scene) -- the internal convention.
#: ``'opengl'``: x right, y up, z backward (towards the viewer).
NORMAL_CONVENTIONS = {'opencv': (1.0, 1.0, 1.0), 'opengl': (1.0, -1.0, -1.0)}


@DATASETS.register_module()
class HumanNormalDataset(HumanDenseDataset):
    """``DIR/images/{id}.png`` with ``DIR/normal/{id}.npy`` and ``DIR/mask/{id}.png``.

    The normal array is float32 (H, W, 3), unit vectors in camera coordinates, 0 on the
    background. ``LoadHumanNormal`` converts them to the OpenCV camera frame (x right, y down,
    z forward), which every transform, head and metric of sapiens_mm assumes.

    Args:
        normal_convention (str): the axis convention of the files, required so that no
            convention is ever guessed: ``'opencv'`` (x right, y down, z forward; what the
            synthetic generator writes) or ``'opengl'`` (x right, y up, z backward; converted
            by negating y and z).
        **kwargs: see :class:`HumanDenseDataset`.
    """
    METAINFO = dict(classes=('background', 'person'), palette=[[0, 0, 0], [255, 255, 255]],
                    task='normal')
    ANNOTATIONS = {'normal_map_path': ('normal', '.npy'), 'mask_path': ('mask', '.png')}

    def has_target(self, info: dict) -> bool:
        """Some person pixel (mask > 127, ``LoadHumanNormal``'s default)."""
        from .transforms.loading import read_png
        return bool((read_png(info['mask_path'], 'mask', self.backend_args) > 127).any())

    def __init__(self, normal_convention: str, **kwargs):
        if normal_convention not in NORMAL_CONVENTIONS:
            raise ValueError(f'normal_convention must be one of {sorted(NORMAL_CONVENTIONS)}, '
                             f'got {normal_convention!r}')
        self.normal_convention = normal_convention
        super().__init__(**kwargs)
        self._metainfo['normal_convention'] = normal_convention

    def sample_info(self) -> dict:
        info = super().sample_info()
        info['normal_convention'] = self.normal_convention
        return info
