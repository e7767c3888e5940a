"""Random body shapes and joint angles within human limits.

Angles are radians in the left-side convention of :mod:`.body_model` (a triple ``(az, ax, ay)``
per bone: ``rot_z(az) @ rot_x(ax) @ rot_y(ay)``); the body mirrors them for ``r_`` bones. With the
limbs hanging at rest (-y) this means, for the LEFT side:

* shoulder/hip: az > 0 abducts (limb out to the left), ax < 0 flexes (limb forwards), ay twists;
* elbow: ax < 0 flexes (forearm forwards); ay pronates; knee: ax > 0 flexes (shank backwards);
* wrist/fingers/thumb: az < 0 curls towards the palm (the palm faces the body, -x);
* spine bones (abdomen, chest, neck): ax > 0 bends forwards, az bends sideways, ay twists;
  head: ax > 0 nods down, az rolls, ay turns.

A pose is one of a few families (standing, walking, sitting, crouching, free) for the legs and
trunk, with each arm and hand drawn on its own, so both common and unusual poses occur.
"""
from typing import Dict, Tuple

import numpy as np

from .body_model import FINGERS, BodyShape

__all__ = ['sample_shape', 'sample_pose', 'JOINT_LIMITS', 'POSE_FAMILIES']

Angles = Tuple[float, float, float]

# (min, max) per component (az, ax, ay), left-side convention.
JOINT_LIMITS: Dict[str, Tuple[Tuple[float, float], ...]] = {
    'abdomen': ((-0.25, 0.25), (-0.25, 0.50), (-0.35, 0.35)),
    'chest': ((-0.15, 0.15), (-0.15, 0.30), (-0.30, 0.30)),
    'neck': ((-0.25, 0.25), (-0.30, 0.45), (-0.60, 0.60)),
    'head': ((-0.30, 0.30), (-0.35, 0.35), (-0.80, 0.80)),
    'shoulder': ((-0.20, 2.60), (-2.60, 0.70), (-1.00, 1.00)),
    'elbow': ((0.0, 0.0), (-2.50, 0.0), (-1.20, 1.20)),
    'wrist': ((-1.00, 0.80), (-0.50, 0.35), (0.0, 0.0)),
    'hip': ((-0.35, 0.90), (-2.10, 0.45), (-0.50, 0.50)),
    'knee': ((0.0, 0.0), (0.0, 2.30), (0.0, 0.0)),
    'ankle': ((-0.30, 0.30), (-0.50, 0.70), (0.0, 0.0)),
}
POSE_FAMILIES = ('stand', 'walk', 'sit', 'crouch', 'free')


def sample_shape(rng: np.random.Generator) -> BodyShape:
    """Adult-to-teen proportions: height 1.45..1.98 m, the multipliers within about +-12 %."""
    return BodyShape(height=float(rng.uniform(1.45, 1.98)), girth=float(rng.uniform(0.85, 1.25)),
                     shoulder=float(rng.uniform(0.9, 1.12)), hip=float(rng.uniform(0.9, 1.15)),
                     arm=float(rng.uniform(0.94, 1.06)), leg=float(rng.uniform(0.93, 1.07)),
                     head=float(rng.uniform(0.92, 1.10)))


def _uniform(rng, name: str, scale: float = 1.0) -> Angles:
    """Uniform within the limits, shrunk towards 0 by ``scale`` (0..1)."""
    return tuple(float(rng.uniform(lo, hi) * scale) for lo, hi in JOINT_LIMITS[name])


def _clip(name: str, angles) -> Angles:
    return tuple(float(np.clip(a, lo, hi)) for a, (lo, hi) in zip(angles, JOINT_LIMITS[name]))


