"""An articulated human made of ellipsoids and capsules: skeleton, solids and forward kinematics.

Every bone has a frame; at rest all frames are parallel to the body frame (x = the person's
anatomical LEFT, y = up, z = forward) and the limbs hang straight down (-y). A bone's frame is
``R_parent @ rest @ joint`` placed at ``offset`` (metres, parent frame) from its parent's origin.
Left bones are prefixed ``l_``, right ones ``r_``; the right side is built as the exact mirror
(x -> -x) of the left, and a joint angle triple given in the left-side convention is mirrored
for the right side (``mirror_rotation``), so the same triple on both sides gives a symmetric pose.

Sizes are for a 1.75 m adult and scale with :class:`BodyShape`. The solids per body: pelvis,
abdomen, chest, a shoulder bar, neck, head (+ nose ridge and wings, ears, lips, optional
teeth/tongue, hair, long hair, hat), backpack (optional), upper arms (two capsules each),
forearms, palms, 15 finger phalanges per hand, thighs and shanks (two capsules each), feet and
sock bands. Each solid has an anatomical part name; :mod:`.appearance` turns parts into classes.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import face_layout as fl
from .geometry import MIRROR_X, euler_zxy, mirror_rotation, rot_x
from .solids import CAPSULE, ELLIPSOID, SolidSet, from_records

__all__ = ['BodyShape', 'Outfit', 'Body', 'build_body', 'FINGERS']

FINGERS = ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger')


@dataclass
class BodyShape:
    """Proportions of one person. ``height`` in metres, the rest are multipliers around 1."""
    height: float = 1.75
    girth: float = 1.0      # radii of torso and limbs
    shoulder: float = 1.0   # shoulder width
    hip: float = 1.0        # hip width
    arm: float = 1.0        # arm and hand length
    leg: float = 1.0        # leg length
    head: float = 1.0       # head size (on top of the height scale)


@dataclass
class Outfit:
    """What a person wears; decides extra solids, clothing thickness and the part classes."""
    shirt: bool = True        # torso covered (Upper_Clothing) or bare (Torso)
    crop_top: bool = False    # abdomen bare even with a shirt
    sleeves: int = 1          # 0 none, 1 short, 2 to the elbow, 3 long
    bottoms: int = 3          # 1 briefs/shorts (hips), 2 to the knee, 3 long trousers
    footwear: str = 'shoes'   # 'barefoot', 'socks', 'shoes', 'shoes_socks'
    hair: str = 'short'       # 'none', 'short', 'long'
    hairline: float = 0.25    # front hairline height (fraction of head half height)
    hat: bool = False
    backpack: bool = False
    mouth_open: float = 0.0   # metres between the lips


@dataclass
class Body:
    """A built (unposed) body: skeleton, bone-local solids and their parts, keypoint anchors."""
    bone_names: List[str]
    parent: np.ndarray                # (B,) parent bone index, -1 for the root
    offset: np.ndarray                # (B, 3) metres, in the parent frame
    rest: np.ndarray                  # (B, 3, 3) rest rotation
    solids: SolidSet                  # geometry in bone-local frames
    solid_bone: np.ndarray            # (S,) bone of each solid
    solid_part: List[str]             # (S,) part names, e.g. 'l_forearm'
    anchors: Optional[object] = None  # KeypointAnchors, filled by keypoint_anchors
    dims: Dict[str, float] = field(default_factory=dict)  # lengths/radii used by the anchors

    def bone(self, name: str) -> int:
        return self.bone_names.index(name)

    def joint_rotations(self, angles: Dict[str, Tuple[float, float, float]]) -> np.ndarray:
        """(B, 3, 3) joint rotations from ``{bone: (az, ax, ay)}`` radians (left-side convention;
        ``r_`` bones get the mirrored rotation). Missing bones stay at rest."""
        rots = np.tile(np.eye(3), (len(self.bone_names), 1, 1))
        for i, name in enumerate(self.bone_names):
            if name in angles:
                r = euler_zxy(*angles[name])
                rots[i] = mirror_rotation(r) if name.startswith('r_') else r
        return rots

    def forward_kinematics(self, joint_rot: np.ndarray, root_rot: np.ndarray,
                           root_trans: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Global bone frames: rotations (B, 3, 3) and origins (B, 3) in metres."""
        n = len(self.bone_names)
        rot_g = np.empty((n, 3, 3))
        pos_g = np.empty((n, 3))
        for i in range(n):
            p = self.parent[i]
            if p < 0:
                rot_g[i] = root_rot @ self.rest[i] @ joint_rot[i]
                pos_g[i] = root_trans + root_rot @ self.offset[i]
            else:
                rot_g[i] = rot_g[p] @ self.rest[i] @ joint_rot[i]
                pos_g[i] = pos_g[p] + rot_g[p] @ self.offset[i]
        return rot_g, pos_g

    def posed_solids(self, rot_g: np.ndarray, pos_g: np.ndarray) -> SolidSet:
        return self.solids.transformed(rot_g[self.solid_bone], pos_g[self.solid_bone])


