"""Left/right flips: rendering the mirrored scene equals flipping the render, with Left/Right
classes and keypoints swapped (Goliath ``swap`` partners)."""
import numpy as np

from sapiens_mm.synthetic import mirror_scene, render_scene
from sapiens_mm.synthetic.vocab import SEG_FLIP_PAIRS, goliath_info, seg_flip_lut


def test_mirrored_scene_renders_the_flipped_image(renders):
    lut = np.array(seg_flip_lut())
    swap = np.array(goliath_info()['swap'])
    for scene, r in renders:
        m = render_scene(mirror_scene(scene))
        w = scene.camera.width
        np.testing.assert_array_equal(m['image'], r['image'][:, ::-1])
        np.testing.assert_array_equal(m['seg'], lut[r['seg'][:, ::-1]])
        np.testing.assert_array_equal(m['mask'], r['mask'][:, ::-1])
        np.testing.assert_array_equal(m['depth'], r['depth'][:, ::-1])
        np.testing.assert_array_equal(m['normal'], r['normal'][:, ::-1] * np.float32([-1, 1, 1]))
        np.testing.assert_array_equal(m['instance'], r['instance'][:, ::-1])
        expected = r['keypoints'][:, swap].copy()
        labelled = expected[..., 2] > 0
        expected[..., 0] = np.where(labelled, w - 1 - expected[..., 0], 0)
        np.testing.assert_array_equal(m['keypoints'][..., 2], expected[..., 2])
        np.testing.assert_allclose(m['keypoints'][..., :2], expected[..., :2], atol=1e-9)
        np.testing.assert_allclose(m['bboxes'][:, 0], np.where(
            r['areas'] > 0, w - r['bboxes'][:, 0] - r['bboxes'][:, 2], 0))


def test_flip_tables_are_involutions():
    lut = np.array(seg_flip_lut())
    np.testing.assert_array_equal(lut[lut], np.arange(28))
    assert len(SEG_FLIP_PAIRS) == 8 and all(lut[a] == b for a, b in SEG_FLIP_PAIRS)
    swap = np.array(goliath_info()['swap'])
    np.testing.assert_array_equal(swap[swap], np.arange(308))
    assert (swap == np.arange(308)).sum() == 16  # nose, neck and midline face points


def test_mirroring_twice_is_the_identity(renders):
    scene, r = renders[1]
    twice = render_scene(mirror_scene(mirror_scene(scene)))
    for key in ('image', 'seg', 'depth', 'normal', 'keypoints'):
        np.testing.assert_array_equal(twice[key], r[key])
