"""NormalEstimator: unit pred_normal_map at the original size, flips undone with x negated."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

TINY = dict(
    type='NormalEstimator',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[0, 0, 0], std=[1, 1, 1]),
    backbone=dict(type='SapiensViT', arch='sapiens_tiny', img_size=(64, 48)),
    decode_head=dict(type='SapiensNormalHead', in_channels=128, channels=16),
    test_cfg=dict(mode='whole'))


def build(**kw):
    init_default_scope('mmseg')
    return MODELS.build({**TINY, **kw})


def meta(flip=False, direction=None):
    return dict(ori_shape=(40, 30), img_shape=(64, 48), flip=flip, flip_direction=direction,
                padding_size=[0, 0, 0, 0])


def test_predict_gives_unit_normals_at_the_original_size():
    model = build().eval()
    out = model.predict(torch.randn(1, 3, 64, 48), [SegDataSample(metainfo=meta())])
    normal = out[0].pred_normal_map.data
    assert normal.shape == (3, 40, 30)
    torch.testing.assert_close(normal.norm(dim=0), torch.ones(40, 30))


def test_postprocess_undoes_a_horizontal_flip():
    model = build()
    raw = torch.randn(1, 3, 64, 48)
    plain = model.postprocess_result(raw.clone(), [SegDataSample(metainfo=meta())])
    flipped_in = raw.flip(dims=(3, )).clone()
    flipped_in[:, 0] = -flipped_in[:, 0]  # what a flipped input predicts for the same scene
    undone = model.postprocess_result(flipped_in,
                                      [SegDataSample(metainfo=meta(True, 'horizontal'))])
    torch.testing.assert_close(undone[0].pred_normal_map.data, plain[0].pred_normal_map.data)


def test_slide_flip_is_refused():
    model = build(test_cfg=dict(mode='slide_flip', crop_size=(64, 48), stride=(32, 24)))
    with pytest.raises(ValueError, match="'whole' or 'slide'"):
        model.inference(torch.randn(1, 3, 64, 48), [meta()])