class _Builder:
    """Collects bones and solids; the ``*_pair`` helpers add a left solid and its mirror image
    on the matching right bone."""

    def __init__(self):
        self.names, self.parent, self.offset, self.rest = [], [], [], []
        self.records, self.bones_of_solids, self.parts = [], [], []

    def add_bone(self, name, parent, offset, rest=None):
        self.names.append(name)
        self.parent.append(self.names.index(parent) if parent else -1)
        self.offset.append(np.asarray(offset, float))
        self.rest.append(np.eye(3) if rest is None else rest)

    def ellipsoid(self, bone, part, centre, radii, axes=None, clip=None):
        self.records.append(dict(kind=ELLIPSOID, centre=centre, end_b=centre, radii=radii,
                                 axes=np.eye(3) if axes is None else axes,
                                 clip=np.zeros(4) if clip is None else clip))
        self.bones_of_solids.append(self.names.index(bone))
        self.parts.append(part)

    def capsule(self, bone, part, a, b, radius):
        self.records.append(dict(kind=CAPSULE, centre=a, end_b=b, radii=(radius,) * 3))
        self.bones_of_solids.append(self.names.index(bone))
        self.parts.append(part)

    def ellipsoid_pair(self, bone, part, centre, radii, axes=None):
        axes = np.eye(3) if axes is None else axes
        self.ellipsoid('l_' + bone, 'l_' + part, centre, radii, axes)
        self.ellipsoid('r_' + bone, 'r_' + part, MIRROR_X @ np.asarray(centre, float), radii,
                       mirror_rotation(axes))

    def capsule_pair(self, bone, part, a, b, radius):
        self.capsule('l_' + bone, 'l_' + part, a, b, radius)
        self.capsule('r_' + bone, 'r_' + part, MIRROR_X @ np.asarray(a, float),
                     MIRROR_X @ np.asarray(b, float), radius)


# Finger layout of the LEFT hand in the wrist frame at 1.75 m (hand hanging, palm facing the
# body (-x), thumb forward (+z)): knuckle (MCP) position across the palm (z) and its shift
# along it (dy), the three phalanx lengths and the radius. The thumb starts at _THUMB_CMC.
_FINGER_GEOMETRY = {
    'forefinger': dict(z=0.0280, dy=0.000, lengths=(0.040, 0.024, 0.020), radius=0.0088),
    'middle_finger': dict(z=0.0095, dy=-0.004, lengths=(0.045, 0.028, 0.021), radius=0.0090),
    'ring_finger': dict(z=-0.0090, dy=0.000, lengths=(0.042, 0.027, 0.021), radius=0.0085),
    'pinky_finger': dict(z=-0.0260, dy=0.008, lengths=(0.033, 0.019, 0.019), radius=0.0075),
    'thumb': dict(lengths=(0.044, 0.032, 0.027), radius=0.0102),
}
_PALM_LENGTH = 0.095
_THUMB_CMC = (-0.006, -0.022, 0.022)
_THUMB_REST = rot_x(-0.75)  # thumb points down and forward, in front of the palm


