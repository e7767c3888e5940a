"""Rendered labels agree with each other and with the image: part classes under keypoints,
depth ordering vs occlusion, normals vs depth, boxes, pixel conventions, handedness."""
import numpy as np
import pytest

from sapiens_mm.synthetic import render_scene
from sapiens_mm.synthetic.appearance import dress, sample_colours
from sapiens_mm.synthetic.body_model import BodyShape, Outfit, build_body
from sapiens_mm.synthetic.camera import Camera, look_at_rotation
from sapiens_mm.synthetic.keypoint_anchors import build_anchors
from sapiens_mm.synthetic.scene import Scene
from sapiens_mm.synthetic.vocab import CLASS_ID, goliath_info

_FACE = {'Face_Neck', 'Hair', 'Upper_Lip', 'Lower_Lip', 'Upper_Teeth', 'Lower_Teeth', 'Tongue',
         'Apparel'}
# keypoint name fragment -> classes its pixels may have ('*' = the keypoint's side: Left_/Right_)
_EXPECTED = (
    ('shoulder', {'*Upper_Arm', 'Upper_Clothing', 'Torso', 'Apparel', 'Hair', 'Face_Neck'}),
    ('acromion', {'*Upper_Arm', 'Upper_Clothing', 'Torso', 'Apparel', 'Hair', 'Face_Neck'}),
    ('elbow', {'*Upper_Arm', '*Lower_Arm', 'Upper_Clothing'}),
    ('olecranon', {'*Upper_Arm', '*Lower_Arm', 'Upper_Clothing'}),
    ('cubital', {'*Upper_Arm', '*Lower_Arm', 'Upper_Clothing'}),
    ('wrist', {'*Lower_Arm', '*Hand', 'Upper_Clothing'}),
    ('thumb', {'*Hand'}), ('finger', {'*Hand'}),
    ('hip', {'*Upper_Leg', 'Lower_Clothing', 'Torso', 'Upper_Clothing', 'Apparel'}),
    ('knee', {'*Upper_Leg', '*Lower_Leg', 'Lower_Clothing'}),
    ('ankle', {'*Lower_Leg', '*Foot', '*Sock', '*Shoe', 'Lower_Clothing'}),
    ('toe', {'*Foot', '*Sock', '*Shoe'}),
    ('heel', {'*Foot', '*Sock', '*Shoe', '*Lower_Leg', 'Lower_Clothing'}),
)


def _expected_classes(name: str) -> np.ndarray:
    info = goliath_info()
    if info['index'][name] >= 70 or name in ('nose', 'left_eye', 'right_eye', 'left_ear',
                                            'right_ear'):
        names = _FACE
    elif name == 'neck':
        names = {'Face_Neck', 'Upper_Clothing', 'Torso', 'Hair', 'Apparel'}
    else:
        side = 'Left_' if name.startswith('left_') else 'Right_'
        names = next({c.replace('*', side) for c in classes}
                     for key, classes in _EXPECTED if key in name)
    return np.array(sorted(CLASS_ID[n] for n in names))


def _pixel(kp):
    """Pixel (row, col) containing keypoint coordinates (x, y) (pixel-index convention)."""
    return int(np.floor(kp[1] + 0.5)), int(np.floor(kp[0] + 0.5))


def test_label_maps_agree(renders):
    for scene, r in renders:
        h, w = r['seg'].shape
        fg = r['mask'] == 255
        assert r['image'].shape == (h, w, 3) and r['image'].dtype == np.uint8
        assert r['depth'].dtype == np.float32 and r['normal'].dtype == np.float32
        assert set(np.unique(r['mask'])) <= {0, 255}
        np.testing.assert_array_equal(fg, r['seg'] > 0)
        np.testing.assert_array_equal(fg, r['depth'] > 0)
        np.testing.assert_array_equal(fg, r['instance'] >= 0)
        assert (r['normal'][~fg] == 0).all() and (r['depth'][~fg] == 0).all()
        np.testing.assert_array_equal(r['image'][~fg], scene.background[~fg])
        np.testing.assert_allclose(np.linalg.norm(r['normal'][fg], axis=-1), 1, atol=1e-5)
        # normals face the camera: n . ray < 0 for every visible surface point
        x, y = scene.camera.ray_grid()
        rays = np.stack(np.broadcast_arrays(x[None], y[:, None], np.ones((h, w))), -1)
        assert ((r['normal'] * rays).sum(-1)[fg] < 0).all()
        assert (np.median(r['normal'][fg][:, 2]) < 0) if fg.any() else True


