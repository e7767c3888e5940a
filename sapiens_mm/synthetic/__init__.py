"""Procedurally rendered humans with exact labels (the project's built-in data).

An articulated body of ellipsoids and capsules (:mod:`.body_model`) is posed at random
(:mod:`.pose_sampler`), dressed (:mod:`.appearance`), placed with others in front of a random
background and camera (:mod:`.scene`) and ray cast (:mod:`.raycast`), which gives per pixel the
image, 28-class part segmentation, depth, normals and instance, plus all 308 Goliath keypoints
with depth-tested visibility. :mod:`.writers` writes splits to disk
(``tools/make_synthetic_humans.py``).
"""
from .scene import Scene, mirror_scene, render_scene, sample_scene
from .writers import GENERATOR_VERSION, generate_split, render_sample

__all__ = ['Scene', 'sample_scene', 'mirror_scene', 'render_scene', 'generate_split',
           'render_sample', 'GENERATOR_VERSION']
