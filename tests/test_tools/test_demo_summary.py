"""tools/misc/demo_summary.py: the results table from tools/test.py's metric files and the
baselines' files, with the demo's pointmap row."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KEYS = 'pointmap/l2_mean,pointmap/within_10_cm,pointmap_aligned/l2_mean'


def _metrics_file(work_dir: Path, stamp: str, records: list) -> None:
    """What tools/test.py writes: ``{work_dir}/{stamp}/{stamp}.json``, one record a line."""
    (work_dir / stamp).mkdir(parents=True)
    (work_dir / stamp / f'{stamp}.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))


def test_the_pointmap_row(tmp_path):
    _metrics_file(tmp_path / 'untrained', '20250101_000000',
                  [{'pointmap/l2_mean': 10.97, 'pointmap/within_10_cm': 0.0,
                    'pointmap_aligned/l2_mean': 3.5}])
    # a training log's loss records are skipped: the metrics record is read
    _metrics_file(tmp_path / 'trained', '20250101_010000',
                  [{'pointmap/l2_mean': 0.61234, 'pointmap/within_10_cm': 0.125,
                    'pointmap_aligned/l2_mean': 0.4}, {'loss': 1.0, 'lr': 1e-3}])
    (tmp_path / 'plane' / 'baseline').mkdir(parents=True)
    (tmp_path / 'plane' / 'baseline' / 'baseline.json').write_text(json.dumps(
        {'pointmap/l2_mean': 0.7237, 'pointmap/within_10_cm': 0.1024}) + '\n')
    out = tmp_path / 'summary.md'
    subprocess.run([sys.executable, str(REPO / 'tools/misc/demo_summary.py'), '--out', str(out),
                    '--row', 'pointmap', str(tmp_path / 'untrained'), str(tmp_path / 'trained'),
                    KEYS, str(tmp_path / 'plane')], check=True, capture_output=True)
    lines = out.read_text().splitlines()
    assert lines[2:] == [
        '| pointmap | pointmap/l2_mean | 10.9700 | 0.7237 | 0.6123 |',
        '| pointmap | pointmap/within_10_cm | 0.0000 | 0.1024 | 0.1250 |',
        '| pointmap | pointmap_aligned/l2_mean | 3.5000 | - | 0.4000 |']
