"""Base dataset for the dense human tasks: one sample per image, annotations found by file id.

Layout of a split directory ``DIR`` (what the synthetic generator writes)::

    DIR/images/{id}.png    RGB image (BGR on disk, as cv2 writes it)
    DIR/seg/{id}.png       uint8 body-part label, 255 = ignore          (segmentation)
    DIR/mask/{id}.png      uint8 255 = person, 0 = background           (depth, normals)
    DIR/depth/{id}.npy     float32 (H, W) camera z in metres, 0 on background
    DIR/normal/{id}.npy    float32 (H, W, 3) unit normals, 0 on background

A subclass lists the annotation files it needs in :attr:`HumanDenseDataset.ANNOTATIONS`; every
one of them must exist for every image, which is checked when the dataset is built (the error
names the missing files) rather than half-way through an epoch; so are empty (0-byte) files and
a data set in which no sample has a target. Files of ``images/`` without the image suffix are
counted in a warning.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import mmengine
from mmengine import fileio
from mmengine.logging import print_log
from mmseg.datasets import BaseSegDataset

__all__ = ['HumanDenseDataset']


class HumanDenseDataset(BaseSegDataset):
    """Images of ``data_root/images`` with same-id annotation files in sibling folders.

    Args:
        data_root (str): the split directory ``DIR`` of the layout above.
        data_prefix (dict, optional): folder per key, relative to ``data_root``; missing keys
            take the defaults (``img_path='images'`` and the :attr:`ANNOTATIONS` folders).
        img_suffix (str): image file suffix. Defaults to ``'.png'``.
        ann_file (str): optional text file with one sample id (file name without suffix) per
            line; by default every image in the image folder is a sample (sorted by name).
        **kwargs: the other arguments of mmseg's ``BaseSegDataset`` (``pipeline``,
            ``test_mode``, ``indices``, ``metainfo``, ``backend_args``...).
    """
    #: data_prefix key -> (default folder, file suffix) of each annotation a sample needs.
    ANNOTATIONS: Dict[str, Tuple[str, str]] = {}

    def __init__(self,
                 data_root: Optional[str] = None,
                 data_prefix: Optional[dict] = None,
                 img_suffix: str = '.png',
                 **kwargs):
        prefix = dict(img_path='images')
        prefix.update({key: folder for key, (folder, _) in self.ANNOTATIONS.items()})
        prefix.update(data_prefix or {})
        super().__init__(data_root=data_root, data_prefix=prefix, img_suffix=img_suffix,
                         **kwargs)

    def sample_info(self) -> dict:
        """Keys added to every sample's data info (what the loading transforms read)."""
        return dict(label_map=self.label_map, reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[])

    def _sample_ids(self, img_dir: str) -> List[str]:
        if self.ann_file:
            if not fileio.exists(self.ann_file, backend_args=self.backend_args):
                raise FileNotFoundError(f'{type(self).__name__}: ann_file {self.ann_file} '
                                        'does not exist')
            lines = mmengine.list_from_file(self.ann_file, backend_args=self.backend_args)
            return [line.strip() for line in lines if line.strip()]
        if not fileio.isdir(img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(f'{type(self).__name__}: image folder {img_dir} does not '
                                    f'exist (data_root={self.data_root!r})')
        names = list(fileio.list_dir_or_file(img_dir, list_dir=False, recursive=True,
                                             backend_args=self.backend_args))
        taken = [n for n in names if n.endswith(self.img_suffix)]
        others = sorted(n for n in names if not n.endswith(self.img_suffix))
        if others:
            print_log(f'{type(self).__name__}: {len(others)} of the {len(names)} files in '
                      f'{img_dir} are not *{self.img_suffix} images and were not taken (e.g. '
                      f'{", ".join(others[:3])}); set img_suffix to take them',
                      logger='current', level=30)
        return sorted(name[:-len(self.img_suffix)] for name in taken)

    def has_target(self, info: dict) -> bool:
        """Whether sample ``info`` has anything to learn from (see :meth:`load_data_list`);
        subclasses with maskable targets override it."""
        return True

    def _image_ids(self) -> Tuple[str, List[str]]:
        """The image folder and the sample ids of its images; none is an error naming it."""
        img_dir = self.data_prefix['img_path']
        ids = self._sample_ids(img_dir)
        if not ids:
            raise FileNotFoundError(f'{type(self).__name__}: no *{self.img_suffix} image in '
                                    f'{img_dir}')
        return img_dir, ids

    def load_data_list(self) -> List[dict]:
        """One data info per image: ``img_path``, one path per annotation, sample info."""
        img_dir, ids = self._image_ids()
        data_list, missing = [], []
        for sample_id in ids:
            info = dict(img_path=osp.join(img_dir, sample_id + self.img_suffix))
            for key, (_, suffix) in self.ANNOTATIONS.items():
                info[key] = osp.join(self.data_prefix[key], sample_id + suffix)
            for key in ('img_path', *self.ANNOTATIONS):
                if not fileio.exists(info[key], backend_args=self.backend_args):
                    missing.append(info[key])
            info.update(self.sample_info())
            data_list.append(info)
        if missing:
            shown = '\n  '.join(missing[:10])
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} file(s) of the {len(ids)} samples under '
                f'{self.data_root} are missing:\n  {shown}')
        empty = [info[key] for info in data_list for key in ('img_path', *self.ANNOTATIONS)
                 if osp.isfile(info[key]) and os.path.getsize(info[key]) == 0]
        if empty:
            shown = '\n  '.join(empty[:10])
            raise ValueError(f'{type(self).__name__}: {len(empty)} file(s) of the {len(ids)} '
                             f'samples under {self.data_root} are empty (0 bytes):\n  {shown}')
        # Stops at the first sample with a target: one read when the data are fine.
        if not any(self.has_target(info) for info in data_list):
            raise ValueError(f'{type(self).__name__}: none of the {len(data_list)} samples under '
                             f'{self.data_root} has a target (every mask empty or every value '
                             'invalid): training would run at loss 0')
        return data_list
