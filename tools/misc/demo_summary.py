"""Table of the demo's evaluation results: untrained vs trained, per task and metric.

    python tools/misc/demo_summary.py --out SUMMARY.md \
        --row pose outputs/demo/pose_untrained outputs/demo/pose_test goliath/AP,goliath/body/AP - \
        --row depth ... depth/aligned_abs_rel outputs/demo/baselines/depth

Each work dir holds the ``<timestamp>/<timestamp>.json`` metrics file that ``tools/test.py``
writes; the newest is read. The last argument of a row is a work dir with trivial-baseline
metrics (``tools/misc/dense_baselines.py``) or ``-``. Missing results are shown as "-". Prints
the table too.
"""
import argparse
import glob
import json
import os


def latest_metrics(work_dir: str) -> dict:
    files = sorted(glob.glob(os.path.join(work_dir, '*', '*.json')), key=os.path.getmtime)
    for path in reversed(files):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        for record in reversed(lines):
            if not any(k in record for k in ('lr', 'loss')):  # a test/val metrics record
                return record
    return {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--row', nargs=5, action='append', default=[],
                        metavar=('TASK', 'UNTRAINED_DIR', 'TRAINED_DIR', 'KEYS', 'BASELINE_DIR'))
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    lines = ['| task | metric | untrained | trivial baseline | trained |',
             '| --- | --- | --- | --- | --- |']
    for task, untrained_dir, trained_dir, keys, baseline_dir in args.row:
        before, after = latest_metrics(untrained_dir), latest_metrics(trained_dir)
        baseline = latest_metrics(baseline_dir) if baseline_dir != '-' else {}
        for key in keys.split(','):
            cells = [f'{d[key]:.4f}' if key in d else '-' for d in (before, baseline, after)]
            lines.append(f'| {task} | {key} | ' + ' | '.join(cells) + ' |')
    table = '\n'.join(lines) + '\n'
    with open(args.out, 'w') as f:
        f.write(table)
    print(table)


if __name__ == '__main__':
    main()
