"""SapiensInferencer with the Sapiens2 tiny task models: the shared dense backbone pass (one
forward for seg and normals, the separate runs' results), pose decoded from the dense
features (``pose_on_dense``), and Sapiens (v1) and Sapiens2 backbones never shared.

The Sapiens2 configs give segmentation and normals different inputs (seg: stretched with
``AreaOrCubicResize``; normals: ``FitAndCentrePad``, aspect kept), so as configured they run
a backbone pass each; the shared-pass test gives the normal model seg's resize."""
import copy
import functools

import numpy as np
import pytest
import torch

from sapiens_mm.apis.inference import SapiensInferencer as _SapiensInferencer
from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints

# the torch engine's shared modules and backbone calls are what these tests count (the OpenVINO
# engine's Sapiens2 parity: tests/test_apis/test_inferencers/test_engines/)
SapiensInferencer = functools.partial(_SapiensInferencer, engine='torch')

DENSE2 = ('seg', 'normal')


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    """Tiny Sapiens2 pose / 29-class seg / normal checkpoints (64x48 inputs) on one common
    backbone, and v1 seg and pose checkpoints at the same input size."""
    d = tmp_path_factory.mktemp('task_ckpts_v2')
    cfgs = {t: tiny_config(t, family='sapiens2') for t in ('pose', ) + DENSE2}
    paths = write_task_checkpoints(str(d), cfgs)
    resized = copy.deepcopy(cfgs['normal'])
    resized.test_dataloader.dataset.pipeline = [
        dict(type='AreaOrCubicResize', scale=(48, 64), keep_ratio=False)
        if t['type'] == 'FitAndCentrePad' else t
        for t in cfgs['normal'].test_dataloader.dataset.pipeline]
    cfgs['normal_resized'] = resized
    v1 = d / 'v1'
    v1.mkdir()
    cfgs1 = {t: tiny_config(t, padding=2) for t in ('pose', 'seg')}
    paths1 = write_task_checkpoints(str(v1), cfgs1, seed=1)
    return cfgs, paths, cfgs1, paths1


@pytest.fixture(scope='module')
def images():
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (70 + 10 * i, 50, 3), dtype=np.uint8) for i in range(2)]


def count_backbone_calls(inferencer):
    calls = []
    modules = {id(tm.model.backbone): tm.model.backbone for tm in inferencer.models.values()}
    for m in modules.values():
        m.register_forward_hook(lambda m, i, o: calls.append(m))
    return calls


def test_shared_pass_equals_separate_runs(ckpts, images):
    cfgs, paths = ckpts[:2]
    as_configured = SapiensInferencer([(cfgs[t], paths[t]) for t in DENSE2])
    assert as_configured.groups == [['seg'], ['normal']]  # inputs differ (see module doc)
    specs = [(cfgs['seg'], paths['seg']), (cfgs['normal_resized'], paths['normal'])]
    shared = SapiensInferencer(specs, batch_size=2, precision='fp32')
    separate = SapiensInferencer(specs, batch_size=2, precision='fp32', share_backbone=False)
    assert shared.groups == [list(DENSE2)] and separate.groups == [['seg'], ['normal']]
    assert shared.models['seg'].model.backbone is shared.models['normal'].model.backbone
    n_shared, n_sep = count_backbone_calls(shared), count_backbone_calls(separate)
    a = shared(images, return_datasamples=True)['predictions']
    b = separate(images, return_datasamples=True)['predictions']
    assert len(n_shared) == 1 and len(n_sep) == 2  # one batch of 2 images
    for ra, rb, img in zip(a, b, images):
        h, w = img.shape[:2]
        assert ra['seg'].shape == (h, w) and ra['normal'].shape == (h, w, 3)
        assert ra['seg'].max() < 29 and len(np.unique(ra['seg'])) > 1
        np.testing.assert_array_equal(ra['seg'], rb['seg'])
        assert np.abs(ra['normal'] - rb['normal']).max() == 0
        np.testing.assert_allclose(np.linalg.norm(ra['normal'], axis=-1), 1, atol=1e-4)


def test_pose_on_dense_features(ckpts, images):
    cfgs, paths = ckpts[:2]
    specs = [(cfgs['pose'], paths['pose']), (cfgs['seg'], paths['seg'])]
    topdown = SapiensInferencer(specs, precision='fp32')
    on_dense = SapiensInferencer(specs, pose_on_dense=True, precision='fp32')
    assert topdown.pose_group is None and on_dense.pose_group == 0
    calls = count_backbone_calls(on_dense)
    # the same tensor reaches the model from an image at the input size and from that image
    # with every pixel doubled: keypoints map to (x + 0.5) * 2 - 0.5
    small = images[0][:64, :48]
    big = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    res = on_dense([small, big], return_datasamples=True)['predictions']
    assert len(calls) == 1  # one pass for pose and segmentation
    k_small = res[0]['pose'].pred_instances.keypoints
    k_big = res[1]['pose'].pred_instances.keypoints
    assert k_small.shape == (1, 308, 2) and np.isfinite(k_small).all()
    np.testing.assert_allclose(k_big, (k_small + 0.5) * 2 - 0.5, rtol=1e-4, atol=1e-3)
    # the pose model alone on the same tensor: its heatmaps, decoded by its codec, give the
    # same keypoints (the image is the input size and the box the whole image)
    pose = on_dense.models['pose'].model
    x = torch.from_numpy(small[..., ::-1].copy()).permute(2, 0, 1)[None].float()
    x = (x - torch.tensor(pose.data_preprocessor.mean).view(1, 3, 1, 1)) / \
        torch.tensor(pose.data_preprocessor.std).view(1, 3, 1, 1)
    with torch.no_grad():
        heatmaps = pose._forward(x)[0].float().numpy()
    keypoints, _ = pose.head.decoder.decode(heatmaps)
    # (random heads: flat heatmaps put some peaks far outside the image, where fp32 rounding
    # moves them by up to ~0.2 px)
    np.testing.assert_allclose(k_small, keypoints, atol=0.5)
    assert np.median(np.abs(k_small - keypoints)) < 1e-3


def test_v1_and_v2_backbones_are_never_shared(ckpts):
    """A Sapiens and a Sapiens2 model at the same input size and normalisation: separate
    groups, separate modules, and pose is not decoded from the other family's features."""
    cfgs, paths, cfgs1, paths1 = ckpts
    inf = SapiensInferencer([(cfgs1['seg'], paths1['seg']), (cfgs['normal'], paths['normal'])],
                            precision='fp32')
    assert inf.groups == [['seg'], ['normal']]
    assert inf.models['seg'].model.backbone is not inf.models['normal'].model.backbone
    assert not inf.models['seg'].same_backbone(inf.models['normal'])
    assert not inf.models['normal'].same_backbone(inf.models['seg'])
    inf = SapiensInferencer([(cfgs1['pose'], paths1['pose']), (cfgs['seg'], paths['seg'])],
                            pose_on_dense=True, precision='fp32')
    assert inf.pose_group is None
    # the family alone decides: equal configs and tensors of another family are not the same
    seg, normal = (SapiensInferencer([(cfgs[t], paths[t])], precision='fp32').models[t]
                   for t in DENSE2)
    assert seg.same_backbone(normal)
    normal.model.backbone.checkpoint_family = 'sapiens'  # on this instance only
    assert not seg.same_backbone(normal) and not normal.same_backbone(seg)
