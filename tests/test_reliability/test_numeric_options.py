"""Numeric options that make no sense are refused while the arguments are parsed, naming the
option (argparse's usage error, exit status 2), not accepted or failing deep inside a run.

On 2654df0 ``--batch-size 0``, ``--workers -1``, ``--kpt-thr nan`` were accepted by
``sapiens-infer``, and ``tools/dist_infer.sh INPUT 0`` reached torchrun."""
import os
import subprocess

import pytest

from sapiens_mm.cli.infer_args import parse_args

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = ['in/', '--out', 'out/', '--model', 'sapiens_0.3b_seg_goliath']


@pytest.mark.parametrize('option,value,why', [
    ('--batch-size', '0', '0 must be a positive integer'),
    ('--batch-size', 'two', "'two' is not an integer"),
    ('--workers', '-1', '-1 must be an integer >= 0'),
    ('--kpt-thr', 'nan', "'nan' must be a finite number"),
    ('--kpt-thr', 'inf', "'inf' must be a finite number"),
    ('--kpt-thr', '1.5', '1.5 must be between 0 and 1'),
])
def test_infer_refuses_senseless_numbers(option, value, why, capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(BASE + [option, value])
    assert e.value.code == 2
    assert f'argument {option}: {why}' in capsys.readouterr().err


def test_infer_takes_sensible_numbers():
    args = parse_args(BASE + ['--batch-size', '1', '--workers', '0', '--kpt-thr', '0'])
    assert (args.batch_size, args.workers, args.kpt_thr) == (1, 0, 0.0)


@pytest.mark.parametrize('n', ['0', '-2', 'x'])
def test_dist_infer_refuses_a_process_count_below_one(n, tmp_path):
    r = subprocess.run(['bash', os.path.join(ROOT, 'tools', 'dist_infer.sh'), str(tmp_path), n,
                        '--out', str(tmp_path / 'out')], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2
    assert f"N, the number of processes, must be a positive integer (got '{n}')" in r.stderr
    assert not (tmp_path / 'out').exists()


def test_sharded_inference_refuses_world_size_zero(monkeypatch):
    from sapiens_mm.apis.dist_inference import init_sharded_inference
    for k, v in dict(RANK='0', WORLD_SIZE='0', MASTER_ADDR='127.0.0.1',
                     MASTER_PORT='29500').items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ValueError, match=r"WORLD_SIZE='0': the number of processes must be"):
        init_sharded_inference('cpu')
