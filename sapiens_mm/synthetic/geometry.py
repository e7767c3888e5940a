"""Small rotation helpers (right-handed, angles in radians) shared by the body model and camera.

Body frame of every person: x = the person's anatomical LEFT, y = up, z = forward (the way the
person faces); this is right-handed (up x forward = left). Mirroring a person or a scene is
x -> -x (``MIRROR_X``), which turns a left limb into a right one.
"""
import numpy as np

__all__ = ['rot_x', 'rot_y', 'rot_z', 'euler_zxy', 'MIRROR_X', 'mirror_rotation', 'normalize']

MIRROR_X = np.diag([-1.0, 1.0, 1.0])


def rot_x(a: float) -> np.ndarray:
    """3x3 rotation by ``a`` radians about x (takes +y towards +z)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(a: float) -> np.ndarray:
    """3x3 rotation by ``a`` radians about y (takes +z towards +x)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(a: float) -> np.ndarray:
    """3x3 rotation by ``a`` radians about z (takes +x towards +y)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def euler_zxy(az: float, ax: float, ay: float) -> np.ndarray:
    """``rot_z(az) @ rot_x(ax) @ rot_y(ay)``: the ball-joint parameterisation of the body model
    (z: abduction, x: flexion, y: twist about the bone)."""
    return rot_z(az) @ rot_x(ax) @ rot_y(ay)


def mirror_rotation(r: np.ndarray) -> np.ndarray:
    """The rotation that ``r`` becomes in the mirrored world (``M r M``, still det +1)."""
    return MIRROR_X @ r @ MIRROR_X


def normalize(v: np.ndarray, axis: int = -1) -> np.ndarray:
    """``v`` scaled to unit length along ``axis`` (zero vectors stay zero)."""
    n = np.linalg.norm(v, axis=axis, keepdims=True)
    return v / np.where(n > 0, n, 1.0)
