"""Where the face features sit on the head, shared by the keypoint anchors and the face texture.

Coordinates are metres in the head-centre frame of a reference head (semi-axes ``HEAD_RADII``):
x = the person's LEFT, y = up, z = forward (out of the face). A person's head is the reference
scaled uniformly, so every feature scales with it. Everything is given for the LEFT side (x > 0)
or the midline; the right side is the mirror image (x -> -x).
"""
import numpy as np

__all__ = ['HEAD_RADII', 'EYE', 'BROW', 'MOUTH', 'NOSE', 'EAR', 'head_front_z',
           'eye_line', 'brow_line']

HEAD_RADII = np.array([0.078, 0.115, 0.098])  # half width, half height, half depth (m)

# Left eye: centre (x, y); half width; heights of the upper/lower lash arcs; iris/pupil radii.
EYE = dict(centre=(0.031, 0.008), half_width=0.0150, upper=0.0062, lower=0.0045,
           iris=0.0056, pupil=0.0022, lid=0.0016, crease=0.0058)
# Left eyebrow: inner/outer x, base height, arch, thickness.
BROW = dict(inner=0.011, outer=0.050, y=0.025, arch=0.0045, thickness=0.0055)
# Mouth: lip centres/semi-axes (x, y, z) and how far the lips stand out of the head surface.
MOUTH = dict(upper_centre=-0.0515, upper_radii=(0.0245, 0.0055, 0.0095),
             lower_centre=-0.0620, lower_radii=(0.0225, 0.0065, 0.0095), proud=0.0060)
# Nose: ridge ellipsoid (tilted so that its lower end stands out) and the wing (ala) ellipsoid.
NOSE = dict(ridge_centre=-0.011, ridge_radii=(0.0095, 0.0265, 0.0150), ridge_tilt=-0.32,
            ridge_proud=0.0110, base_centre=-0.0305, base_radii=(0.0165, 0.0085, 0.0120),
            base_proud=0.0060)
# Left ear: centre, semi-axes (thickness, height, length) and backward tilt (radians about x).
EAR = dict(centre=(0.0790, -0.004, -0.014), radii=(0.0085, 0.0310, 0.0175), tilt=-0.20)


def head_front_z(x, y, radii=HEAD_RADII):
    """z (m) of the front surface of the head ellipsoid above (x, y) (clipped at the rim)."""
    q = 1.0 - (np.asarray(x) / radii[0]) ** 2 - (np.asarray(y) / radii[1]) ** 2
    return radii[2] * np.sqrt(np.clip(q, 0.0, None))


def eye_line(s, which: str):
    """(x, y) of the left eye's ``which`` curve at parameter ``s`` in [0, 1] (0 = inner corner
    next to the nose, 1 = outer corner). Curves: 'upper_lash', 'upper_eyelid', 'upper_crease',
    'lower_lash', 'lower_eyelid'."""
    s = np.asarray(s, dtype=float)
    cx, cy = EYE['centre']
    x = cx + EYE['half_width'] * (2 * s - 1)
    bump = np.sin(np.pi * s)
    # the eye opening is higher towards its inner half, as real upper lids are
    skew = 1.0 + 0.15 * np.cos(np.pi * s)
    y = {
        'upper_lash': cy + EYE['upper'] * bump * skew,
        'upper_eyelid': cy + (EYE['upper'] + EYE['lid']) * bump * skew,
        'upper_crease': cy + (EYE['upper'] + EYE['crease']) * bump * skew + 0.0008,
        'lower_lash': cy - EYE['lower'] * bump,
        'lower_eyelid': cy - (EYE['lower'] + EYE['lid']) * bump,
    }[which]
    return x, y


def brow_line(s, edge: str):
    """(x, y) of the left eyebrow at ``s`` in [0, 1] (0 = inner start, 1 = outer end); ``edge``
    'upper', 'lower' or 'centre'."""
    s = np.asarray(s, dtype=float)
    x = BROW['inner'] + (BROW['outer'] - BROW['inner']) * s
    yc = BROW['y'] + BROW['arch'] * np.sin(np.pi * np.clip(s * 1.15, 0, 1)) - 0.003 * s
    # the brow thins out towards its outer end
    half = 0.5 * BROW['thickness'] * (1.0 - 0.55 * s)
    return x, {'upper': yc + half, 'lower': yc - half, 'centre': yc}[edge]
