"""Running the real ``tools/*.py`` (and the commands' ``--help``) in a subprocess and reading
the runner's json logs."""
import ast
import json
import subprocess
import sys


def run(args, cwd):
    """``python ARGS`` in ``cwd``; a non-zero exit fails the test with the output's tail."""
    out = subprocess.run([sys.executable] + [str(a) for a in args], capture_output=True,
                         text=True, cwd=cwd, timeout=600)
    assert out.returncode == 0, (out.stdout[-3000:], out.stderr[-3000:])
    return out


def logged(work_dir):
    """Records of the runner's json log ``{work_dir}/{timestamp}/[vis_data/]{timestamp}.json``."""
    paths = [p for p in work_dir.rglob('*.json') if p.stem == p.parent.name
             or p.stem == p.parent.parent.name]
    return [json.loads(line) for path in sorted(paths)
            for line in path.read_text().splitlines()]


def help_run(argv0, module, cwd):
    """``sapiens_mm.cli.<module>.run()`` in a fresh interpreter with ``sys.argv =
    [argv0, '--help']``. Returns (stdout, exit code, the heavy libraries it imported of
    torch, mmengine, mmpose, mmseg)."""
    code = (f"import sys; sys.argv = [{str(argv0)!r}, '--help']\n"
            f"from sapiens_mm.cli.{module} import run\n"
            "try:\n    run()\nexcept SystemExit as e:\n    rc = e.code\n"
            "heavy = sorted(m for m in ('torch', 'mmengine', 'mmpose', 'mmseg') "
            "if m in sys.modules)\n"
            "print('RESULT', repr((rc, heavy)))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         timeout=120, cwd=str(cwd))
    assert out.returncode == 0, out.stderr
    assert 'RESULT ' in out.stdout, out.stdout[-500:]
    head, result = out.stdout.rsplit('RESULT ', 1)
    rc, heavy = ast.literal_eval(result.strip())
    return head, rc, heavy


def assert_loss_falls(losses, k: int, ratio: float, what: str = 'loss'):
    """The mean of the last ``k`` logged losses is below ``ratio`` x the mean of the first
    ``k`` (a model whose weights do not learn keeps its loss, up to noise); every loss finite."""
    import numpy as np
    losses = np.asarray(losses, dtype=np.float64)
    assert len(losses) >= 2 * k and np.isfinite(losses).all(), losses
    first, last = losses[:k].mean(), losses[-k:].mean()
    assert last < ratio * first, \
        f'{what} did not fall: first {k} mean {first:.4g}, last {k} mean {last:.4g} ' \
        f'(need < {ratio} x); all: {np.round(losses, 4).tolist()}'
    return first, last