def build_body(shape: BodyShape, outfit: Outfit) -> Body:
    """The unposed body of ``shape`` wearing ``outfit`` (solids sized for the clothes)."""
    s = shape.height / 1.75
    g = shape.girth
    al, ll = s * shape.arm, s * shape.leg
    hs = s * shape.head
    b = _Builder()

    # --- skeleton ---------------------------------------------------------------------------
    b.add_bone('pelvis', None, (0.0, 0.0, 0.0))
    b.add_bone('abdomen', 'pelvis', (0.0, 0.10 * s, -0.010 * s))
    b.add_bone('chest', 'abdomen', (0.0, 0.19 * s, 0.0))
    b.add_bone('neck', 'chest', (0.0, 0.22 * s, -0.012 * s))
    b.add_bone('head', 'neck', (0.0, 0.095 * s, 0.004 * s))
    shoulder = np.array([0.19 * s * shape.shoulder, 0.20 * s, -0.010 * s])
    upper_arm, forearm = 0.30 * al, 0.25 * al
    thigh, shank = 0.43 * ll, 0.43 * ll
    hip = np.array([0.09 * s * shape.hip, 0.0, 0.0])
    for side, m in (('l_', np.eye(3)), ('r_', MIRROR_X)):
        b.add_bone(side + 'shoulder', 'chest', m @ shoulder)
        b.add_bone(side + 'elbow', side + 'shoulder', (0.0, -upper_arm, 0.0))
        b.add_bone(side + 'wrist', side + 'elbow', (0.0, -forearm, 0.0))
        for finger in FINGERS:
            geo = _FINGER_GEOMETRY[finger]
            lengths = [x * al for x in geo['lengths']]
            if finger == 'thumb':
                base, rest = np.array(_THUMB_CMC) * al, _THUMB_REST
            else:
                base, rest = np.array([0.0, -(_PALM_LENGTH + geo['dy']) * al, geo['z'] * al]), None
            rest_m = None if rest is None else (rest if side == 'l_' else mirror_rotation(rest))
            b.add_bone(f'{side}{finger}1', side + 'wrist', m @ base, rest_m)
            b.add_bone(f'{side}{finger}2', f'{side}{finger}1', (0.0, -lengths[0], 0.0))
            b.add_bone(f'{side}{finger}3', f'{side}{finger}2', (0.0, -lengths[1], 0.0))
        b.add_bone(side + 'hip', 'pelvis', m @ hip)
        b.add_bone(side + 'knee', side + 'hip', (0.0, -thigh, 0.0))
        b.add_bone(side + 'ankle', side + 'knee', (0.0, -shank, 0.0))

    # --- clothing thickness -------------------------------------------------------------------
    sleeve_pad, pants_pad = 0.006 * s, 0.010 * s
    arm_pad = [sleeve_pad if outfit.sleeves >= k else 0.0 for k in (1, 2, 3)]
    leg_pad = [pants_pad if outfit.bottoms >= k else 0.0 for k in (1, 2, 3)]

    # --- trunk --------------------------------------------------------------------------------
    b.ellipsoid('pelvis', 'pelvis', (0.0, 0.02 * s, -0.012 * s),
                (0.160 * s * g * shape.hip, 0.12 * s, 0.108 * s * g))
    b.ellipsoid('abdomen', 'abdomen', (0.0, 0.09 * s, 0.0),
                (0.145 * s * g, 0.13 * s, 0.102 * s * g))
    b.ellipsoid('chest', 'chest', (0.0, 0.11 * s, 0.0),
                (0.165 * s * g * shape.shoulder, 0.16 * s, 0.112 * s * g))
    bar_r = 0.055 * s * g
    b.capsule('chest', 'shoulders', shoulder, MIRROR_X @ shoulder, bar_r)
    neck_r = 0.050 * s * (0.6 + 0.4 * g)  # necks thicken less than waists
    b.capsule('neck', 'neck', (0.0, -0.02 * s, 0.0), (0.0, 0.085 * s, -0.004 * s), neck_r)
    if outfit.backpack:
        b.ellipsoid('chest', 'backpack', (0.0, 0.07 * s, -(0.112 * g + 0.060) * s),
                    (0.135 * s, 0.18 * s, 0.065 * s))

    # --- head and face (head-centre frame of face_layout, scaled by hs) -------------------------
    head_centre = np.array([0.0, 0.085, 0.012]) * hs
    head_radii = fl.HEAD_RADII * hs
    b.ellipsoid('head', 'head', head_centre, head_radii)
    _add_face(b, head_centre, hs, outfit)
    if outfit.hair != 'none':
        hair_r = head_radii * np.array([1.07, 1.06, 1.085])
        k = 0.6
        clip = np.array([0.0, 1.0 / hair_r[1], -k / hair_r[2], outfit.hairline])
        b.ellipsoid('head', 'hair', head_centre + np.array([0.0, 0.008, -0.007]) * hs, hair_r,
                    clip=clip)
        if outfit.hair == 'long':
            b.ellipsoid('head', 'hair_long', head_centre + np.array([0.0, -0.075, -0.052]) * hs,
                        np.array([0.080, 0.125, 0.045]) * hs, axes=rot_x(0.15))
    if outfit.hat:
        hat_r = head_radii * np.array([1.12, 1.10, 1.12])
        clip = np.array([0.0, 1.0 / hat_r[1], -0.25 / hat_r[2], 0.42])
        b.ellipsoid('head', 'hat', head_centre + np.array([0.0, 0.012, -0.004]) * hs, hat_r,
                    clip=clip)

    # --- arms and hands --------------------------------------------------------------------------
    ua_r, fa_r = 0.045 * s * g, 0.032 * s * g
    b.capsule_pair('shoulder', 'upper_arm_a', (0, 0, 0), (0, -0.5 * upper_arm, 0),
                   ua_r + arm_pad[0])
    b.capsule_pair('shoulder', 'upper_arm_b', (0, -0.5 * upper_arm, 0), (0, -upper_arm, 0),
                   0.9 * ua_r + arm_pad[1])
    b.capsule_pair('elbow', 'forearm', (0, 0, 0), (0, -forearm, 0), fa_r + arm_pad[2])
    b.ellipsoid_pair('wrist', 'palm', (0.0, -0.048 * al, 0.002 * al),
                     (0.0135 * al * g, 0.052 * al, 0.042 * al))
    finger_r = {}
    for finger in FINGERS:
        geo = _FINGER_GEOMETRY[finger]
        r = geo['radius'] * al * min(g, 1.1)
        finger_r[finger] = r
        for j, length in enumerate(geo['lengths']):
            b.capsule_pair(f'{finger}{j + 1}', finger, (0, 0, 0), (0, -length * al, 0), r)

    # --- legs and feet ---------------------------------------------------------------------------
    th_r, kn_r, calf_r, shin_r = 0.082 * s * g, 0.058 * s * g, 0.054 * s * g, 0.037 * s * g
    b.capsule_pair('hip', 'thigh_a', (0, 0, 0), (0, -0.5 * thigh, 0), th_r + leg_pad[0])
    b.capsule_pair('hip', 'thigh_b', (0, -0.5 * thigh, 0), (0, -thigh, 0), kn_r + leg_pad[1])
    b.capsule_pair('knee', 'calf', (0, 0, 0), (0, -0.42 * shank, 0), calf_r + leg_pad[2])
    b.capsule_pair('knee', 'shin', (0, -0.42 * shank, 0), (0, -shank, 0), shin_r + leg_pad[2])
    shod = outfit.footwear in ('shoes', 'shoes_socks')
    foot_pad = np.array([0.010, 0.012, 0.014]) * s if shod else (
        np.array([0.002, 0.002, 0.002]) * s if outfit.footwear == 'socks' else np.zeros(3))
    foot_c = np.array([0.0, -0.045 * s, 0.075 * ll])
    foot_r = np.array([0.044 * s * g, 0.032 * s, 0.128 * ll]) + foot_pad
    b.ellipsoid_pair('ankle', 'foot', foot_c, foot_r)
    if outfit.footwear in ('socks', 'shoes_socks') and outfit.bottoms < 3:
        b.capsule_pair('knee', 'sock', (0, -shank, 0), (0, -shank + 0.085 * s, 0),
                       shin_r + 0.004 * s)

    for rec, bone in zip(b.records, b.bones_of_solids):
        rec['bone'] = bone
    body = Body(bone_names=b.names, parent=np.array(b.parent), offset=np.array(b.offset),
                rest=np.array(b.rest), solids=from_records(b.records),
                solid_bone=np.array(b.bones_of_solids), solid_part=b.parts)
    body.dims = dict(scale=s, head_scale=hs, head_centre=head_centre, head_radii=head_radii,
                     shoulder_bar=bar_r, neck=neck_r, upper_arm=ua_r + arm_pad[0],
                     elbow=0.9 * ua_r + arm_pad[1], forearm=fa_r + arm_pad[2],
                     thigh=th_r + leg_pad[0], knee=kn_r + leg_pad[1], shin=shin_r + leg_pad[2],
                     calf=calf_r + leg_pad[2], finger=finger_r,
                     pelvis_depth=0.108 * s * g, upper_arm_len=upper_arm,
                     finger_tip_len={f: _FINGER_GEOMETRY[f]['lengths'][2] * al for f in FINGERS})
    return body


