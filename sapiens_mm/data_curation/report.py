"""Output files of a curation run, all written atomically (temporary file + ``os.replace``).

``kept.txt``        the kept image paths, one a line, in input order
``rejected.tsv``    ``path<TAB>reason<TAB>detail`` (detail: why an unreadable file is unusable)
``report.json``     thresholds, detector, counts per reason, detection count, this run's speed,
                    the first unreadable files
``histograms.png``  detection scores, box sides of confident detections (thresholds marked)
                    and the outcome counts
"""
import json
import os.path as osp
from typing import List

import numpy as np

from sapiens_mm.utils.fileio import atomic_save, atomic_write_text

__all__ = ['write_outputs', 'plot_histograms']


def write_outputs(out_dir: str, records: List[dict], report: dict, criteria) -> None:
    """Write the four files above into ``out_dir``."""
    atomic_write_text(osp.join(out_dir, 'kept.txt'),
                      ''.join(p + '\n' for p in report['kept']))
    atomic_write_text(osp.join(out_dir, 'rejected.tsv'),
                      ''.join('\t'.join(r) + '\n' for r in report['rejected']))
    summary = {k: v for k, v in report.items() if k not in ('kept', 'rejected')}
    summary['unreadable_examples'] = [r[0] + ': ' + r[2] for r in report['rejected']
                                      if r[1] == 'unreadable'][:20]
    atomic_write_text(osp.join(out_dir, 'report.json'), json.dumps(summary, indent=1) + '\n')
    plot_histograms(osp.join(out_dir, 'histograms.png'), records, report, criteria)


def plot_histograms(path: str, records: List[dict], report: dict, criteria) -> None:
    """Three panels: all detection scores; sides of detections above the score threshold;
    images per outcome. Thresholds are dashed red lines."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt

    scores = np.concatenate([np.asarray(r.get('scores', []), np.float64) for r in records]
                            or [np.zeros(0)])
    sides = [criteria.sides(r['boxes'])[np.asarray(r['scores']) > criteria.score_thr]
             for r in records if r.get('scores')]
    sides = np.concatenate(sides) if sides else np.zeros(0)

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    ax = axes[0]
    ax.hist(scores, bins=np.linspace(0, 1, 41), color='tab:blue')
    ax.axvline(criteria.score_thr, color='red', ls='--', label=f'> {criteria.score_thr:g}')
    ax.set(title=f'detection scores ({scores.size} detections)', xlabel='score',
           ylabel='detections')
    ax.legend()
    ax = axes[1]
    top = max(float(sides.max()) if sides.size else 0.0, criteria.min_box_side * 1.5, 1.0)
    ax.hist(sides, bins=np.linspace(0, top, 41), color='tab:green')
    ax.axvline(criteria.min_box_side, color='red', ls='--',
               label=f'> {criteria.min_box_side:g} px')
    ax.set(title=f'{criteria.box_side}(w, h) of detections with score > {criteria.score_thr:g}',
           xlabel='box side [px]', ylabel='detections')
    ax.legend()
    ax = axes[2]
    names = list(report['reasons'])
    order = ['kept', 'unreadable', 'no_person', 'low_score', 'small_box']
    names = [n for n in order if n in names] + sorted(n for n in names if n not in order)
    counts = [report['reasons'][n] for n in names]
    bars = ax.bar(range(len(names)), counts,
                  color=['tab:green' if n == 'kept' else 'tab:gray' for n in names])
    ax.bar_label(bars)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set(title=f'{report["num_kept"]} of {report["num_images"]} images kept',
           ylabel='images')
    fig.tight_layout()
    try:
        atomic_save(path, lambda p: fig.savefig(p, dpi=80))
    finally:
        plt.close(fig)