def test_visible_keypoints_fall_on_their_part(renders):
    """A visible keypoint has, within 2 px and on its own person, a pixel of one of the
    classes of its body part (left points on Left_* classes, face points on the face...)."""
    info = goliath_info()
    expected = [_expected_classes(n) for n in info['names']]
    checked = np.zeros(308, int)
    for _, r in renders:
        for p, kpts in enumerate(r['keypoints']):
            for k in np.flatnonzero(kpts[:, 2] == 2):
                row, col = _pixel(kpts[k])
                win = np.s_[max(row - 2, 0):row + 3, max(col - 2, 0):col + 3]
                ok = np.isin(r['seg'][win], expected[k]) & (r['instance'][win] == p)
                assert ok.any(), (info['names'][k], r['seg'][win])
                checked[k] += 1
    groups = info['groups']
    for group in ('body', 'foot', 'left_hand', 'right_hand', 'face', 'extra'):
        assert checked[groups[group]].sum() > 3 * len(groups[group]), group


def test_depth_is_the_nearest_person(renders):
    """The z-buffer composes people by depth: rendering each person alone, the full depth is
    the minimum, and wherever person A covers B's projection A is nearer."""
    multi = [(s, r) for s, r in renders if s.num_people > 1]
    assert len(multi) >= 5
    overlaps = 0
    for scene, r in multi:
        alone = [render_scene(scene.only_person(p)) for p in range(scene.num_people)]
        stack = np.stack([np.where(a['depth'] > 0, a['depth'], np.inf) for a in alone])
        nearest = stack.min(0)
        fg = r['mask'] > 0
        np.testing.assert_array_equal(r['depth'][fg], nearest[fg])
        np.testing.assert_array_equal(r['instance'][fg], stack.argmin(0)[fg])
        for a in range(scene.num_people):
            for b in range(scene.num_people):
                cover = (r['instance'] == a) & (alone[b]['depth'] > 0) if a != b else None
                if cover is not None and cover.any():
                    overlaps += cover.sum()
                    assert (r['depth'][cover] < alone[b]['depth'][cover]).all()
    assert overlaps > 0


def test_occluded_keypoints_are_behind_the_zbuffer(renders):
    """Adding people can only hide keypoints; a keypoint hidden by adding the others has one
    of them, nearer than itself, on its pixel or next to it (visibility looks at the 3x3
    pixels around a keypoint); most hidden keypoints have a nearer surface on their pixel."""
    hidden_by_other = behind = occluded = 0
    for scene, r in renders:
        z = scene.keypoints[..., 2]
        for p in range(scene.num_people):
            alone = render_scene(scene.only_person(p))['keypoints'][0]
            full = r['keypoints'][p]
            assert not ((full[:, 2] == 2) & (alone[:, 2] != 2)).any()
            for k in np.flatnonzero((alone[:, 2] == 2) & (full[:, 2] == 1)):
                row, col = _pixel(full[k])
                win = np.s_[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2]
                others = (r['instance'][win] >= 0) & (r['instance'][win] != p)
                assert (r['depth'][win][others] < z[p, k]).any()
                hidden_by_other += 1
            for k in np.flatnonzero(full[:, 2] == 1):
                row, col = _pixel(full[k])
                occluded += 1
                behind += 0 < r['depth'][row, col] < z[p, k]
    assert hidden_by_other > 0
    assert behind >= 0.9 * occluded  # the rest: parts thinner than a pixel, never rasterised


def test_visible_keypoints_are_not_behind_anything(renders):
    for scene, r in renders:
        z = scene.keypoints[..., 2]
        for p, kpts in enumerate(r['keypoints']):
            for k in np.flatnonzero(kpts[:, 2] == 2):
                row, col = _pixel(kpts[k])
                footprint = z[p, k] / scene.camera.f
                tol = scene.keypoint_inset[p, k] + 0.01 + footprint
                assert r['depth'][row, col] == 0 or r['depth'][row, col] >= z[p, k] - tol - 1e-6