def _add_face(b: _Builder, head_centre: np.ndarray, hs: float, outfit: Outfit):
    """Nose, ears, lips (and teeth/tongue in an open mouth), in the head bone frame."""
    hr = fl.HEAD_RADII

    def at(x, y, proud):  # a point ``proud`` metres in front of the reference head surface
        return head_centre + hs * np.array([x, y, fl.head_front_z(x, y) + proud - 0.0])

    n = fl.NOSE
    ridge_r = np.array(n['ridge_radii'])
    b.ellipsoid('head', 'nose', at(0.0, n['ridge_centre'], n['ridge_proud'] - ridge_r[2]),
                ridge_r * hs, axes=rot_x(n['ridge_tilt']))
    base_r = np.array(n['base_radii'])
    b.ellipsoid('head', 'nose', at(0.0, n['base_centre'], n['base_proud'] - base_r[2]),
                base_r * hs)
    e = fl.EAR
    b.ellipsoid('head', 'l_ear', head_centre + hs * np.array(e['centre']),
                np.array(e['radii']) * hs, axes=rot_x(e['tilt']))
    b.ellipsoid('head', 'r_ear', head_centre + hs * (MIRROR_X @ np.array(e['centre'])),
                np.array(e['radii']) * hs, axes=rot_x(e['tilt']))
    m = fl.MOUTH
    up_r, lo_r = np.array(m['upper_radii']), np.array(m['lower_radii'])
    open_ = outfit.mouth_open / hs  # in reference-head metres
    b.ellipsoid('head', 'upper_lip', at(0.0, m['upper_centre'], m['proud'] - up_r[2]),
                up_r * hs)
    b.ellipsoid('head', 'lower_lip',
                at(0.0, m['lower_centre'] - open_, m['proud'] - lo_r[2]), lo_r * hs)
    if open_ > 0.0015:
        # teeth and tongue fill the gap between the lips, just behind the lip fronts
        gap_top = m['upper_centre'] - 0.6 * up_r[1]
        gap_bot = m['lower_centre'] - open_ + 0.6 * lo_r[1]
        tooth_h = min(0.0032, 0.45 * (gap_top - gap_bot))
        b.ellipsoid('head', 'upper_teeth', at(0.0, gap_top - 0.5 * tooth_h, 0.0016 - 0.005),
                    np.array([0.017, tooth_h, 0.005]) * hs)
        b.ellipsoid('head', 'lower_teeth', at(0.0, gap_bot + 0.4 * tooth_h, 0.0010 - 0.005),
                    np.array([0.015, 0.8 * tooth_h, 0.005]) * hs)
        b.ellipsoid('head', 'tongue', at(0.0, 0.5 * (gap_top + gap_bot), 0.0004 - 0.006),
                    np.array([0.014, 0.5 * (gap_top - gap_bot), 0.006]) * hs)
