"""Distil single-task Sapiens teachers into one multi-task student on unlabelled images.

    sapiens-distill-multitask STUDENT_CONFIG --images DIR \
        --teacher pose POSE_CONFIG POSE_CKPT --teacher seg SEG_CONFIG SEG_CKPT \
        --teacher depth DEPTH_CONFIG DEPTH_CKPT --teacher normal NORMAL_CONFIG NORMAL_CKPT \
        --pretrained BACKBONE.pth --work-dir DIR [--labels-dir DIR] [--kpt-thr 0.3]
        [--max-images N] [--no-val] [--labels-only] [--cfg-options KEY=VALUE ...]

1. The teachers (a checkpoint may be a file or a released name, e.g. the four released 0.3B
   task models) label the images of ``--images`` in inference mode; their outputs are written
   (checked) as a labelled folder, ``--labels-dir`` (default ``WORK_DIR/teacher_labels``),
   which is reused when the same teachers (config and checkpoint content) already labelled
   the same images (by content), and otherwise replaced as a whole (never a mix of two runs);
   images that do not decode whole are skipped and counted
   (:func:`sapiens_mm.apis.multitask_distillation.write_teacher_labels`).
2. The student (a ``SapiensMultiTask`` config, e.g.
   ``configs/sapiens_multitask/synthetic/sapiens_tiny_multitask_synthetic-128x96.py``) trains
   on that folder with the stock mmengine runner, its backbone initialised from
   ``--pretrained`` (an MAE checkpoint); heads without a teacher are dropped. Validation runs
   on the config's labelled validation set unless ``--no-val``.
"""
import argparse
import os.path as osp
import sys
from typing import Optional, Sequence

from sapiens_mm.cli.errors import console_command


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('config', help='student config (SapiensMultiTask model)')
    p.add_argument('--images', required=True, help='folder of unlabelled images')
    p.add_argument('--teacher', nargs=3, action='append', default=[],
                   metavar=('TASK', 'CONFIG', 'CHECKPOINT'),
                   help='a single-task teacher: pose|seg|depth|normal, its config and its '
                   'checkpoint (file or released name); repeat per task')
    p.add_argument('--pretrained', default=None,
                   help='backbone checkpoint the student starts from (e.g. the MAE one); '
                   "default: the config's model.backbone.init_cfg")
    p.add_argument('--work-dir', required=True, help='training work dir')
    p.add_argument('--labels-dir', default=None,
                   help='where the teacher labels go (default WORK_DIR/teacher_labels)')
    p.add_argument('--kpt-thr', type=float, default=0.3,
                   help='teacher keypoint score from which a keypoint is a label')
    p.add_argument('--max-images', type=int, default=None, help='label the first N images')
    p.add_argument('--batch-size', type=int, default=4, help='teacher batch size')
    p.add_argument('--device', default='cpu', help='teacher device')
    p.add_argument('--no-reuse', action='store_true',
                   help='relabel even if the labels folder was made by the same teachers')
    p.add_argument('--labels-only', action='store_true', help='write the labels, no training')
    p.add_argument('--no-val', action='store_true', help='no validation during training')
    p.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                   help='override student config settings (mmengine DictAction syntax)')
    return p


def student_config(config: str, labels_dir: str, tasks: Sequence[str], work_dir: str,
                   pretrained: Optional[str] = None, no_val: bool = False,
                   cfg_options: Optional[dict] = None):
    """The student's training config: data from ``labels_dir``, only the heads (and metrics)
    of ``tasks``, backbone from ``pretrained``."""
    from sapiens_mm.utils.config_paths import read_config
    cfg = read_config(config)
    if cfg.model.get('type') != 'SapiensMultiTask':
        raise ValueError(f'{config}: the student must be a SapiensMultiTask model, got '
                         f'{cfg.model.get("type")}')
    tasks = list(tasks)
    missing = [t for t in tasks if t not in cfg.model.heads]
    if missing:
        raise ValueError(f'{config}: the student has no head for the teacher task(s) {missing}')
    cfg.model.heads = {t: h for t, h in cfg.model.heads.items() if t in tasks}
    if cfg.model.get('loss_weights'):
        cfg.model.loss_weights = {t: w for t, w in cfg.model.loss_weights.items() if t in tasks}
    cfg.train_dataloader.dataset.data_root = labels_dir
    cfg.train_dataloader.dataset.tasks = tasks
    if pretrained is not None:
        if not osp.isfile(pretrained):
            raise FileNotFoundError(f'--pretrained {pretrained}: file not found')
        cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=pretrained)
    for split in ('val', 'test'):
        ev = cfg.get(f'{split}_evaluator')
        if isinstance(ev, dict) and ev.get('type') == 'MultiTaskEvaluator':
            ev.metrics = {t: m for t, m in ev.metrics.items() if t in tasks}
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, dict) and 'dataset' in loader:
            loader.dataset.tasks = [t for t in tasks if t in ev.metrics] \
                if isinstance(ev, dict) and 'metrics' in ev else tasks
    if no_val:
        cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
        cfg.train_cfg.pop('val_interval', None)
        cfg.train_cfg.val_begin = 10**9
    cfg.work_dir = work_dir
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def main(argv: Optional[Sequence[str]] = None) -> int:
    from mmengine.config import DictAction  # noqa: F401  (parsing below)
    parser = _parser()
    args = parser.parse_args(argv)
    cfg_options = None
    if args.cfg_options:
        action = DictAction(option_strings=[], dest='cfg_options')
        ns = argparse.Namespace()
        action(parser, ns, args.cfg_options)
        cfg_options = ns.cfg_options
    if not args.teacher:
        parser.error('give at least one --teacher TASK CONFIG CHECKPOINT')
    import sapiens_mm
    sapiens_mm.register_all()  # the classes, the weights-only loader
    from sapiens_mm.engine.runner import build_runner
    from sapiens_mm.apis.multitask_distillation import write_teacher_labels
    labels_dir = args.labels_dir or osp.join(args.work_dir, 'teacher_labels')
    teachers = [(t, c, k) for t, c, k in args.teacher]
    info = write_teacher_labels(teachers, args.images, labels_dir, kpt_thr=args.kpt_thr,
                                device=args.device, batch_size=args.batch_size,
                                max_images=args.max_images, reuse=not args.no_reuse)
    print(f'teacher labels: {info["num_images"]} images, tasks {", ".join(info["tasks"])}'
          f'{" (reused: same teachers and images, by content)" if info["reused"] else ""} in '
          f'{labels_dir}' + (f'; {len(info["skipped"])} unreadable image(s) skipped, e.g. '
                             f'{info["skipped"][0]}' if info['skipped'] else ''))
    if 'pose' in info['tasks'] and info['num_pose'] == 0:
        raise ValueError(f'the pose teacher labelled no keypoint with a score >= --kpt-thr '
                         f'{args.kpt_thr} on any of the {info["num_images"]} images of '
                         f'{args.images}; lower --kpt-thr or check the pose teacher')
    if args.labels_only:
        return 0
    cfg = student_config(args.config, labels_dir, info['tasks'], args.work_dir,
                         args.pretrained, args.no_val, cfg_options)
    build_runner(cfg).train()
    return 0


#: the console command (setup.py): main with bad input reported in one line
run = console_command(main)


if __name__ == '__main__':
    sys.exit(run())
