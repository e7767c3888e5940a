from .procedural_images import make_procedural_image, write_procedural_images

__all__ = ['make_procedural_image', 'write_procedural_images']
from .pose import CocoWholeBodyGoliathDataset, Goliath308Dataset  # noqa: E402,F401
