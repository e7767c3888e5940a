"""The default person detector: the release's RTMDet-M config and checkpoint layout, found by
its released name (offline), weights-only, the whole image only when nobody is found, and the
command line saying at start when its weights are missing."""
import os

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, init_default_scope

from sapiens_mm.apis.person_detector import (DEFAULT_DETECTOR, WholeImageWhenNobody,
                                             build_person_detector, config_runs_pose,
                                             find_detector_checkpoint)
from sapiens_mm.checkpoint import MODEL_ZOO, CheckpointError
from sapiens_mm.checkpoint.model_zoo import zoo_config

POSE = 'configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py'
SEG = 'configs/sapiens_seg/synthetic/sapiens_tiny_seg_synthetic-128x96.py'


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """No network, an empty Hub cache, no local checkpoint folders."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    monkeypatch.setenv('HF_HUB_CACHE', str(tmp_path / 'hub'))
    monkeypatch.delenv('SAPIENS_MM_CHECKPOINTS', raising=False)
    monkeypatch.delenv('SAPIENS_CHECKPOINT_ROOT', raising=False)


def _model(device='meta'):
    cfg = Config.fromfile(zoo_config(DEFAULT_DETECTOR))
    init_default_scope('mmdet')
    with torch.device(device):
        return cfg, MODELS.build(cfg.model)


def test_release_config_builds_rtmdet_m_with_one_class():
    entry = MODEL_ZOO[DEFAULT_DETECTOR]
    assert (entry.repo, entry.filename) == ('facebook/sapiens-pose-bbox-detector', 'rtmdet_m.pth')
    cfg, model = _model()
    assert type(model).__name__ == 'RTMDet'
    assert model.bbox_head.num_classes == 1
    assert (cfg.model.backbone.deepen_factor, cfg.model.backbone.widen_factor) == (0.67, 0.75)
    n = sum(p.numel() for p in model.parameters())
    assert 24e6 < n < 25.5e6, n  # RTMDet-M: 24.7 M parameters
    resize = [t for t in cfg.test_dataloader.dataset.pipeline if t['type'] == 'Resize']
    assert resize[0]['scale'] == (640, 640)


def _release_checkpoint(path):
    """The release's file layout (mmdet's published checkpoints: ``meta`` + ``state_dict``),
    with the real key names and shapes and random weights."""
    _, model = _model('cpu')
    torch.manual_seed(0)
    sd = {k: torch.randn_like(v) if v.is_floating_point() else v
          for k, v in model.state_dict().items()}
    meta = dict(mmdet_version='3.0.0', epoch=100, iter=100000, seed=0,
                experiment_name='rtmdet_m_8xb32-100e_coco-obj365-person',
                dataset_meta=dict(classes=('person', ), palette=[(220, 20, 60)]))
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    torch.save(dict(meta=meta, state_dict=sd), str(path))
    return sd


def test_release_layout_checkpoint_loads_by_name_offline(tmp_path, monkeypatch):
    root = tmp_path / 'sapiens_host'
    sd = _release_checkpoint(root / 'detector' / 'rtmdet_m.pth')
    monkeypatch.setenv('SAPIENS_CHECKPOINT_ROOT', str(root))
    path = find_detector_checkpoint()
    assert path == str(root / 'detector' / 'rtmdet_m.pth')
    det, what = build_person_detector('default', device='cpu')
    assert DEFAULT_DETECTOR in what
    own = det.detector.model.state_dict()
    for key in ('backbone.stem.0.conv.weight', 'bbox_head.rtm_cls.0.weight',
                'neck.out_convs.2.conv.weight'):
        torch.testing.assert_close(own[key], sd[key])
    assert det.detector.model.dataset_meta['classes'] == ('person', )  # from the file's meta


def test_missing_weights_are_named_with_the_choices():
    with pytest.raises(CheckpointError, match=r'--det none'):
        find_detector_checkpoint()


def test_malicious_detector_file_is_refused(tmp_path, monkeypatch):
    from tests.test_reliability.test_checkpoint_trust import write_evil
    marker = tmp_path / 'PWNED'
    monkeypatch.setenv('SAPIENS_MM_CHECKPOINTS', str(tmp_path / 'zoo'))
    write_evil(tmp_path / 'zoo' / 'rtmdet_m.pth', marker)
    with pytest.raises(CheckpointError, match='rtmdet_m.pth'):
        build_person_detector('default', device='cpu')
    assert not marker.exists()


def test_whole_image_only_when_nobody_is_found():
    answers = iter([np.zeros((0, 4)), np.array([[1, 2, 3, 4]]), np.zeros((0, 4))])
    det = WholeImageWhenNobody(lambda img: next(answers))
    img = np.zeros((30, 40, 3), np.uint8)
    assert det(img).tolist() == [[0, 0, 40, 30]]
    assert det(img).tolist() == [[1, 2, 3, 4]]
    det(img)
    assert det.nobody_found == 2


def test_which_specs_run_pose():
    assert config_runs_pose('sapiens_0.3b_pose_goliath')
    assert not config_runs_pose('sapiens_0.3b_depth')
    assert config_runs_pose((POSE, None)) and not config_runs_pose((SEG, None))


def test_cli_says_at_start_that_the_weights_are_missing(tmp_path, capsys, monkeypatch):
    """Offline without the detector's weights, pose without boxes stops before any model is
    built, naming the detector and the choices; --det none runs."""
    import cv2

    from sapiens_mm.apis import SapiensInferencer
    from sapiens_mm.cli.errors import run_cli
    from sapiens_mm.cli.infer import main
    cv2.imwrite(str(tmp_path / 'a.png'), np.zeros((40, 30, 3), np.uint8))
    built = []
    monkeypatch.setattr(SapiensInferencer, '__init__',
                        lambda self, *a, **k: built.append(1) or 1 / 0)
    argv = [str(tmp_path / 'a.png'), '--out', str(tmp_path / 'o'), '--task', POSE, 'none']
    assert run_cli(lambda: main(argv), ['sapiens-infer']) == 2
    err = capsys.readouterr().err
    assert DEFAULT_DETECTOR in err and '--det none' in err and not built
    # dense tasks need no detector
    with pytest.raises(ZeroDivisionError):
        main([str(tmp_path / 'a.png'), '--out', str(tmp_path / 'o'), '--task', SEG, 'none'])
    assert built


def test_cli_counts_images_where_nobody_was_found(tmp_path, capsys):
    """A random-weight tiny RTMDet (one class) stands in for the detector: it finds nobody,
    so pose runs on the whole image and the summary says so."""
    import cv2

    from sapiens_mm.cli.infer import main
    cfg = Config.fromfile(zoo_config(DEFAULT_DETECTOR))
    cfg.model.backbone.update(deepen_factor=0.167, widen_factor=0.125)
    cfg.model.neck.update(in_channels=[32, 64, 128], out_channels=16, num_csp_blocks=1)
    cfg.model.bbox_head.update(in_channels=16, feat_channels=16)
    cfg.model.test_cfg.score_thr = 0.5  # random weights score ~0.01: nobody
    cfg.dump(str(tmp_path / 'tiny_rtmdet.py'))
    for i in range(2):
        cv2.imwrite(str(tmp_path / f'{i}.png'), np.full((40, 30, 3), 90 * i, np.uint8))
    rc = main([str(tmp_path / '0.png'), str(tmp_path / '1.png'), '--out', str(tmp_path / 'o'),
               '--task', POSE, 'none', '--det-config', str(tmp_path / 'tiny_rtmdet.py'),
               '--det-checkpoint', 'none', '--no-pictures'])  # random weights, explicitly
    out = capsys.readouterr().out
    assert rc == 0
    assert '2 image(s) where the person detector found nobody' in out
