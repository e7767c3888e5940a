"""The primitives a synthetic human is made of, as one struct-of-arrays (``SolidSet``).

Two kinds, both with exact ray intersections and analytic normals (see :mod:`.raycast`):

* ellipsoid: ``centre`` (3,), principal ``axes`` (3, 3; columns, unit) and semi-axes ``radii``
  (3,) in metres; optionally cut by a half-space given in its local frame (hair, hats).
* capsule: segment ``centre`` (end a) -> ``end_b`` with radius ``radii[0]`` (metres). Its
  ``axes`` hold the frame of the bone it hangs on, used only for surface texture.

Every solid also carries its label and appearance: part class id (0..27), person and bone
index, albedo
colours (RGB in 0..1) and a texture id (:mod:`.shading`). Arrays have a leading dimension S.
"""
from dataclasses import dataclass, fields, replace
from typing import List, Sequence

import numpy as np

from .geometry import MIRROR_X

__all__ = ['ELLIPSOID', 'CAPSULE', 'TEX_PLAIN', 'TEX_FACE', 'TEX_STRIPES', 'SolidSet']

ELLIPSOID, CAPSULE = 0, 1
TEX_PLAIN, TEX_FACE, TEX_STRIPES = 0, 1, 2


@dataclass
class SolidSet:
    """S solids in one frame (bone-local while a body is built, camera frame once posed)."""
    kind: np.ndarray       # (S,) int8, ELLIPSOID or CAPSULE
    centre: np.ndarray     # (S, 3) metres: ellipsoid centre / capsule end a
    axes: np.ndarray       # (S, 3, 3) local axes as columns
    radii: np.ndarray      # (S, 3) metres: ellipsoid semi-axes / capsule radius (x3)
    end_b: np.ndarray      # (S, 3) metres: capsule end b (ellipsoids: the centre)
    clip: np.ndarray       # (S, 4) local half-space kept: n . p_local >= d; n = 0 keeps all
    class_id: np.ndarray   # (S,) uint8 part class
    person: np.ndarray     # (S,) int16 person index in the scene
    bone: np.ndarray       # (S,) int16 index of the bone it hangs on (body_model)
    colour: np.ndarray     # (S, 3) albedo RGB 0..1
    colour_b: np.ndarray   # (S, 3) second colour (stripes, iris)
    colour_c: np.ndarray   # (S, 3) third colour (eyebrows)
    texture: np.ndarray    # (S,) int8 texture id
    tex_scale: np.ndarray  # (S,) metres: stripe period

    def __len__(self) -> int:
        return len(self.kind)

    @staticmethod
    def concat(sets: Sequence['SolidSet']) -> 'SolidSet':
        return SolidSet(**{f.name: np.concatenate([getattr(s, f.name) for s in sets])
                           for f in fields(SolidSet)})

    def take(self, index) -> 'SolidSet':
        return SolidSet(**{f.name: getattr(self, f.name)[index] for f in fields(SolidSet)})

    def transformed(self, rot: np.ndarray, trans: np.ndarray) -> 'SolidSet':
        """Solid ``s`` moved by ``rot[s]`` (S, 3, 3) and ``trans[s]`` (S, 3): p -> R p + t.
        A single (3, 3) / (3,) pair is broadcast to all solids."""
        rot = np.broadcast_to(rot, (len(self), 3, 3))
        trans = np.broadcast_to(trans, (len(self), 3))
        return replace(self,
                       centre=np.einsum('sij,sj->si', rot, self.centre) + trans,
                       end_b=np.einsum('sij,sj->si', rot, self.end_b) + trans,
                       axes=np.einsum('sij,sjk->sik', rot, self.axes))

    def mirrored(self) -> 'SolidSet':
        """The mirror image under x -> -x. Axes become ``M A M`` (a proper rotation again; the
        flipped first axis is harmless because every solid is symmetric in its local x), so
        local coordinates of mirrored points are the originals with x negated; the clip planes
        follow. Classes are *not* swapped here (that is a labelling decision of the caller)."""
        m = MIRROR_X
        clip = self.clip.copy()
        clip[:, 0] *= -1
        return replace(self, centre=self.centre @ m, end_b=self.end_b @ m,
                       axes=np.einsum('ij,sjk,kl->sil', m, self.axes, m), clip=clip)

    def aabb(self) -> np.ndarray:
        """(S, 2, 3) axis-aligned bounds [min, max] in metres, in the set's frame."""
        ext = np.sqrt(np.einsum('sij,sj->si', self.axes ** 2, self.radii ** 2))
        lo_e, hi_e = self.centre - ext, self.centre + ext
        r = self.radii[:, :1]
        lo_c = np.minimum(self.centre, self.end_b) - r
        hi_c = np.maximum(self.centre, self.end_b) + r
        is_cap = (self.kind == CAPSULE)[:, None]
        return np.stack([np.where(is_cap, lo_c, lo_e), np.where(is_cap, hi_c, hi_e)], axis=1)


def empty_like_fields(n: int) -> dict:
    """Zero-filled field arrays for ``n`` solids (helper of the builders)."""
    return dict(kind=np.zeros(n, np.int8), centre=np.zeros((n, 3)),
                axes=np.tile(np.eye(3), (n, 1, 1)), radii=np.zeros((n, 3)),
                end_b=np.zeros((n, 3)), clip=np.zeros((n, 4)), class_id=np.zeros(n, np.uint8),
                person=np.zeros(n, np.int16), bone=np.zeros(n, np.int16),
                colour=np.zeros((n, 3)),
                colour_b=np.zeros((n, 3)), colour_c=np.zeros((n, 3)),
                texture=np.zeros(n, np.int8), tex_scale=np.zeros(n))


def from_records(records: List[dict]) -> SolidSet:
    """A SolidSet from per-solid dicts whose keys are SolidSet field names (missing = zero)."""
    data = empty_like_fields(len(records))
    for i, rec in enumerate(records):
        for key, value in rec.items():
            data[key][i] = value
    return SolidSet(**data)
