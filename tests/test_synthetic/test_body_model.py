"""The body model: symmetric construction, keypoint anchors on the surface, joint limits."""
import numpy as np
import pytest

from sapiens_mm.synthetic.appearance import (BODY_MODEL_CLASSES, dress, sample_colours,
                                                      sample_outfit)
from sapiens_mm.synthetic.body_model import BodyShape, Outfit, build_body
from sapiens_mm.synthetic.geometry import MIRROR_X
from sapiens_mm.synthetic.keypoint_anchors import build_anchors
from sapiens_mm.synthetic.pose_sampler import JOINT_LIMITS, sample_pose, sample_shape
from sapiens_mm.synthetic.solids import CAPSULE, ELLIPSOID
from sapiens_mm.synthetic.vocab import CLASS_ID, SEG_CLASSES, goliath_info


def _swap_name(name):
    return {'l_': 'r_', 'r_': 'l_'}.get(name[:2], '') + name[2:] if name[:2] in ('l_', 'r_') \
        else name


def _signed_distance_to_surface(solids, i, p):
    """Approximate distance (m) of point p (bone frame) outside (+) / inside (-) solid i."""
    if solids.kind[i] == ELLIPSOID:
        q = solids.axes[i].T @ (p - solids.centre[i]) / solids.radii[i]
        return (np.linalg.norm(q) - 1) * solids.radii[i].min()
    a, b, r = solids.centre[i], solids.end_b[i], solids.radii[i, 0]
    h = np.clip((p - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1)
    return np.linalg.norm(p - a - h * (b - a)) - r


@pytest.fixture(scope='module', params=[
    (BodyShape(height=1.7, girth=1.1),
     Outfit(mouth_open=0.008, hair='short', footwear='shoes_socks', bottoms=2)),
    (BodyShape(height=1.5, girth=0.85, shoulder=0.9, head=1.1, leg=0.93),
     Outfit(shirt=False, sleeves=0, bottoms=0, footwear='barefoot', hair='long', hat=True)),
    (BodyShape(height=1.95, girth=1.25, hip=1.15, arm=1.06),
     Outfit(sleeves=3, bottoms=3, footwear='socks', hair='none', backpack=True)),
], ids=['average', 'small', 'large'])
def body(request):
    b = build_body(*request.param)
    build_anchors(b)
    return b


def test_all_308_keypoints_have_anchors(body):
    assert body.anchors.point.shape == (308, 3)
    assert np.isfinite(body.anchors.point).all()
    assert (body.anchors.inset >= 0).all()


def test_right_side_is_the_mirror_of_the_left(body):
    info = goliath_info()
    names = body.bone_names
    for k, j in enumerate(info['swap']):
        bk, bj = names[body.anchors.bone[k]], names[body.anchors.bone[j]]
        assert bj == _swap_name(bk), info['names'][k]
        np.testing.assert_allclose(body.anchors.point[j], MIRROR_X @ body.anchors.point[k],
                                   atol=1e-12, err_msg=info['names'][k])
    parts = body.solid_part
    for i, part in enumerate(parts):
        if part.startswith('l_'):
            j = [n for n, p in enumerate(parts) if p == 'r_' + part[2:]][
                [n for n, p in enumerate(parts) if p == part].index(i)]
            np.testing.assert_allclose(body.solids.centre[j], MIRROR_X @ body.solids.centre[i])
            assert names[body.solid_bone[j]] == _swap_name(names[body.solid_bone[i]])


def _related_solids(body, bone):
    """Solids on ``bone``, its parent or its children (hair and hats excluded: they may
    cover skin points on purpose)."""
    return [i for i, b in enumerate(body.solid_bone)
            if (b == bone or body.parent[b] == bone or body.parent[bone] == b)
            and body.solid_part[i] not in ('hair', 'hat', 'hair_long')]


def _rest_pose(body):
    """Solids and keypoints of the body at rest, in one frame."""
    rot_g, pos_g = body.forward_kinematics(body.joint_rotations({}), np.eye(3), np.zeros(3))
    return body.posed_solids(rot_g, pos_g), body.anchors.posed(rot_g, pos_g)


def test_surface_anchors_lie_on_the_outer_surface(body):
    """Zero-inset anchors are on the surface of the union of the solids around their bone:
    not floating (> 0) and not buried in a neighbouring solid (< 0)."""
    info = goliath_info()
    solids, points = _rest_pose(body)
    for k in np.flatnonzero(body.anchors.inset == 0):
        union = min(_signed_distance_to_surface(solids, i, points[k])
                    for i in _related_solids(body, body.anchors.bone[k]))
        assert abs(union) < 1e-3, (info['names'][k], union)


def test_joint_anchors_are_inside_their_limb(body):
    info = goliath_info()
    solids, points = _rest_pose(body)
    for name in ('left_elbow', 'right_knee', 'left_wrist', 'right_shoulder', 'left_hip', 'neck',
                 'right_forefinger2'):
        k = info['index'][name]
        depth = min(_signed_distance_to_surface(solids, i, points[k])
                    for i in _related_solids(body, body.anchors.bone[k]))
        assert -body.anchors.inset[k] - 1e-9 <= depth < 0, name


def test_forward_kinematics_keeps_bone_lengths(body):
    rng = np.random.default_rng(0)
    rot_g, pos_g = body.forward_kinematics(body.joint_rotations(sample_pose(rng)),
                                           np.eye(3), np.zeros(3))
    for i, p in enumerate(body.parent):
        if p >= 0:
            assert np.linalg.norm(pos_g[i] - pos_g[p]) == pytest.approx(
                np.linalg.norm(body.offset[i]))
    np.testing.assert_allclose(np.einsum('bij,bkj->bik', rot_g, rot_g),
                               np.tile(np.eye(3), (len(rot_g), 1, 1)), atol=1e-12)


def test_left_arm_raised_sideways_goes_to_the_persons_left(body):
    """Abduction in the left-side convention moves the left hand to +x (the person's left) and
    the right hand, with the same angles, to -x."""
    pose = {'l_shoulder': (1.5, 0.0, 0.0), 'r_shoulder': (1.5, 0.0, 0.0)}
    _, pos_g = body.forward_kinematics(body.joint_rotations(pose), np.eye(3), np.zeros(3))
    assert pos_g[body.bone('l_wrist')][0] > 0.6 * body.dims['scale']
    np.testing.assert_allclose(pos_g[body.bone('r_wrist')], MIRROR_X @ pos_g[body.bone('l_wrist')])


def test_sampled_poses_respect_the_joint_limits():
    rng = np.random.default_rng(1)
    for _ in range(200):
        for bone, angles in sample_pose(rng).items():
            key = bone[2:] if bone[:2] in ('l_', 'r_') else bone
            if key in JOINT_LIMITS:
                for a, (lo, hi) in zip(angles, JOINT_LIMITS[key]):
                    assert lo - 1e-9 <= a <= hi + 1e-9, (bone, angles)
    heights = [sample_shape(rng).height for _ in range(100)]
    assert 1.4 < min(heights) and max(heights) < 2.0


def test_dressing_produces_the_covered_classes():
    rng = np.random.default_rng(2)
    seen = set()
    for _ in range(300):
        outfit = sample_outfit(rng)
        body = build_body(sample_shape(rng), outfit)
        solids = dress(body, outfit, sample_colours(rng), 0)
        assert ((solids.colour >= 0) & (solids.colour <= 1)).all()
        seen |= set(solids.class_id.tolist())
        for part, cid in zip(body.solid_part, solids.class_id):
            name = SEG_CLASSES[cid]
            if part.startswith('l_'):
                assert not name.startswith('Right_'), part
            if part.startswith('r_'):
                assert not name.startswith('Left_'), part
    assert seen == set(BODY_MODEL_CLASSES)
    assert CLASS_ID['Background'] not in seen
    assert (solids.kind == CAPSULE).sum() > 30  # arms, legs and 30 finger phalanges


def test_keypoint_names_match_their_place(body):
    """At rest (body frame: x = the person's left, y up, z forward) every keypoint sits where its
    name says: left points on the left, iris 3 o'clock towards the left ear, outer eye corners
    outside the inner ones, nose tip in front, chin at the bottom, fingertips below knuckles..."""
    import re
    info = goliath_info()
    _, pts = _rest_pose(body)
    p = {n: pts[i] for n, i in info['index'].items()}
    for k, name in enumerate(info['names']):
        if re.search(r'(^|_)(left|l)(_|$)', name):
            assert pts[k][0] > 1e-4, name
        elif re.search(r'(^|_)(right|r)(_|$)', name):
            assert pts[k][0] < -1e-4, name
        elif info['swap'][k] == k:
            assert abs(pts[k][0]) < 1e-9, name
    c = p['l_center_of_iris']
    assert p['l_border_of_iris_3'][0] > c[0] > p['l_border_of_iris_9'][0]
    assert p['l_border_of_iris_12'][1] > c[1] > p['l_border_of_iris_6'][1]
    assert p['r_border_of_pupil_3'][0] > p['r_center_of_pupil'][0]
    np.testing.assert_allclose(p['left_eye'], p['l_center_of_pupil'])
    for line in ('upper_lash', 'lower_lash'):
        assert p[f'l_outer_end_of_{line}_line'][0] > p[f'l_inner_end_of_{line}_line'][0]
        assert p[f'r_outer_end_of_{line}_line'][0] < p[f'r_inner_end_of_{line}_line'][0]
    assert p['l_centerpoint_of_upper_crease_line'][1] > p['l_centerpoint_of_upper_eyelid_line'][1] \
        > p['l_centerpoint_of_upper_lash_line'][1] > c[1] > p['l_centerpoint_of_lower_lash_line'][1] \
        > p['l_centerpoint_of_lower_eyelid_line'][1]
    assert p['upper_midpoint_1_of_l_eyebrow'][1] > p['lower_midpoint_1_of_l_eyebrow'][1] > \
        p['l_centerpoint_of_upper_crease_line'][1]
    assert p['end_of_l_eyebrow'][0] > p['upper_startpoint_of_l_eyebrow'][0]
    order = ['tip_of_chin', 'center_of_labiomental_groove', 'center_of_lower_outer_lip',
             'center_of_cupid_bow', 'bottom_center_of_nose', 'tip_of_nose', 'l_center_of_pupil',
             'center_of_glabella', 'upper_midpoint_1_of_l_eyebrow']
    heights = [p[n][1] for n in order]
    assert heights == sorted(heights), order
    face = [p[n] for n in info['names'][70:]] + [p['nose']]
    assert p['tip_of_nose'][2] == max(q[2] for q in face)
    assert p['l_outer_corner_of_mouth'][0] > p['l_inner_corner_of_mouth'][0] > 0
    ear = [p[n] for n in info['names'] if n.startswith('l_') and (
        'helix' in n or 'tragus' in n or 'lobe' in n or 'antihelix' in n or 'crus' in n)]
    assert min(q[0] for q in ear) > p['l_outer_end_of_upper_lash_line'][0]
    assert p['l_tip_of_ear_lobe'][1] == min(q[1] for q in ear)
    for finger in ('thumb', 'forefinger', 'middle_finger', 'ring_finger', 'pinky_finger'):
        chain = [p[f'left_{finger}{j}'] for j in (4, 3, 2)] + \
            [p[f'left_{finger}_third_joint'], p['left_wrist']]
        assert all(a[1] < b[1] for a, b in zip(chain, chain[1:])), finger
    assert p['left_big_toe'][2] > p['left_ankle'][2] > p['left_heel'][2]
    assert p['left_big_toe'][0] < p['left_small_toe'][0]  # big toe on the inside
    assert p['left_olecranon'][2] < p['left_elbow'][2] < p['left_cubital_fossa'][2]
    assert p['left_acromion'][1] > p['left_shoulder'][1]
    assert p['neck'][1] > p['left_shoulder'][1] - 0.05 and p['nose'][1] > p['neck'][1]
