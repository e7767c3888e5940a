"""The camera options of the synthetic scenes: front views only, and the close-up share."""
import numpy as np

from sapiens_mm.synthetic import render_sample
from sapiens_mm.synthetic.scene import FOV_RANGE, PITCH_RANGE, sample_scene
from sapiens_mm.synthetic.vocab import goliath_info

SIZE = (128, 96)


def _shoulders():
    names = goliath_info()['names']
    return names.index('left_shoulder'), names.index('right_shoulder')


def _left_on_image_right(max_view_yaw, n=30):
    """How many of ``n`` single-person renders show both shoulders, and in how many of them
    the person's left shoulder is right of the right shoulder in the image (a front view)."""
    ls, rs = _shoulders()
    seen = front = 0
    for i in range(n):
        k = render_sample(3, i, SIZE, 1, max_view_yaw=max_view_yaw, close_up_prob=0.0)[1][
            'keypoints'][0]
        if k[ls, 2] > 0 and k[rs, 2] > 0:
            seen += 1
            front += int(k[ls, 0] > k[rs, 0])
    return seen, front


def test_front_views_show_the_persons_left_on_the_image_right():
    seen, front = _left_on_image_right(max_view_yaw=30)
    assert seen >= 20 and front == seen
    seen, front = _left_on_image_right(max_view_yaw=None)  # any direction: back views too
    assert 0 < front < seen


def test_the_camera_looks_at_the_face_within_the_given_angle():
    for i in range(20):
        rng = np.random.default_rng([7, i])
        scene = sample_scene(rng, SIZE, 1, max_view_yaw=20, close_up_prob=0.0)
        kp = scene.keypoints[0]  # camera frame: z forward
        names = goliath_info()['names']
        ears = kp[[names.index('left_ear'), names.index('right_ear')]]
        ear_axis = ears[0] - ears[1]  # points to the person's left
        # seen from the front, the person's left is the camera's +x; yaw within 20 deg, plus
        # the head's own turn on the neck and a little pitch/roll
        horizontal = ear_axis[[0, 2]] / np.linalg.norm(ear_axis[[0, 2]])
        assert horizontal[0] > np.cos(np.deg2rad(75)), (i, horizontal)


def test_options_keep_the_people_and_their_poses():
    rng_a, rng_b = np.random.default_rng([1, 2]), np.random.default_rng([1, 2])
    a = sample_scene(rng_a, SIZE, 3)
    b = sample_scene(rng_b, SIZE, 3, max_view_yaw=45, close_up_prob=0.0, pitch_range=(10, 25))
    assert a.num_people == b.num_people
    # the same draws: the generators end in the same state (the floor in the background
    # follows the camera, so the pictures differ)
    assert rng_a.random() == rng_b.random()
    # same people in the same pose: the distances between keypoints do not depend on the camera
    da = np.linalg.norm(a.keypoints[0, :, None] - a.keypoints[0, None], axis=-1)
    db = np.linalg.norm(b.keypoints[0, :, None] - b.keypoints[0, None], axis=-1)
    assert np.allclose(da, db, atol=1e-9)


def test_no_close_ups_keeps_the_main_person_mostly_in_frame():
    def inside_share(prob):
        shares = []
        for i in range(30):
            k = render_sample(4, i, SIZE, 1, close_up_prob=prob)[1]['keypoints'][0]
            shares.append(np.mean(k[:, 2] > 0))
        return np.array(shares)
    assert inside_share(0.0).min() > inside_share(1.0).min()
    assert np.mean(inside_share(1.0) < 0.9) > np.mean(inside_share(0.0) < 0.9)


def test_the_pitch_range_bounds_how_far_the_camera_looks_down():
    def pitches(pitch_range):
        out = []
        for i in range(20):
            cam = sample_scene(np.random.default_rng([9, i]), SIZE, 1,
                               pitch_range=pitch_range).camera
            out.append(np.rad2deg(np.arcsin(-cam.rot[2, 1])))  # forward axis, world y up
        return np.array(out)
    narrow = pitches((10, 25))
    assert narrow.min() >= 10 - 1e-6 and narrow.max() <= 25 + 1e-6
    assert narrow.max() - narrow.min() > 5  # drawn, not fixed
    wide = pitches(None)
    assert wide.min() < 0 < wide.max()  # the default also looks up
    # the same uniform draw is mapped into each range
    np.testing.assert_allclose((narrow - 10) / 15, (wide - PITCH_RANGE[0]) /
                               (PITCH_RANGE[1] - PITCH_RANGE[0]), atol=1e-6)


def test_the_fov_range_sets_the_focal_length_and_keeps_the_other_draws():
    def cameras(fov_range):
        return [sample_scene(np.random.default_rng([5, i]), SIZE, 1, fov_range=fov_range).camera
                for i in range(12)]
    default, fixed = cameras(None), cameras((50, 50))
    fov = [np.rad2deg(2 * np.arctan(SIZE[0] / 2 / c.f)) for c in default]
    assert min(fov) >= FOV_RANGE[0] - 1e-9 and max(fov) <= FOV_RANGE[1] + 1e-9
    assert max(fov) - min(fov) > 5  # drawn
    f50 = SIZE[0] / 2 / np.tan(np.deg2rad(25))
    assert all(abs(c.f - f50) < 1e-9 for c in fixed)  # one focal length for every image
    # the same draws otherwise: the camera looks the same way, from a distance that scales with
    # the focal length (the person keeps its size in the picture)
    for a, b in zip(default, fixed):
        np.testing.assert_allclose(a.rot, b.rot, atol=1e-12)
