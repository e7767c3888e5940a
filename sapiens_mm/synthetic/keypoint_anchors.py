"""Canonical 3D points of the 308 Goliath keypoints on the body model.

Each keypoint hangs on a bone: a point in that bone's frame (metres) plus an ``inset``, how far
below the outer surface it may lie (0 for surface points such as face and ear points, finger
tips, toes; the limb radius for joint centres such as elbow or knee). The inset widens the depth
test that decides visibility (:mod:`.scene`).

Only the person's LEFT side and the midline are defined here, by name: face points are laid out
by :mod:`.face_layout` and dropped onto the first surface in front of them (head, nose, lips),
ear points onto the outer face of the ear, hand points on the phalanges (``*_third_joint`` =
knuckle (MCP; the thumb's CMC), ``*2`` = PIP (thumb MCP), ``*3`` = DIP (thumb IP), ``*4`` = tip).
Every right-side point is the mirror image (x -> -x, ``l_`` bone -> ``r_`` bone) of its ``swap``
partner, so a mirrored body carries exactly the swapped keypoints (the flip test relies on it).
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from . import face_layout as fl
from .body_model import FINGERS, Body
from .geometry import MIRROR_X, normalize
from .vocab import goliath_info

__all__ = ['KeypointAnchors', 'build_anchors', 'LINE_POSITIONS']


@dataclass
class KeypointAnchors:
    bone: np.ndarray   # (K,) bone index
    point: np.ndarray  # (K, 3) metres in the bone frame
    inset: np.ndarray  # (K,) metres

    def posed(self, rot_g: np.ndarray, pos_g: np.ndarray) -> np.ndarray:
        """(K, 3) keypoints in the frame of the bone transforms."""
        return np.einsum('kij,kj->ki', rot_g[self.bone], self.point) + pos_g[self.bone]


# Position along a lash/eyelid/crease line (0 = inner corner, 1 = outer corner) of the
# numbered midpoints. Goliath numbers them in image order for both eyes, which is what its
# swap partners encode (l_midpoint_2 <-> r_midpoint_1, l_3 <-> r_6, ...).
LINE_POSITIONS = {'inner_end': 0.0, 'midpoint_3': 1 / 8, 'midpoint_1': 2 / 8, 'midpoint_4': 3 / 8,
                  'centerpoint': 0.5, 'midpoint_5': 5 / 8, 'midpoint_2': 6 / 8,
                  'midpoint_6': 7 / 8, 'outer_end': 1.0}
_BROW_POSITIONS = {'startpoint': 0.0, 'midpoint_2': 0.25, 'midpoint_1': 0.5, 'midpoint_3': 0.75}
# Iris/pupil border points: clock positions as seen facing the person (3 o'clock = their left).
_CLOCK = {'12': 0.0, 'midpoint_1': 1.5, '3': 3.0, 'midpoint_2': 4.5, '6': 6.0,
          'midpoint_3': 7.5, '9': 9.0, 'midpoint_4': 10.5}
# Lip midpoints on the person's left half, as a fraction of the lip half width
# (the right half: midpoint_1 <-> 2, 3 <-> 6, 4 <-> 5).
_LIP_POSITIONS = {'midpoint_2': 0.25, 'midpoint_5': 0.55, 'midpoint_6': 0.8}
# Left ear points in the ear chart: (v up, w forward), fractions of the ear semi-axes.
_EAR_CHART = {
    'top_end_of_inferior_crus': (0.35, 0.35), 'top_end_of_superior_crus': (0.62, 0.05),
    'start_of_antihelix': (0.25, 0.05), 'end_of_antihelix': (-0.45, -0.05),
    'midpoint_1_of_antihelix': (0.08, -0.14), 'midpoint_2_of_antihelix': (-0.10, -0.22),
    'midpoint_3_of_antihelix': (-0.28, -0.16), 'midpoint_1_of_inferior_crus': (0.30, 0.20),
    'highest_point_of_antitragus': (-0.42, 0.22), 'bottom_point_of_tragus': (-0.25, 0.62),
    'protruding_point_of_tragus': (-0.08, 0.72), 'top_point_of_tragus': (0.10, 0.65),
    'start_point_of_crus_of_helix': (0.15, 0.45), 'deepest_point_of_concha': (-0.10, 0.25),
    'tip_of_ear_lobe': (-0.92, 0.08), 'midpoint_between_22_15': (-0.68, 0.35),
    'bottom_connecting_point_of_ear_lobe': (-0.78, 0.45),
    'top_connecting_point_of_helix': (0.72, 0.55), '@centre': (0.0, 0.05),
}
for _k in range(1, 9):  # inner helix rim, from the front top over the top to the back
    _phi = np.deg2rad(-30 + (_k - 1) * 28)
    _EAR_CHART[f'point_{_k}_of_inner_helix'] = (0.80 * np.cos(_phi), -0.78 * np.sin(_phi))


def _ray_ellipsoid(origins, direction, centre, axes, radii):
    """First hits (N, 3) of rays ``origins + t * direction`` with an ellipsoid; NaN on a miss."""
    o = ((origins - centre) @ axes) / radii
    d = (direction @ axes) / radii
    a, b = d @ d, o @ d
    c = np.einsum('ij,ij->i', o, o) - 1.0
    disc = b * b - a * c
    t = (-b - np.sqrt(np.where(disc >= 0, disc, np.nan))) / a
    return origins + t[:, None] * direction


class _FaceProjector:
    """Drops reference-head (x, y) points onto the front-most of some head solids."""

    def __init__(self, body: Body):
        self.body = body
        self.hc, self.hs = body.dims['head_centre'], body.dims['head_scale']
        parts = body.solid_part
        self.index = {}
        for i, p in enumerate(parts):
            self.index.setdefault(p, []).append(i)

    def solid(self, part, k=0):
        i = self.index[part][k]
        s = self.body.solids
        return s.centre[i], s.axes[i], s.radii[i]

    def front(self, xy, parts=('head', 'nose', 'nose_base', 'upper_lip', 'lower_lip')):
        """Bone-frame points (N, 3) for reference (x, y) (N, 2), on the front-most surface."""
        xy = np.atleast_2d(np.asarray(xy, float))
        origins = self.hc + self.hs * np.c_[xy, np.full(len(xy), 1.0)]
        best = np.full((len(xy), 3), np.nan)
        for part in parts:
            key, k = ('nose', 1) if part == 'nose_base' else (part, 0)
            hit = _ray_ellipsoid(origins, np.array([0.0, 0.0, -1.0]), *self.solid(key, k))
            better = ~np.isnan(hit[:, 2]) & ~(hit[:, 2] <= best[:, 2])
            best[better] = hit[better]
        if np.isnan(best).any():
            raise ValueError('a face point misses the head')
        return best

    def ear(self, vw):
        centre, axes, radii = self.solid('l_ear')
        vw = np.atleast_2d(np.asarray(vw, float))
        local = np.c_[np.full(len(vw), 5.0), vw[:, 0] * radii[1], vw[:, 1] * radii[2]]
        hit = _ray_ellipsoid(centre + local @ axes.T, -axes[:, 0], centre, axes, radii)
        if np.isnan(hit).any():
            raise ValueError('an ear point misses the ear')
        return hit


def _face_points(body: Body) -> Dict[str, np.ndarray]:
    """Bone-frame (head) points of the left-side and midline face keypoints, and COCO's
    nose/left_eye/left_ear."""
    fp = _FaceProjector(body)
    pts = {}
    queue = {}  # target solids -> [(name, (x, y))]; resolved in one batch per target

    def put(name, xy, parts=None):
        queue.setdefault(parts, []).append((name, xy))

    # eyes: lash/eyelid/crease lines, iris, pupil
    for line in ('upper_lash', 'upper_eyelid', 'upper_crease', 'lower_lash', 'lower_eyelid'):
        for key, s in LINE_POSITIONS.items():
            put(f'l_{key}_of_{line}_line', fl.eye_line(s, line))
    ex, ey = fl.EYE['centre']
    for ring in ('iris', 'pupil'):
        put(f'l_center_of_{ring}', (ex, ey))
        for key, clock in _CLOCK.items():
            a = clock / 12 * 2 * np.pi
            r = fl.EYE[ring]
            put(f'l_border_of_{ring}_{key}', (ex + r * np.sin(a), ey + r * np.cos(a)))
    # eyebrows
    for key, s in _BROW_POSITIONS.items():
        for edge in ('upper', 'lower'):
            put(f'{edge}_{key}_of_l_eyebrow', fl.brow_line(s, edge))
    put('end_of_l_eyebrow', fl.brow_line(1.0, 'centre'))
    # nose
    n = fl.NOSE
    put('center_of_glabella', (0.0, fl.BROW['y'] + 0.001))
    put('center_of_nose_root', (0.0, 0.012))
    for k, y in ((1, 0.005), (2, -0.002), (3, -0.009)):
        put(f'midpoint_{k}_of_nose_bridge', (0.0, y))
    put('tip_of_nose_bridge', (0.0, -0.017))
    c, axes, radii = fp.solid('nose')
    m = axes @ np.diag(radii ** 2) @ axes.T  # support point of the ridge towards +z = nose tip
    tip = c + m[:, 2] / np.sqrt(m[2, 2])
    put('tip_of_nose', (0.0, (tip[1] - fp.hc[1]) / fp.hs))
    bx, by = n['base_radii'][0], n['base_radii'][1]
    bc = n['base_centre']
    put('bottom_center_of_nose', (0.0, bc - 0.8 * by), ('nose_base',))
    put('l_outer_corner_of_nose', (0.9 * bx, bc), ('nose_base',))
    put('inner_corner_of_l_nostril', (0.25 * bx, bc - 0.55 * by), ('nose_base',))
    put('outer_corner_of_l_nostril', (0.70 * bx, bc - 0.45 * by), ('nose_base',))
    put('upper_corner_of_l_nostril', (0.45 * bx, bc - 0.20 * by), ('nose_base',))
    # mouth (the lower lip moves down with an open mouth)
    mo = fl.MOUTH
    ux, uy = mo['upper_radii'][:2]
    lx, ly = mo['lower_radii'][:2]
    uc = mo['upper_centre']
    lc = (fp.solid('lower_lip')[0][1] - fp.hc[1]) / fp.hs
    up, lo = ('upper_lip',), ('lower_lip',)
    put('center_of_cupid_bow', (0.0, uc + 0.8 * uy), up)
    put('center_of_lower_outer_lip', (0.0, lc - 0.8 * ly), lo)
    put('center_of_upper_inner_lip', (0.0, uc - 0.7 * uy), up)
    put('center_of_lower_inner_lip', (0.0, lc + 0.7 * ly), lo)
    put('l_outer_corner_of_mouth', (0.9 * ux, uc - 0.3 * uy), up)
    put('l_inner_corner_of_mouth', (0.75 * ux, uc - 0.45 * uy), up)
    for key, f in _LIP_POSITIONS.items():
        h = np.sqrt(1 - f * f)
        put(f'{key}_of_upper_outer_lip', (f * ux, uc + 0.8 * uy * h), up)
        put(f'{key}_of_upper_inner_lip', (f * ux, uc - 0.7 * uy * h), up)
        put(f'{key}_of_lower_outer_lip', (f * lx, lc - 0.8 * ly * h), lo)
        put(f'{key}_of_lower_inner_lip', (f * lx, lc + 0.7 * ly * h), lo)
    put('center_of_labiomental_groove', (0.0, -0.079))
    put('tip_of_chin', (0.0, -0.103))
    for parts, items in queue.items():
        xy = np.array([p for _, p in items], float)
        hits = fp.front(xy) if parts is None else fp.front(xy, parts)
        pts.update({name: hit for (name, _), hit in zip(items, hits)})
    pts['left_eye'] = pts['l_center_of_pupil']
    pts['nose'] = pts['tip_of_nose']
    # ears
    keys = list(_EAR_CHART)
    for key, point in zip(keys, fp.ear(np.array([_EAR_CHART[k] for k in keys]))):
        pts['left_ear' if key == '@centre' else f'l_{key}'] = point
    return pts


def _limb_points(body: Body) -> Dict[str, Tuple[str, np.ndarray, float]]:
    """(bone, point, inset) of the left-side body, foot, hand and extra keypoints."""
    d = body.dims
    zero = np.zeros(3)
    out = {
        'left_shoulder': ('l_shoulder', zero, max(d['shoulder_bar'], d['upper_arm'])),
        'left_elbow': ('l_elbow', zero, max(d['elbow'], d['forearm'])),
        'left_wrist': ('l_wrist', zero, d['forearm']),
        'left_hip': ('l_hip', zero, max(d['pelvis_depth'], d['thigh'])),
        'left_knee': ('l_knee', zero, max(d['knee'], d['calf'])),
        'left_ankle': ('l_ankle', zero, d['shin']),
        'neck': ('neck', zero, 0.1 * d['scale']),
    }
    r_el = max(d['elbow'], d['forearm'])
    out['left_olecranon'] = ('l_elbow', np.array([0.0, 0.0, -r_el]), 0.0)
    out['left_cubital_fossa'] = ('l_shoulder', np.array([0.0, -d['upper_arm_len'], r_el]), 0.0)
    shoulder = body.offset[body.bone('l_shoulder')]
    out['left_acromion'] = ('chest', shoulder + np.array([0.0, d['shoulder_bar'], 0.0]), 0.0)
    # foot points on the foot (or shoe) ellipsoid: big toe medial (-x on the left foot)
    i = body.solid_part.index('l_foot')
    c, axes, radii = body.solids.centre[i], body.solids.axes[i], body.solids.radii[i]
    for name, u in (('left_big_toe', (-0.30, -0.25, 0.92)), ('left_small_toe', (0.55, -0.25, 0.80)),
                    ('left_heel', (0.0, -0.35, -0.94))):
        out[name] = ('l_ankle', c + axes @ (radii * normalize(np.array(u))), 0.0)
    for finger in FINGERS:
        r = d['finger'][finger]
        out[f'left_{finger}_third_joint'] = (f'l_{finger}1', zero, r)
        out[f'left_{finger}2'] = (f'l_{finger}2', zero, r)
        out[f'left_{finger}3'] = (f'l_{finger}3', zero, r)
        out[f'left_{finger}4'] = (f'l_{finger}3',
                                  np.array([0.0, -(d['finger_tip_len'][finger] + r), 0.0]), 0.0)
    return out


def build_anchors(body: Body) -> KeypointAnchors:
    """Anchors of all 308 Goliath keypoints for ``body`` (sets and returns ``body.anchors``)."""
    info = goliath_info()
    defined = {name: ('head', p, 0.0) for name, p in _face_points(body).items()}
    defined.update(_limb_points(body))
    bone, point, inset = [], [], []
    for k, name in enumerate(info['names']):
        if name in defined:
            b, p, ins = defined[name]
        else:
            partner = info['names'][info['swap'][k]]
            if partner not in defined:
                raise KeyError(f'no anchor for keypoint {name!r}')
            b, p, ins = defined[partner]
            b = {'l_': 'r_', 'r_': 'l_'}.get(b[:2], '') + b[2:] if b[:2] in ('l_', 'r_') else b
            p = MIRROR_X @ p
        bone.append(body.bone(b))
        point.append(p)
        inset.append(ins)
    body.anchors = KeypointAnchors(np.array(bone), np.array(point), np.array(inset))
    return body.anchors
