"""Exact, vectorised ray casting of a :class:`~.solids.SolidSet` into a z-buffer.

Rays start at the camera centre and pass through pixel centres with direction (X[j], Y[i], 1)
(:meth:`.camera.Camera.ray_grid`), so the ray parameter of a hit *is* its camera-space depth z.
Each solid is intersected analytically over its projected screen box only (a quadratic per
pixel), and the z-buffer keeps the nearest hit; ties go to the earlier solid. Normals are computed
afterwards for the winning hit of each foreground pixel only ("deferred"): the gradient of the
ellipsoid's implicit function, or the direction from the capsule axis. They are unit, in the
camera frame, and point out of the surface.
"""
from typing import Tuple

import numpy as np

from .solids import ELLIPSOID, SolidSet

__all__ = ['zbuffer', 'surface_normals', 'local_coordinates', 'pixel_boxes']


def pixel_boxes(solids: SolidSet, x: np.ndarray, y: np.ndarray, near: float) -> np.ndarray:
    """(S, 4) [row0, row1, col0, col1) of pixels whose centre ray may hit each solid: the
    projection of the camera-frame AABB, one pixel wider for rounding. Solids reaching behind
    the near plane get the whole image."""
    box = solids.aabb()
    lo, hi = box[:, 0], box[:, 1]
    in_front = lo[:, 2] > near
    zl = np.where(in_front, lo[:, 2], 1.0)
    zh = np.where(in_front, hi[:, 2], 1.0)
    out = np.empty((len(solids), 4), np.int64)
    for k, axis_vals in ((0, y), (2, x)):
        c = 1 if k == 0 else 0  # camera y for rows, x for columns
        ratios = np.stack([lo[:, c] / zl, lo[:, c] / zh, hi[:, c] / zl, hi[:, c] / zh])
        a = np.searchsorted(axis_vals, ratios.min(0), 'left') - 1
        b = np.searchsorted(axis_vals, ratios.max(0), 'right') + 1
        n = len(axis_vals)
        out[:, k] = np.where(in_front, np.clip(a, 0, n), 0)
        out[:, k + 1] = np.where(in_front, np.clip(b, 0, n), n)
    behind = hi[:, 2] <= near
    out[behind] = 0
    return out


def _ellipsoid_t(x, y, axes, o, radii, clip, near):
    """Depth of the first hit (inf on a miss) for rays (x, y, 1) with an ellipsoid given by its
    ``axes`` (..., 3, 3), the ray origin in its unit-sphere frame ``o`` (..., 3), ``radii``
    (..., 3) and local half-space ``clip`` (..., 4). Parameters broadcast against x and y (one
    solid over a pixel box, or one solid per pixel in a batch)."""
    e = [(axes[..., 0, k] * x + axes[..., 1, k] * y + axes[..., 2, k]) / radii[..., k]
         for k in range(3)]
    a = e[0] * e[0] + e[1] * e[1] + e[2] * e[2]
    b = o[..., 0] * e[0] + o[..., 1] * e[1] + o[..., 2] * e[2]
    c = (o * o).sum(-1) - 1.0
    disc = b * b - a * c
    hit = disc >= 0
    t = (-b - np.sqrt(np.where(hit, disc, 0.0))) / a
    if np.any(clip[..., :3]):
        # keep the front hit only where it lies in the half-space (n . p_local >= d)
        n = clip[..., :3] * radii
        side = sum(n[..., k] * (t * e[k] + o[..., k]) for k in range(3))
        hit &= side >= clip[..., 3]
    return np.where(hit & (t > near), t, np.inf)


def _capsule_t(x, y, pa, pb, radius, near):
    """Depth of the first hit (inf on a miss) with a capsule (ends ``pa``, ``pb`` (..., 3),
    ``radius`` (...)), after Inigo Quilez's ray-capsule intersection: the infinite cylinder
    first; where its entry point lies beyond an end of the segment the ray can only meet that
    end's sphere (the sphere fills the cylinder's cross-section there), so one sphere per
    pixel is tested. Broadcasts like :func:`_ellipsoid_t`."""
    rr = x * x + y * y + 1.0
    ba = pb - pa
    baba, baoa, oaoa = (ba * ba).sum(-1), -(ba * pa).sum(-1), (pa * pa).sum(-1)
    bard = ba[..., 0] * x + ba[..., 1] * y + ba[..., 2]
    rdoa = -(pa[..., 0] * x + pa[..., 1] * y + pa[..., 2])
    a = baba * rr - bard * bard
    b = baba * rdoa - baoa * bard
    c = baba * oaoa - baoa * baoa - radius * radius * baba
    h = b * b - a * c
    parallel = a <= 1e-12 * baba * rr  # ray along the axis: only a cap can be hit
    ok = (h >= 0) | parallel
    t = (-b - np.sqrt(np.where(ok, h, 0.0))) / np.where(parallel, 1.0, a)
    axial = np.where(parallel, np.where(bard > 0, -1.0, baba + 1.0), baoa + t * bard)
    body = ok & ~parallel & (axial > 0) & (axial < baba)
    first = axial <= 0  # the end the ray meets: a (axial <= 0) or b
    qx, qy, qz = (np.where(first, pa[..., k], pb[..., k]) for k in range(3))
    bq = -(qx * x + qy * y + qz)
    cq = np.where(first, oaoa, (pb * pb).sum(-1)) - radius * radius
    hq = bq * bq - rr * cq
    cap = ok & ~body & (hq >= 0)
    tq = (-bq - np.sqrt(np.where(cap, hq, 0.0))) / rr
    t = np.where(body, t, np.where(cap, tq, np.inf))
    return np.where(t > near, t, np.inf)


