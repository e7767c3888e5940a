from .procedural_images import make_procedural_image, write_procedural_images

__all__ = ['make_procedural_image', 'write_procedural_images']
