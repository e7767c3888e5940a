"""Procedurally rendered humans with exact labels (the project's built-in data).

An articulated body of ellipsoids and capsules (:mod:`.body_model`) is posed at random
(:mod:`.pose_sampler`), dressed (:mod:`.appearance`), placed with others in front of a random
background and camera (:mod:`.scene`) and ray cast (:mod:`.raycast`), which gives per pixel the
image, 28-class part segmentation, depth, normals and instance, plus all 308 Goliath keypoints
with depth-tested visibility. :mod:`.writers` writes splits to disk
(``tools/make_synthetic_humans.py``).

Also here: people-free backgrounds (:func:`write_synthetic_backgrounds`, a background set for
``RandomBackground``, ``tools/make_background_set.py synthetic``) and unlabelled procedural
pictures for MAE pretraining demos (:mod:`.procedural_images`, ``tools/make_demo_images.py``).
This package generates data offline; no Dataset class imports it.
"""
from .background import make_background, write_synthetic_backgrounds
from .procedural_images import make_procedural_image, write_procedural_images
from .scene import Scene, mirror_scene, render_scene, sample_scene
from .writers import GENERATOR_VERSION, generate_split, render_sample

__all__ = ['Scene', 'sample_scene', 'mirror_scene', 'render_scene', 'generate_split',
           'render_sample', 'GENERATOR_VERSION', 'make_background', 'write_synthetic_backgrounds',
           'make_procedural_image', 'write_procedural_images']
