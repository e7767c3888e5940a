"""Pinhole camera in the OpenCV convention and the pixel conventions of the generated labels.

Camera frame: x right, y down, z forward (metres). World frame: y up (ground at y = 0).
Intrinsics: square pixels, focal length ``f`` in pixels, principal point at the image centre
(``cx = W / 2``, ``cy = H / 2``) in *continuous* image coordinates, where pixel (row i, col j)
covers [j, j + 1) x [i, i + 1). Rays go through pixel centres (j + 0.5, i + 0.5). With the
principal point in the centre, mirroring the scene (x -> -x) flips the image exactly.

Keypoints are written in the *pixel-index* convention of COCO/mmpose: the centre of pixel
(i, j) is (x = j, y = i), i.e. ``x = u - 0.5``; a horizontal flip maps x -> W - 1 - x.
"""
from dataclasses import dataclass

import numpy as np

from .geometry import normalize

__all__ = ['Camera', 'look_at_rotation']


def look_at_rotation(forward: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """World -> camera rotation (rows: right, down, forward) for a camera looking along
    ``forward`` (world, y up), rolled by ``roll`` radians about its optical axis."""
    fwd = normalize(np.asarray(forward, float))
    right = normalize(np.cross(fwd, [0.0, 1.0, 0.0]))
    down = np.cross(fwd, right)
    c, s = np.cos(roll), np.sin(roll)
    right, down = c * right + s * down, -s * right + c * down
    return np.stack([right, down, fwd])


@dataclass
class Camera:
    height: int       # pixels
    width: int        # pixels
    f: float          # focal length, pixels
    rot: np.ndarray   # (3, 3) world -> camera rotation
    pos: np.ndarray   # (3,) camera centre in the world, metres

    @property
    def cx(self) -> float:
        return self.width / 2.0

    @property
    def cy(self) -> float:
        return self.height / 2.0

    def world_to_camera(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) world points -> camera frame, metres."""
        return (points - self.pos) @ self.rot.T

    def ray_grid(self):
        """Ray directions through the pixel centres, with z = 1: (X (W,), Y (H,)) so that the
        ray of pixel (i, j) is (X[j], Y[i], 1) and a hit at parameter t has depth z = t."""
        x = (np.arange(self.width) + 0.5 - self.cx) / self.f
        y = (np.arange(self.height) + 0.5 - self.cy) / self.f
        return x, y

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """(..., 3) camera points -> (..., 2) keypoint coordinates (pixel-index convention).
        Points with z <= 0 give NaN."""
        z = points_cam[..., 2]
        safe = np.where(z > 0, z, np.nan)
        u = self.f * points_cam[..., 0] / safe + self.cx
        v = self.f * points_cam[..., 1] / safe + self.cy
        return np.stack([u - 0.5, v - 0.5], axis=-1)
