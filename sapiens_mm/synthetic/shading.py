"""Colours of the visible surface points: albedo with textures, Lambert + ambient lighting.

Textures are functions of the point's coordinates in its solid's local frame, so they move with
the body and are mirror-symmetric (a mirrored scene renders the flipped image):

* ``TEX_FACE`` (head): eyes (sclera, iris in ``colour_b``, pupil) and eyebrows (``colour_c``)
  at the positions of :mod:`.face_layout`, i.e. where the eye and brow keypoints are;
* ``TEX_STRIPES`` (clothing): bands of ``colour_b`` across the bone, ``tex_scale`` metres apart.
"""
import numpy as np

from . import face_layout as fl
from .solids import TEX_FACE, TEX_STRIPES, SolidSet

__all__ = ['albedo', 'lambert']

_SCLERA = np.array([0.93, 0.91, 0.88])
_PUPIL = np.array([0.03, 0.03, 0.03])


def _face(local: np.ndarray, radii: np.ndarray, base: np.ndarray, iris: np.ndarray,
          brow: np.ndarray) -> np.ndarray:
    """Albedo of head points ``local`` (N, 3), head-centre frame metres, on heads ``radii``."""
    scale = radii[:, 0] / fl.HEAD_RADII[0]
    x, y = np.abs(local[:, 0]) / scale, local[:, 1] / scale  # reference head, left side
    front = local[:, 2] > 0
    out = base.copy()
    ex, ey = fl.EYE['centre']
    s = (x - ex) / (2 * fl.EYE['half_width']) + 0.5
    inside_s = (s > 0) & (s < 1)
    _, top = fl.eye_line(np.clip(s, 0, 1), 'upper_lash')
    _, bottom = fl.eye_line(np.clip(s, 0, 1), 'lower_lash')
    eye = front & inside_s & (y <= top) & (y >= bottom)
    r = np.hypot(x - ex, y - ey)
    out[eye] = _SCLERA
    out[eye & (r < fl.EYE['iris'])] = iris[eye & (r < fl.EYE['iris'])]
    out[eye & (r < fl.EYE['pupil'])] = _PUPIL
    sb = (x - fl.BROW['inner']) / (fl.BROW['outer'] - fl.BROW['inner'])
    _, b_hi = fl.brow_line(np.clip(sb, 0, 1), 'upper')
    _, b_lo = fl.brow_line(np.clip(sb, 0, 1), 'lower')
    brows = front & (sb >= 0) & (sb <= 1) & (y <= b_hi) & (y >= b_lo)
    out[brows] = brow[brows]
    return out


def albedo(solids: SolidSet, index: np.ndarray, local: np.ndarray) -> np.ndarray:
    """(N, 3) RGB albedo in 0..1 of surface points with local coordinates ``local`` (N, 3) on
    solids ``index`` (N,)."""
    out = solids.colour[index].copy()
    tex = solids.texture[index]
    face = tex == TEX_FACE
    if face.any():
        i = index[face]
        out[face] = _face(local[face], solids.radii[i], out[face], solids.colour_b[i],
                          solids.colour_c[i])
    stripes = tex == TEX_STRIPES
    if stripes.any():
        i = index[stripes]
        band = np.floor(local[stripes, 1] / solids.tex_scale[i]).astype(np.int64) % 2 == 1
        sel = np.flatnonzero(stripes)[band]
        out[sel] = solids.colour_b[index[sel]]
    return out


def lambert(normals: np.ndarray, light: np.ndarray, ambient: float, diffuse: float) -> np.ndarray:
    """(N,) shading factor ``ambient + diffuse * max(0, n . l)``; ``light`` points to the light."""
    return ambient + diffuse * np.clip(normals @ light, 0.0, None)