def test_normals_agree_with_depth_gradients(renders):
    """Normals from finite differences of the back-projected depth agree with the analytic
    normals on pixels whose 3x3 neighbourhood shows one solid."""
    angles = []
    for scene, r in renders[:10]:
        x, y = scene.camera.ray_grid()
        d = r['depth'].astype(np.float64)
        pts = np.stack([d * x[None], d * y[:, None], d], -1)
        sid = r['solid']
        interior = sid >= 0
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                interior &= np.roll(sid, (dr, dc), (0, 1)) == sid
        interior[[0, -1]] = False
        interior[:, [0, -1]] = False
        dx = pts[1:-1, 2:] - pts[1:-1, :-2]
        dy = pts[2:, 1:-1] - pts[:-2, 1:-1]
        n = np.cross(dy, dx)  # x right, y down: dy x dx points towards the camera
        inner = interior[1:-1, 1:-1]
        n = n[inner] / np.linalg.norm(n[inner], axis=-1, keepdims=True)
        cos = (n * r['normal'][1:-1, 1:-1][inner]).sum(-1)
        angles.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    angles = np.concatenate(angles)
    assert len(angles) > 2000
    assert np.median(angles) < 3.0 and np.percentile(angles, 90) < 15.0


def test_boxes_and_areas_are_tight(renders):
    for _, r in renders:
        for p in range(len(r['keypoints'])):
            m = r['instance'] == p
            assert r['areas'][p] == m.sum()
            if m.any():
                rows, cols = np.nonzero(m)
                x, y, w, h = r['bboxes'][p]
                assert (x, y) == (cols.min(), rows.min())
                assert (w, h) == (cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)


def test_pixel_convention_of_keypoints(renders):
    """A surface point seen at pixel (row i, col j) projects to keypoint coordinates (j, i);
    keypoints outside the image are (0, 0, 0)."""
    scene, r = renders[0]
    x, y = scene.camera.ray_grid()
    rows, cols = np.nonzero(r['mask'])
    d = r['depth'][rows, cols].astype(np.float64)
    pts = np.stack([d * x[cols], d * y[rows], d], -1)
    np.testing.assert_allclose(scene.camera.project(pts), np.stack([cols, rows], -1), atol=1e-3)
    for s, rr in renders:
        kp = rr['keypoints']
        proj = s.camera.project(s.keypoints)
        labelled = kp[..., 2] > 0
        np.testing.assert_allclose(kp[labelled][:, :2], proj[labelled])
        assert (kp[~labelled] == 0).all()
        inside = (proj[..., 0] >= -0.5) & (proj[..., 0] < s.camera.width - 0.5) & \
            (proj[..., 1] >= -0.5) & (proj[..., 1] < s.camera.height - 0.5)
        np.testing.assert_array_equal(labelled, inside & (s.keypoints[..., 2] > 0))


@pytest.mark.parametrize('facing_camera', [True, False])
def test_left_is_the_persons_anatomical_left(facing_camera):
    """A person facing the camera shows their left hand (Left_Hand pixels, left_wrist) on the
    image's right; seen from behind, on the image's left."""
    body = build_body(BodyShape(), Outfit(sleeves=0))
    anchors = build_anchors(body)
    pose = {'l_shoulder': (1.2, 0.0, 0.0), 'r_shoulder': (1.2, 0.0, 0.0)}  # arms out
    rot_g, pos_g = body.forward_kinematics(body.joint_rotations(pose), np.eye(3), np.zeros(3))
    solids = dress(body, Outfit(sleeves=0), sample_colours(np.random.default_rng(0)), 0)
    solids = solids.transformed(rot_g[body.solid_bone], pos_g[body.solid_bone])
    # the person faces +z (body frame); a camera on +z looking back at them sees their front
    forward = np.array([0.0, 0.0, -1.0 if facing_camera else 1.0])
    rot = look_at_rotation(forward)
    cam = Camera(128, 96, 120.0, rot, np.array([0.0, 0.3, 0.0]) - 4.0 * forward)
    scene = Scene(cam, np.zeros((128, 96, 3), np.uint8), np.array([0.0, 0.0, -1.0]), 0.5, 0.5,
                  solids.transformed(rot, -rot @ cam.pos),
                  cam.world_to_camera(anchors.posed(rot_g, pos_g))[None], anchors.inset[None],
                  anchors.bone[None], body.parent)
    r = render_scene(scene)
    left_cols = np.nonzero(r['seg'] == CLASS_ID['Left_Hand'])[1]
    right_cols = np.nonzero(r['seg'] == CLASS_ID['Right_Hand'])[1]
    assert len(left_cols) and len(right_cols)
    index = goliath_info()['index']
    lw, rw = r['keypoints'][0, index['left_wrist']], r['keypoints'][0, index['right_wrist']]
    if facing_camera:
        assert left_cols.min() > right_cols.max() and lw[0] > rw[0]
    else:
        assert left_cols.max() < right_cols.min() and lw[0] < rw[0]
