"""Issue 25, the data tools: paths from data files stay inside their root, outputs never
replace inputs or each other, nothing stale is reused (keyed by content), a rerun never leaves
two runs mixed, truncated images are skipped and counted, and bad multi-task / depth
annotations are errors naming the file.

Each test failed on 2654df0 (the case it names) and passes now."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from sapiens_mm.utils.fileio import OutputOverwritesInputError, UnsafePathError
from sapiens_mm.utils.run_dirs import ExistingOutputError
from tests.helpers.logs import log_records, messages


def _img(seed, hw=(24, 32)):
    return np.random.default_rng(seed).integers(0, 256, hw + (3, ), dtype=np.uint8)


def _coco(path, images, anns=()):
    path.write_text(json.dumps(dict(images=images, annotations=list(anns),
                                    categories=[dict(id=1, name='person')])))
    return str(path)


# ---------------------------------------------------------------- background sets
def test_background_file_name_cannot_leave_the_image_root_or_out(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    root = tmp_path / 'r' / 's' / 't' / 'u'
    root.mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'r' / 'esc.png'), _img(0))  # what ../../../esc.png reads
    precious = tmp_path / 'esc.png'  # what OUT/images/../../../esc.png wrote over
    precious.write_bytes(b'precious')
    ann = _coco(tmp_path / 'inst.json', [dict(id=7, file_name='../../../esc.png')])
    with pytest.raises(UnsafePathError, match=r"'\.\./\.\./\.\./esc\.png' in .*inst\.json "
                       r"\(image id 7\) resolves to .* outside its root"):
        build_background_set(ann, str(root), str(tmp_path / 'o' / 'p'), progress=False)
    assert precious.read_bytes() == b'precious'
    assert not (tmp_path / 'o').exists()


def test_background_rerun_is_keyed_by_content_and_drops_stale_copies(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'x.bmp'), _img(0))
    cv2.imwrite(str(root / 'y.bmp'), _img(1))
    ann = _coco(tmp_path / 'i.json', [dict(id=1, file_name='x.bmp'),
                                      dict(id=2, file_name='y.bmp')])
    out = tmp_path / 'bg'
    build_background_set(ann, str(root), str(out), progress=False)
    size = (root / 'x.bmp').stat().st_size
    cv2.imwrite(str(root / 'x.bmp'), _img(5))  # another picture, same name, same byte size
    assert (root / 'x.bmp').stat().st_size == size
    ann = _coco(tmp_path / 'i.json', [dict(id=1, file_name='x.bmp')])  # y left out
    summary = build_background_set(ann, str(root), str(out), progress=False)
    assert (out / 'images' / 'x.bmp').read_bytes() == (root / 'x.bmp').read_bytes()
    assert summary['num_copies_reused'] == 0
    assert sorted(os.listdir(out / 'images')) == ['x.bmp']  # y's old copy is gone
    assert (out / 'backgrounds.txt').read_text() == 'images/x.bmp\n'
    summary = build_background_set(ann, str(root), str(out), progress=False)
    assert summary['num_copies_reused'] == 1  # same bytes: kept


def test_background_crop_name_does_not_overwrite_another_output(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'a.png'), _img(0, (40, 60)))
    cv2.imwrite(str(root / 'a_crop.png'), _img(1, (40, 60)))
    ann = _coco(tmp_path / 'i.json', [dict(id=1, file_name='a.png'),
                                      dict(id=2, file_name='a_crop.png')],
                [dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 10, 40])])
    out = tmp_path / 'bg'
    summary = build_background_set(ann, str(root), str(out), crop_persons=True,
                                   min_crop_side=8, progress=False)
    listed = (out / 'backgrounds.txt').read_text().split()
    assert listed == ['images/a_crop.png', 'images/a_crop_2.png']
    assert summary['num_copied'] == 1 and summary['num_cropped'] == 1
    assert (out / 'images' / 'a_crop.png').read_bytes() == (root / 'a_crop.png').read_bytes()


def test_background_crop_of_a_truncated_image_is_skipped(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'p.jpg'), _img(0, (40, 60)))
    data = (root / 'p.jpg').read_bytes()
    (root / 'p.jpg').write_bytes(data[:len(data) // 2])
    ann = _coco(tmp_path / 'i.json', [dict(id=1, file_name='p.jpg')],
                [dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 10, 40])])
    summary = build_background_set(ann, str(root), str(tmp_path / 'bg'), crop_persons=True,
                                   min_crop_side=8, progress=False)
    assert summary['num_cropped'] == 0 and summary['num_listed'] == 0
    assert len(summary['unreadable']) == 1
    assert 'p.jpg: truncated JPEG' in summary['unreadable'][0]


def test_background_copy_cannot_replace_its_source(tmp_path):
    from sapiens_mm.data_curation import build_background_set
    out = tmp_path / 'bg'
    (out / 'images').mkdir(parents=True)
    cv2.imwrite(str(out / 'images' / 'x.png'), _img(0))
    ann = _coco(tmp_path / 'i.json', [dict(id=1, file_name='x.png')])
    with pytest.raises(OutputOverwritesInputError, match=r'images/x\.png would replace'):
        build_background_set(ann, str(out / 'images'), str(out), progress=False)


# ---------------------------------------------------------------- synthetic split
def test_synthetic_backgrounds_rerun_leaves_no_stale_image(tmp_path):
    from sapiens_mm.synthetic import write_synthetic_backgrounds
    write_synthetic_backgrounds(str(tmp_path), 4, (16, 12), progress=False)
    write_synthetic_backgrounds(str(tmp_path), 2, (16, 12), progress=False)
    assert sorted(os.listdir(tmp_path / 'images')) == ['000000.png', '000001.png']


def test_synthetic_rerun_replaces_the_whole_split(tmp_path):
    from sapiens_mm.synthetic import generate_split
    out = tmp_path / 'split'
    generate_split(str(out), 6, size=(32, 24), previews=0, progress=False)
    generate_split(str(out), 3, size=(32, 24), previews=0, progress=False)
    coco = json.loads((out / 'annotations' / 'coco_17.json').read_text())
    for sub in ('images', 'seg', 'mask', 'depth', 'normal', 'backgrounds'):
        assert len(os.listdir(out / sub)) == 3, sub
    assert len(coco['images']) == 3
    assert json.loads((out / 'meta.json').read_text())['num_images'] == 3
    assert not [n for n in os.listdir(tmp_path) if n.startswith('.split.')]  # no leftovers


def test_synthetic_refuses_a_folder_it_did_not_write(tmp_path):
    from sapiens_mm.synthetic import generate_split
    (tmp_path / 'mine.txt').write_text('keep me')
    with pytest.raises(ExistingOutputError, match=rf'{tmp_path} is not empty and was not '
                       'written by an earlier synthetic split run'):
        generate_split(str(tmp_path), 2, size=(32, 24), previews=0, progress=False)
    assert os.listdir(tmp_path) == ['mine.txt']


# ---------------------------------------------------------------- curation
class _BrightDetector:
    """One 400 px box scored 0.99 on bright images, nothing on dark ones."""
    name = 'bright'

    def __call__(self, img):
        if img.mean() > 128:
            return np.array([[0, 0, 400, 400]], np.float32), np.array([0.99], np.float32)
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)


def test_curation_redoes_an_image_replaced_under_the_same_name(tmp_path):
    from sapiens_mm.data_curation import curate_images
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'a.png'), np.zeros((20, 20, 3), np.uint8))
    out = str(tmp_path / 'out')
    assert curate_images(['a.png'], str(root), out, _BrightDetector(),
                         progress=False)['num_kept'] == 0
    cv2.imwrite(str(root / 'a.png'), np.full((20, 20, 3), 255, np.uint8))
    with log_records() as records:
        report = curate_images(['a.png'], str(root), out, _BrightDetector(), progress=False)
    assert report['num_kept'] == 1 and report['this_run']['processed'] == 1
    assert '1 image(s) changed content since' in messages(records)
    report = curate_images(['a.png'], str(root), out, _BrightDetector(), progress=False)
    assert report['this_run']['processed'] == 0  # same bytes: the decision is reused


def test_curation_does_not_accept_an_infinite_box(tmp_path):
    from sapiens_mm.data_curation import CurationCriteria, curate_images, decide
    root = tmp_path / 'imgs'
    root.mkdir()
    cv2.imwrite(str(root / 'a.png'), _img(0))

    def detector(img):
        return np.array([[0, 0, np.inf, np.inf]]), np.array([0.99])
    with log_records() as records:
        report = curate_images(['a.png'], str(root), str(tmp_path / 'out'), detector,
                               progress=False)
    assert report['num_kept'] == 0 and report['reasons'] == {'no_person': 1}
    assert 'a.png: the detector returned 1 non-finite box' in messages(records)
    old_record = dict(path='a.png', boxes=[[0, 0, float('inf'), float('inf')]], scores=[0.99])
    assert decide(old_record, CurationCriteria()) == (False, 'no_person')


def test_curate_cli_does_not_read_its_own_outputs(tmp_path, capsys):
    from sapiens_mm.cli.curate_human_images import main
    root = tmp_path / 'imgs'
    root.mkdir()
    for name in ('a.png', 'b.png'):
        cv2.imwrite(str(root / name), _img(0, (40, 40)))
    boxes = _coco(tmp_path / 'boxes.json', [dict(id=1, file_name='a.png'),
                                            dict(id=2, file_name='b.png')],
                  [dict(id=1, image_id=1, category_id=1, bbox=[0, 0, 30, 30])])
    args = [str(root), '--out-dir', str(root / 'curated'), '--coco-boxes', boxes,
            '--score-rule', 'one', '--min-box-side', '10', '--no-progress']
    main(args)
    assert (root / 'curated' / 'histograms.png').is_file()
    main(args)  # before: histograms.png was walked as an input (KeyError from the detector)
    report = json.loads((root / 'curated' / 'report.json').read_text())
    assert report['num_images'] == 2 and report['num_kept'] == 1
    assert 'leaving out 1 file(s) under --out-dir' in capsys.readouterr().out
    with pytest.raises(SystemExit, match=r'--out-dir .*imgs is the input folder'):
        main([str(root), '--out-dir', str(root), '--coco-boxes', boxes])


def test_curation_outputs_never_replace_inputs(tmp_path):
    from sapiens_mm.data_curation import curate_images
    cv2.imwrite(str(tmp_path / 'histograms.png'), _img(0))
    with pytest.raises(OutputOverwritesInputError, match=r'histograms\.png would replace'):
        curate_images(['histograms.png'], str(tmp_path), str(tmp_path), _BrightDetector(),
                      progress=False)


# ---------------------------------------------------------------- multi-task annotations
def _pose_file(root):
    return root / 'annotations' / 'goliath_308.json'


def test_multitask_wrong_keypoint_count_is_an_error_at_load(tmp_path):
    from sapiens_mm.datasets import HumanMultiTaskDataset
    from tests.helpers.multitask_data import write_multitask_humans
    write_multitask_humans(str(tmp_path), 2, size=(32, 24))
    coco = json.loads(_pose_file(tmp_path).read_text())
    coco['annotations'][1]['keypoints'] = coco['annotations'][1]['keypoints'][:17 * 3]
    _pose_file(tmp_path).write_text(json.dumps(coco))
    with pytest.raises(ValueError, match=r"goliath_308\.json: annotation 2 \(image "
                       r"'images/000001\.png'\) has 17 keypoints; the pose task needs 308"):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('pose', ))


def test_multitask_duplicate_image_entries_are_an_error(tmp_path):
    from sapiens_mm.datasets import HumanMultiTaskDataset
    from tests.helpers.multitask_data import write_multitask_humans
    write_multitask_humans(str(tmp_path), 2, size=(32, 24))
    coco = json.loads(_pose_file(tmp_path).read_text())
    coco['images'].append(dict(coco['images'][0], id=99))
    _pose_file(tmp_path).write_text(json.dumps(coco))
    with pytest.raises(ValueError, match=r"goliath_308\.json: image '000000\.png' is listed "
                       r'twice \(ids 1 and 99\)'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('pose', ))
    coco['images'][-1] = dict(coco['images'][1], file_name='images/other.png', id=1)
    _pose_file(tmp_path).write_text(json.dumps(coco))
    with pytest.raises(ValueError, match=r'goliath_308\.json: image id 1 is listed twice'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('pose', ))


def test_multitask_all_zero_depth_is_refused(tmp_path):
    from sapiens_mm.datasets import HumanMultiTaskDataset
    from tests.helpers.multitask_data import write_multitask_humans
    write_multitask_humans(str(tmp_path), 3, size=(32, 24))
    np.save(tmp_path / 'depth' / '000001.npy', np.zeros((32, 24), np.float32))
    ds = HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('seg', 'depth'))
    assert len(ds) == 3  # one empty map among good ones: the batch still has a depth loss
    for i in (0, 2):
        np.save(tmp_path / 'depth' / f'00000{i}.npy', np.zeros((32, 24), np.float32))
    with pytest.raises(ValueError, match=r'none of the 3 depth labels under .* has a target '
                       r'.*e\.g\. .*depth/000000\.npy.*the depth loss would be 0'):
        HumanMultiTaskDataset(data_root=str(tmp_path), pipeline=[], tasks=('seg', 'depth'))


@pytest.mark.parametrize('kind', ['HumanDepthDataset', 'HumanMultiTaskDataset'])
@pytest.mark.parametrize('bad', ['bool', 'negative'])
def test_bool_or_negative_depth_is_refused_naming_the_file(tmp_path, kind, bad):
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    from tests.helpers.multitask_data import write_multitask_humans
    write_multitask_humans(str(tmp_path), 2, size=(32, 24))
    path = tmp_path / 'depth' / '000000.npy'
    depth = np.load(path)
    np.save(path, depth > 0 if bad == 'bool' else -depth)
    match = (r'depth file .*000000\.npy holds a bool array' if bad == 'bool' else
             r'depth file .*000000\.npy has no positive value on the person')
    init_default_scope('mmseg')
    extra = dict(tasks=('depth', )) if kind == 'HumanMultiTaskDataset' else {}
    with pytest.raises(ValueError, match=match):
        DATASETS.build(dict(type=kind, data_root=str(tmp_path), pipeline=[], **extra))


def test_load_human_depth_refuses_bool_and_negative_maps(tmp_path):
    from sapiens_mm.datasets.transforms.loading import LoadHumanDepth
    from tests.helpers.dense_data import write_dense_humans
    write_dense_humans(tmp_path, 1, size=(20, 16))
    path = tmp_path / 'depth' / '000000.npy'
    depth = np.load(path)
    results = dict(depth_map_path=str(path), mask_path=str(tmp_path / 'mask' / '000000.png'),
                   ori_shape=(20, 16), img_path='x', seg_fields=[])
    LoadHumanDepth()(dict(results, seg_fields=[]))  # the good map loads
    for bad, match in ((depth > 0, 'holds a bool array'),
                       (-depth, 'has no positive value on the person')):
        np.save(path, bad)
        with pytest.raises(ValueError, match=rf'depth file .*000000\.npy {match}'):
            LoadHumanDepth()(dict(results, seg_fields=[]))


# ---------------------------------------------------------------- distillation labels
@pytest.fixture(scope='module')
def seg_teacher(tmp_path_factory):
    from tests.helpers.tiny_task_models import tiny_config, write_task_checkpoints
    folder = tmp_path_factory.mktemp('teacher')
    cfg = tiny_config('seg', (32, 32), head_channels=8)
    config = str(folder / 'seg.py')
    cfg.dump(config)
    ckpt = write_task_checkpoints(str(folder), dict(seg=cfg))['seg']
    other = str(folder / 'other')
    os.makedirs(other)
    other_ckpt = write_task_checkpoints(other, dict(seg=cfg), seed=1)['seg']
    return config, ckpt, other_ckpt


def _images(folder, names, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        cv2.imwrite(str(folder / name), _img(seed + i))
    return str(folder)


def test_distill_same_stem_images_get_their_own_labels(tmp_path, seg_teacher):
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    config, ckpt, _ = seg_teacher
    images = _images(tmp_path / 'in', ['x.png', 'x.jpg', 'x_png.png', 'good.png'])
    data = (tmp_path / 'in' / 'good.png').read_bytes()
    (tmp_path / 'in' / 'cut.png').write_bytes(data[:len(data) // 2])
    out = tmp_path / 'labels'
    with log_records() as records:
        info = write_teacher_labels([('seg', config, ckpt)], images, str(out))
    assert info['num_images'] == 4
    assert len(info['skipped']) == 1 and 'cut.png: truncated PNG' in info['skipped'][0]
    assert 'skipping' in messages(records) and 'cut.png' in messages(records)
    assert sorted(os.listdir(out / 'images')) == ['good.png', 'x_jpg.png', 'x_png.png',
                                                  'x_png_2.png']
    assert len(os.listdir(out / 'seg')) == 4
    x_jpg = cv2.imread(str(tmp_path / 'in' / 'x.jpg'))
    assert np.array_equal(cv2.imread(str(out / 'images' / 'x_jpg.png')), x_jpg)


def test_distill_reuse_is_keyed_by_content(tmp_path, seg_teacher):
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    config, ckpt0, other_ckpt = seg_teacher
    ckpt = str(tmp_path / 'seg.pth')
    with open(ckpt0, 'rb') as f, open(ckpt, 'wb') as g:
        g.write(f.read())
    images = _images(tmp_path / 'in', ['a.png', 'b.png'])
    out = str(tmp_path / 'labels')
    teachers = [('seg', config, ckpt)]
    assert not write_teacher_labels(teachers, images, out)['reused']
    with log_records() as records:
        assert write_teacher_labels(teachers, images, out)['reused']
    assert 'reusing' in messages(records) and 'same 2 images (by content)' in \
        messages(records)
    # the teacher checkpoint copied over with the same size and mtime: not reused
    st = os.stat(ckpt)
    assert os.path.getsize(other_ckpt) == st.st_size
    with open(other_ckpt, 'rb') as f, open(ckpt, 'wb') as g:
        g.write(f.read())
    os.utime(ckpt, ns=(st.st_atime_ns, st.st_mtime_ns))
    with log_records() as records:
        assert not write_teacher_labels(teachers, images, out)['reused']
    assert 'other teachers (config or checkpoint content)' in messages(records)
    # an image replaced under its name, same size: not reused
    size = os.path.getsize(osp.join(images, 'a.png'))
    img = cv2.imread(osp.join(images, 'a.png'))
    cv2.imwrite(osp.join(images, 'a.png'), img[::-1].copy())
    assert os.path.getsize(osp.join(images, 'a.png')) == size
    with log_records() as records:
        assert not write_teacher_labels(teachers, images, out)['reused']
    assert '1 changed content' in messages(records)
    # another image set into the same folder: the old images do not stay
    other = _images(tmp_path / 'in2', ['c.png'], seed=9)
    with log_records() as records:
        info = write_teacher_labels(teachers, other, out)
    assert info['num_images'] == 1 and os.listdir(osp.join(out, 'images')) == ['c.png']
    assert 'replaced the earlier run' in messages(records)


def test_distill_labels_folder_is_never_a_users_folder_or_the_inputs(tmp_path, seg_teacher):
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    config, ckpt, _ = seg_teacher
    images = _images(tmp_path / 'in', ['a.png'])
    (tmp_path / 'mine').mkdir()
    (tmp_path / 'mine' / 'notes.txt').write_text('keep')
    with pytest.raises(ExistingOutputError, match=r'mine is not empty and was not written by '
                       'an earlier teacher labels run'):
        write_teacher_labels([('seg', config, ckpt)], images, str(tmp_path / 'mine'))
    with pytest.raises(OutputOverwritesInputError, match=r'folder .*in, which holds the '
                       r'input .*in'):
        write_teacher_labels([('seg', config, ckpt)], images, images)
    assert os.listdir(tmp_path / 'in') == ['a.png']


# ---------------------------------------------------------------- pose annotations
def test_pose_file_name_cannot_leave_the_data_root(tmp_path):
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    from tests.helpers.pose_data import write_goliath_coco
    root = tmp_path / 'data'
    ann = write_goliath_coco(str(root), num_images=2, persons=1)
    cv2.imwrite(str(tmp_path / 'outside.png'), _img(0, (96, 128)))
    coco = json.loads(open(ann).read())
    coco['images'][1]['file_name'] = '../outside.png'
    with open(ann, 'w') as f:
        json.dump(coco, f)
    init_default_scope('mmpose')
    with pytest.raises(UnsafePathError, match=r"'\.\./outside\.png' in .*annotations\.json: "
                       r'annotation id=2 .* outside its root'):
        DATASETS.build(dict(type='Goliath308Dataset', data_root=str(root), ann_file=ann,
                            data_mode='topdown', pipeline=[]))
