"""Scenes of one or several synthetic people: sampling, mirroring and rendering with labels.

``sample_scene`` draws people (shape, clothes, colours, pose), stands them on the ground at
random places, and puts a random camera around the first one (distance, yaw, pitch, roll, field
of view, off-centre framing, sometimes cropped close). Everything is then stored in the camera
frame (OpenCV: x right, y down, z forward, metres), so rendering needs no world frame.

``render_scene`` ray casts all solids and returns, exactly consistent with each other:

* ``image`` (H, W, 3) uint8 RGB; ``background`` (H, W, 3) the same without people;
* ``seg`` (H, W) uint8 class id (0 = Background); ``mask`` (H, W) uint8 255 = any person;
* ``instance`` (H, W) int16 person index, -1 on background; ``solid`` (H, W) int32 solid index;
* ``depth`` (H, W) float32 camera z in metres, 0 on background;
* ``normal`` (H, W, 3) float32 unit outward normals (camera frame; n . ray < 0), 0 on background;
* ``albedo`` (H, W, 3) float32 RGB in 0..1, the unshaded base colour (textures included) that
  the image is lit from (image = round(255 * albedo * shading)), 0 on background;
* ``keypoints`` (P, 308, 3) float64 [x, y, v] in the pixel-index convention of
  :mod:`.camera`: v = 2 visible, 1 in the image but hidden, 0 outside (then x = y = 0);
  ``keypoints_cam`` (P, 308, 3) the 3D points (metres);
* ``bboxes`` (P, 4) tight [x, y, w, h] of each person's visible pixels (pycocotools' toBbox
  convention: x = first column, w = columns spanned) and ``areas`` (P,) pixel counts.

Visibility is a depth test against the z-buffer, with ``tol_k = inset_k + 1 cm + 1 pixel
footprint (z_k / f)`` (the anchor's depth below the skin, plus the depth a sloped surface gains
across a pixel). Keypoint k of a person (camera depth ``z_k``) is *visible* (v = 2) when

* nothing is in front of it: the z-buffer at its pixel is not nearer than ``z_k - tol_k``, and
* it is seen: on its pixel or one of the 8 around it (a silhouette point can fall just beside
  the pixel centres that hit its surface), the z-buffer shows this person's surface of the
  keypoint's own bone or a neighbouring bone, within ``tol_k`` (plus a footprint for the
  neighbours) of ``z_k``.

Otherwise it is v = 1: hidden behind something (almost always), or on a part too thin to cover
a pixel centre at this distance, or pressed into another body part.
"""
from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

import numpy as np

from .appearance import dress, sample_colours, sample_outfit
from .background import make_background
from .body_model import Body, build_body
from .camera import Camera, look_at_rotation
from .geometry import MIRROR_X, normalize, rot_x, rot_y, rot_z
from .keypoint_anchors import build_anchors
from .pose_sampler import sample_pose, sample_shape
from .raycast import local_coordinates, surface_normals, zbuffer
from .shading import albedo, lambert
from .solids import SolidSet
from .vocab import goliath_info, seg_flip_lut

__all__ = ['Scene', 'sample_scene', 'mirror_scene', 'render_scene', 'NEAR']

NEAR = 0.05  # metres; nothing nearer is rendered
_TOL_ABS = 0.01  # metres, see module docstring
_TOL_PIXELS = 1.0  # pixel footprints, see module docstring
_MIN_DEPTH = 0.3  # metres; the closest any person may come to the camera
# degrees the camera looks down (negative: up), by default: -11.46 .. 25.78 (-0.2 .. 0.45 rad)
PITCH_RANGE = tuple(float(a) for a in np.rad2deg([-0.2, 0.45]))
# vertical field of view of the camera, degrees, by default drawn in 35 .. 65
FOV_RANGE = (35.0, 65.0)


@dataclass
class Scene:
    """Everything needed to render one image, in the camera frame."""
    camera: Camera
    background: np.ndarray       # (H, W, 3) uint8 RGB
    light: np.ndarray            # (3,) unit vector towards the light, camera frame
    ambient: float
    diffuse: float
    solids: SolidSet             # all people, camera frame
    keypoints: np.ndarray        # (P, 308, 3) camera frame, metres
    keypoint_inset: np.ndarray   # (P, 308) metres
    keypoint_bone: np.ndarray    # (P, 308) bone each keypoint hangs on
    bone_parent: np.ndarray      # (B,) the skeleton (the same for everybody), -1 = root

    @property
    def num_people(self) -> int:
        return len(self.keypoints)

    def only_person(self, p: int) -> 'Scene':
        """The same scene with only person ``p`` (re-indexed 0)."""
        keep = self.solids.person == p
        solids = self.solids.take(keep)
        solids.person = np.zeros(len(solids), np.int16)
        return replace(self, solids=solids, keypoints=self.keypoints[p:p + 1],
                       keypoint_inset=self.keypoint_inset[p:p + 1],
                       keypoint_bone=self.keypoint_bone[p:p + 1])


