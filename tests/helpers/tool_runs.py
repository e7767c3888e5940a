"""Running the real ``tools/*.py`` in a subprocess and reading the runner's json logs."""
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