def _legs_and_trunk(rng, family: str) -> Dict[str, Angles]:
    p = {}
    if family == 'free':
        for side in ('l_', 'r_'):
            p[side + 'hip'] = _uniform(rng, 'hip')
            p[side + 'knee'] = _uniform(rng, 'knee')
            p[side + 'ankle'] = _uniform(rng, 'ankle')
        p['abdomen'] = _uniform(rng, 'abdomen')
        p['chest'] = _uniform(rng, 'chest')
        return p
    if family == 'walk':
        phase, stride = rng.uniform(0, 2 * np.pi), rng.uniform(0.2, 0.55)
        for side, sign in (('l_', 1.0), ('r_', -1.0)):
            swing = sign * stride * np.sin(phase)
            p[side + 'hip'] = _clip('hip', (rng.normal(0, 0.05), -swing, rng.normal(0, 0.1)))
            knee = 0.15 + max(0.0, np.sin(phase + sign * 1.2)) * rng.uniform(0.3, 1.0)
            p[side + 'knee'] = (0.0, float(knee), 0.0)
            p[side + 'ankle'] = _clip('ankle', (0.0, rng.normal(0, 0.2), 0.0))
    elif family in ('sit', 'crouch'):
        hip_flex = rng.uniform(1.25, 1.7) if family == 'sit' else rng.uniform(1.7, 2.1)
        knee = rng.uniform(1.2, 1.9) if family == 'sit' else rng.uniform(1.9, 2.3)
        for side in ('l_', 'r_'):
            p[side + 'hip'] = _clip('hip', (rng.uniform(-0.1, 0.5), -hip_flex + rng.normal(0, 0.1),
                                            rng.normal(0, 0.2)))
            p[side + 'knee'] = (0.0, float(np.clip(knee + rng.normal(0, 0.15), 0, 2.3)), 0.0)
            p[side + 'ankle'] = _clip('ankle', (0.0, rng.normal(0.1, 0.2), 0.0))
    else:  # stand
        for side in ('l_', 'r_'):
            p[side + 'hip'] = _clip('hip', (rng.uniform(-0.1, 0.3), rng.uniform(-0.35, 0.15),
                                            rng.normal(0, 0.15)))
            p[side + 'knee'] = (0.0, float(rng.uniform(0.0, 0.35)), 0.0)
            p[side + 'ankle'] = _clip('ankle', (rng.normal(0, 0.08), rng.normal(0, 0.12), 0.0))
    trunk = 0.5 if family in ('stand', 'walk') else 0.8
    p['abdomen'] = _uniform(rng, 'abdomen', trunk)
    p['chest'] = _uniform(rng, 'chest', trunk)
    return p


def _arm(rng, side: str) -> Dict[str, Angles]:
    p = {}
    if rng.random() < 0.45:  # relaxed: arm mostly down, elbow loosely bent
        p[side + 'shoulder'] = _clip('shoulder', (rng.uniform(-0.1, 0.5), rng.uniform(-0.8, 0.3),
                                                  rng.normal(0, 0.3)))
        p[side + 'elbow'] = _clip('elbow', (0.0, -rng.uniform(0.0, 1.6), rng.normal(0, 0.4)))
    else:
        p[side + 'shoulder'] = _uniform(rng, 'shoulder')
        p[side + 'elbow'] = _uniform(rng, 'elbow')
    p[side + 'wrist'] = _uniform(rng, 'wrist', 0.7)
    # one grip value per hand, each finger joint near it: fists, open hands and in between
    grip = rng.choice([0.0, rng.uniform(0, 1), 1.0], p=[0.35, 0.45, 0.2])
    for i, finger in enumerate(FINGERS):
        if finger == 'thumb':
            base = (-grip * 0.6 + rng.normal(0, 0.1), rng.normal(0, 0.1), 0.0)
            p[side + 'thumb1'] = (float(base[0]), float(base[1]), 0.0)
            p[side + 'thumb2'] = (float(-grip * 0.7 - rng.uniform(0, 0.2)), 0.0, 0.0)
            p[side + 'thumb3'] = (float(-grip * 0.8 - rng.uniform(0, 0.2)), 0.0, 0.0)
            continue
        c = float(np.clip(grip + rng.normal(0, 0.12), 0, 1))
        spread = (1.5 - i) * 0.06 * (1 - c)  # open fingers fan out, fists close up
        p[f'{side}{finger}1'] = (-1.45 * c - rng.uniform(0, 0.15), float(spread), 0.0)
        p[f'{side}{finger}2'] = (-1.6 * c - rng.uniform(0, 0.15), 0.0, 0.0)
        p[f'{side}{finger}3'] = (-1.0 * c - rng.uniform(0, 0.15), 0.0, 0.0)
    return p


def sample_pose(rng: np.random.Generator, family: str = None) -> Dict[str, Angles]:
    """Joint angles ``{bone: (az, ax, ay)}`` (radians) of one random pose."""
    if family is None:
        family = str(rng.choice(POSE_FAMILIES, p=[0.35, 0.2, 0.15, 0.1, 0.2]))
    pose = _legs_and_trunk(rng, family)
    pose.update(_arm(rng, 'l_'))
    pose.update(_arm(rng, 'r_'))
    pose['neck'] = _uniform(rng, 'neck', 0.6)
    pose['head'] = _uniform(rng, 'head', 0.8)
    return pose