def _unit_sphere_origins(solids: SolidSet) -> np.ndarray:
    """(S, 3) the camera centre in each ellipsoid's unit-sphere frame."""
    return -np.einsum('sji,sj->si', solids.axes, solids.centre) / solids.radii


def _depths(solids: SolidSet, s, origins, x, y, near):
    """Depths for solids ``s`` (an index, or an index per pixel) along rays (x, y, 1)."""
    if np.ndim(s) == 0:
        if solids.kind[s] == ELLIPSOID:
            return _ellipsoid_t(x, y, solids.axes[s], origins[s], solids.radii[s],
                                solids.clip[s], near)
        return _capsule_t(x, y, solids.centre[s], solids.end_b[s], solids.radii[s, 0], near)
    t = np.full(np.shape(s), np.inf)
    ell = solids.kind[s] == ELLIPSOID
    for sel, is_ell in ((ell, True), (~ell, False)):
        if sel.any():
            i = s[sel]
            t[sel] = _ellipsoid_t(x[sel], y[sel], solids.axes[i], origins[i], solids.radii[i],
                                  solids.clip[i], near) if is_ell else \
                _capsule_t(x[sel], y[sel], solids.centre[i], solids.end_b[i],
                           solids.radii[i, 0], near)
    return t


# Solids covering at most this many pixels (fingers, lips, ears, far-away limbs) are cast in
# one batch: per-solid numpy calls would cost more than their arithmetic.
_BATCH_AREA = 256


def zbuffer(solids: SolidSet, x: np.ndarray, y: np.ndarray,
            near: float = 0.05) -> Tuple[np.ndarray, np.ndarray]:
    """Ray cast all solids. ``x`` (W,), ``y`` (H,) ray slopes (:meth:`Camera.ray_grid`).

    Returns depth (H, W) float64 metres (inf where nothing is hit) and the index of the visible
    solid (H, W) int32 (-1 for background). Equal depths go to the lower solid index among
    the solids of one batch, and to the big solids over the batched small ones."""
    h, w = len(y), len(x)
    depth = np.full((h, w), np.inf)
    sid = np.full((h, w), -1, np.int32)
    boxes = pixel_boxes(solids, x, y, near)
    rows, cols = boxes[:, 1] - boxes[:, 0], boxes[:, 3] - boxes[:, 2]
    area = np.where((rows > 0) & (cols > 0), rows * cols, 0)
    origins = _unit_sphere_origins(solids)
    for s in np.flatnonzero(area > _BATCH_AREA):
        r0, r1, c0, c1 = boxes[s]
        t = _depths(solids, s, origins, x[None, c0:c1], y[r0:r1, None], near)
        zb = depth[r0:r1, c0:c1]
        nearer = t < zb
        zb[nearer] = t[nearer]
        sid[r0:r1, c0:c1][nearer] = s
    small = np.flatnonzero((area > 0) & (area <= _BATCH_AREA))
    if len(small):
        # one (pixel, solid) pair per pixel of each small solid's box
        counts = area[small]
        s = np.repeat(small, counts)
        k = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        r = boxes[s, 0] + k // cols[s]
        c = boxes[s, 2] + k % cols[s]
        t = _depths(solids, s, origins, x[c], y[r], near)
        hit = np.isfinite(t)
        pix, t, s = r[hit] * w + c[hit], t[hit], s[hit]
        order = np.lexsort((s, t, pix))  # per pixel: nearest first, then lowest index
        pix, t, s = pix[order], t[order], s[order]
        first = np.ones(len(pix), bool)
        first[1:] = pix[1:] != pix[:-1]
        pix, t, s = pix[first], t[first], s[first]
        nearer = t < depth.ravel()[pix]
        depth.ravel()[pix[nearer]] = t[nearer]
        sid.ravel()[pix[nearer]] = s[nearer]
    return depth, sid


def surface_normals(solids: SolidSet, points: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Unit outward normals (N, 3) at surface ``points`` (N, 3) of solids ``index`` (N,)."""
    normals = np.empty_like(points)
    ell = solids.kind[index] == ELLIPSOID
    if ell.any():
        i = index[ell]
        a = solids.axes[i]
        q = np.einsum('nik,nk,njk->nij', a, 1.0 / solids.radii[i] ** 2, a)
        normals[ell] = np.einsum('nij,nj->ni', q, points[ell] - solids.centre[i])
    cap = ~ell
    if cap.any():
        i = index[cap]
        pa, ba = solids.centre[i], solids.end_b[i] - solids.centre[i]
        rel = points[cap] - pa
        h = np.clip(np.einsum('ni,ni->n', rel, ba) / np.einsum('ni,ni->n', ba, ba), 0.0, 1.0)
        normals[cap] = rel - h[:, None] * ba
    return normals / np.linalg.norm(normals, axis=1, keepdims=True)


def local_coordinates(solids: SolidSet, points: np.ndarray, index: np.ndarray) -> np.ndarray:
    """(N, 3) points in the local frame of their solid (metres; for textures)."""
    return np.einsum('nji,nj->ni', solids.axes[index], points - solids.centre[index])