@dataclass
class _Person:
    body: Body
    solids: SolidSet     # world frame
    keypoints: np.ndarray  # (308, 3) world frame
    pelvis: np.ndarray   # (3,) world
    head: np.ndarray     # (3,) world

    def facing_yaw(self) -> float:
        """The camera yaw (radians, as in ``_sample_camera``) that looks this person in the
        face: the camera's forward axis points against the head -> nose direction."""
        d = self.keypoints[0] - self.head  # Goliath keypoint 0 is the nose
        return float(np.arctan2(-d[0], -d[2]))


def _sample_person(rng: np.random.Generator, index: int) -> _Person:
    shape, outfit, colours = sample_shape(rng), sample_outfit(rng), sample_colours(rng)
    body = build_body(shape, outfit)
    anchors = build_anchors(body)
    pose = sample_pose(rng)
    # any heading, a slight lean
    root = rot_y(rng.uniform(0, 2 * np.pi)) @ rot_x(rng.normal(0, 0.05)) @ \
        rot_z(rng.normal(0, 0.05))
    rot_g, pos_g = body.forward_kinematics(body.joint_rotations(pose), root, np.zeros(3))
    solids = dress(body, outfit, colours, index).transformed(rot_g[body.solid_bone],
                                                             pos_g[body.solid_bone])
    keypoints = anchors.posed(rot_g, pos_g)
    lift = np.array([0.0, -solids.aabb()[:, 0, 1].min(), 0.0])  # stand on the ground (y = 0)
    return _Person(body, solids.transformed(np.eye(3), lift), keypoints + lift,
                   pos_g[body.bone('pelvis')] + lift, pos_g[body.bone('head')] + lift)


def _place(rng, people: List[_Person]) -> List[_Person]:
    """Keep person 0 at the origin; move the others to free spots 0.6..3 m around it."""
    placed, spots = [people[0]], [np.zeros(2)]
    for person in people[1:]:
        for _ in range(12):
            a, r = rng.uniform(0, 2 * np.pi), rng.uniform(0.6, 3.0)
            spot = np.array([r * np.cos(a), r * np.sin(a)])
            if min(np.linalg.norm(spot - s) for s in spots) > 0.6:
                break
        else:
            continue
        shift = np.array([spot[0] - person.pelvis[0], 0.0, spot[1] - person.pelvis[2]])
        spots.append(spot)
        placed.append(_Person(person.body, person.solids.transformed(np.eye(3), shift),
                              person.keypoints + shift, person.pelvis + shift,
                              person.head + shift))
    return placed


def _sample_camera(rng, size: Tuple[int, int], main: _Person,
                   max_view_yaw: Optional[float] = None, close_up_prob: float = 0.25,
                   pitch_range: Optional[Tuple[float, float]] = None,
                   fov_range: Optional[Tuple[float, float]] = None) -> Camera:
    h, w = size
    lo, hi = FOV_RANGE if fov_range is None else fov_range
    f = (h / 2) / np.tan(np.deg2rad(lo + rng.uniform() * (hi - lo)) / 2)
    box = main.solids.aabb()
    lo, hi = box[:, 0].min(0), box[:, 1].max(0)
    span = max(hi[1] - lo[1], 0.3)
    if rng.random() < close_up_prob:  # close-up: the person overflows the frame
        fill = rng.uniform(1.0, 1.7)
        target = main.pelvis + rng.uniform(0.2, 1.0) * (main.head - main.pelvis)
    else:
        fill = rng.uniform(0.45, 0.95)
        target = (lo + hi) / 2
    yaw, u = rng.uniform(0, 2 * np.pi), rng.uniform()
    lo, hi = np.deg2rad(PITCH_RANGE if pitch_range is None else pitch_range)
    pitch = lo + u * (hi - lo)  # the same draw for any range
    if max_view_yaw is not None:  # seen from the front, within +-max_view_yaw degrees
        yaw = main.facing_yaw() + np.deg2rad(max_view_yaw) * (yaw / np.pi - 1.0)
    forward = np.array([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
    rot = look_at_rotation(forward, float(np.clip(rng.normal(0, 0.06), -0.15, 0.15)))
    dist = f * span / (fill * h)
    # off-centre framing: shift the camera sideways/up, parallel to the image plane
    shift = (rng.uniform(-0.15, 0.15) * w * rot[0] + rng.uniform(-0.12, 0.12) * h * rot[1]) \
        * dist / f
    cam = Camera(h, w, float(f), rot, target - forward * dist + shift)
    # never closer than _MIN_DEPTH to the main person: back off along the optical axis
    zmin = main.solids.transformed(rot, -rot @ cam.pos).aabb()[:, 0, 2].min()
    if zmin < _MIN_DEPTH:
        cam.pos = cam.pos - forward * (_MIN_DEPTH - zmin)
    return cam


def sample_scene(rng: np.random.Generator, size: Tuple[int, int] = (256, 192),
                 max_people: int = 3, max_view_yaw: Optional[float] = None,
                 close_up_prob: float = 0.25,
                 pitch_range: Optional[Tuple[float, float]] = None,
                 fov_range: Optional[Tuple[float, float]] = None) -> Scene:
    """A random scene of 1..``max_people`` people for an image of ``size`` = (H, W) pixels.

    The camera looks at the first person from any direction, or, with ``max_view_yaw``
    (degrees), from within that angle of their face direction (an easier distribution: no back
    views, so left and right are never ambiguous). ``close_up_prob`` is the share of close-ups
    in which the person overflows the frame. ``pitch_range`` = (low, high) degrees that the
    camera looks down (negative: up), default ``PITCH_RANGE``; a narrow range that does not
    cross 0 makes the depth order along the body (head or feet nearer) unambiguous.
    ``fov_range`` = (low, high) vertical field of view in degrees, default ``FOV_RANGE``; one
    value (low = high) gives every image the same focal length, so that the camera need not be
    guessed from the picture (a pointmap's x and y depend on it). The random
    draws are the same for every option, so a seed gives the same people, poses and background
    draws whatever the options (the floor in the background follows the camera)."""
    num = int(rng.integers(1, max_people + 1))
    people = _place(rng, [_sample_person(rng, i) for i in range(num)])
    cam = _sample_camera(rng, size, people[0], max_view_yaw, close_up_prob, pitch_range,
                         fov_range)
    solids, keypoints, insets, bones = [], [], [], []
    for i, person in enumerate(people):
        s = person.solids.transformed(cam.rot, -cam.rot @ cam.pos)
        if i > 0 and s.aabb()[:, 0, 2].min() < _MIN_DEPTH:  # too close to (or behind) the
            continue                                        # camera: leave this one out
        s.person = np.full(len(s), len(solids), np.int16)
        solids.append(s)
        keypoints.append(cam.world_to_camera(person.keypoints))
        insets.append(person.body.anchors.inset)
        bones.append(person.body.anchors.bone)
    light = normalize(np.array([rng.uniform(-1, 1), rng.uniform(-1, 0.2), rng.uniform(-1, -0.2)]))
    return Scene(camera=cam, background=make_background(rng, size, cam), light=light,
                 ambient=float(rng.uniform(0.3, 0.55)), diffuse=float(rng.uniform(0.45, 0.8)),
                 solids=SolidSet.concat(solids), keypoints=np.stack(keypoints),
                 keypoint_inset=np.stack(insets), keypoint_bone=np.stack(bones),
                 bone_parent=people[0].body.parent)


def mirror_scene(scene: Scene) -> Scene:
    """The scene mirrored by x -> -x in the camera frame: geometry mirrored, Left_*/Right_*
    classes and left/right keypoints (Goliath ``swap`` partners) exchanged, background and light
    mirrored. Rendering it gives the horizontally flipped render of ``scene``."""
    swap = np.array(goliath_info()['swap'])
    solids = scene.solids.mirrored()
    solids.class_id = np.array(seg_flip_lut(), np.uint8)[solids.class_id]
    return replace(scene, background=scene.background[:, ::-1].copy(),
                   light=scene.light @ MIRROR_X, solids=solids,
                   keypoints=scene.keypoints[:, swap] @ MIRROR_X,
                   keypoint_inset=scene.keypoint_inset[:, swap],
                   keypoint_bone=scene.keypoint_bone[:, swap])


def _tight_box(mask: np.ndarray) -> Optional[List[float]]:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if not len(rows):
        return None
    return [float(cols[0]), float(rows[0]), float(cols[-1] - cols[0] + 1),
            float(rows[-1] - rows[0] + 1)]


def _keypoints_with_visibility(scene: Scene, depth: np.ndarray,
                               solid: np.ndarray) -> np.ndarray:
    """(P, K, 3) [x, y, v]: projections and the depth test of the module docstring."""
    cam = scene.camera
    h, w = depth.shape
    kp_cam = scene.keypoints
    xy = cam.project(kp_cam)
    z = kp_cam[..., 2]
    col = np.floor(xy[..., 0] + 0.5)
    row = np.floor(xy[..., 1] + 0.5)
    inside = (z > NEAR) & (col >= 0) & (col < w) & (row >= 0) & (row < h)
    ci = np.where(inside, col, 0).astype(np.int64)
    ri = np.where(inside, row, 0).astype(np.int64)
    footprint = np.where(inside, z, 0.0) / cam.f  # metres per pixel at the keypoint's depth
    tol = scene.keypoint_inset + _TOL_ABS + _TOL_PIXELS * footprint
    hidden = depth[ri, ci] < z - tol
    # seen: the keypoint's own surface (a solid of this person on the keypoint's bone or a bone
    # next to it) at the keypoint's depth, on its pixel or a neighbour (a point on a silhouette
    # may fall just beside the pixel centres that hit it). Parts too thin to cover any pixel
    # centre, and points pressed into another body part, are not seen.
    seen = np.zeros_like(inside)
    person = np.arange(len(z))[:, None]
    kb = scene.keypoint_bone
    parent = scene.bone_parent
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            r2, c2 = np.clip(ri + dr, 0, h - 1), np.clip(ci + dc, 0, w - 1)
            s = solid[r2, c2]
            sb = scene.solids.bone[s]
            own = (s >= 0) & (scene.solids.person[s] == person) & (
                (sb == kb) | (parent[sb] == kb) | (parent[kb] == sb))
            seen |= own & (np.abs(depth[r2, c2] - z) <= tol + (dr != 0 or dc != 0) * footprint)
    v = np.where(inside & ~hidden & seen, 2, np.where(inside, 1, 0))
    return np.concatenate([np.where(inside[..., None], xy, 0.0), v[..., None]], axis=-1)


def render_scene(scene: Scene) -> dict:
    """Render ``scene``; see the module docstring for the returned arrays."""
    cam = scene.camera
    h, w = cam.height, cam.width
    x, y = cam.ray_grid()
    depth, sid = zbuffer(scene.solids, x, y, NEAR)
    fg = sid >= 0
    rows, cols = np.nonzero(fg)
    index = sid[fg]
    z = depth[fg]
    points = np.stack([z * x[cols], z * y[rows], z], axis=1)
    normals = surface_normals(scene.solids, points, index)
    local = local_coordinates(scene.solids, points, index)
    base = albedo(scene.solids, index, local)
    colour = base * lambert(normals, scene.light, scene.ambient, scene.diffuse)[:, None]
    image = scene.background.copy()
    image[fg] = np.clip(np.rint(colour * 255), 0, 255).astype(np.uint8)

    seg = np.zeros((h, w), np.uint8)
    seg[fg] = scene.solids.class_id[index]
    instance = np.full((h, w), -1, np.int16)
    instance[fg] = scene.solids.person[index]
    normal_map = np.zeros((h, w, 3), np.float32)
    normal_map[fg] = normals
    depth_out = np.where(fg, depth, 0.0).astype(np.float32)
    albedo_map = np.zeros((h, w, 3), np.float32)
    albedo_map[fg] = base

    keypoints = _keypoints_with_visibility(scene, depth, sid)
    bboxes = np.zeros((scene.num_people, 4))
    areas = np.zeros(scene.num_people, np.int64)
    for p in range(scene.num_people):
        m = instance == p
        box = _tight_box(m)
        if box is not None:
            bboxes[p], areas[p] = box, m.sum()
    return dict(image=image, background=scene.background, seg=seg,
                mask=np.where(fg, 255, 0).astype(np.uint8), instance=instance, solid=sid,
                depth=depth_out, normal=normal_map, albedo=albedo_map, keypoints=keypoints,
                keypoints_cam=scene.keypoints,
                bboxes=bboxes, areas=areas)
