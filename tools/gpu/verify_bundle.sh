#!/usr/bin/env bash
# Check the GPU bundle here, without a GPU: a stand-in for the GPU image, then install.sh and the
# dry run of check.py in it.
#
#     bash tools/gpu/build_bundle.sh && bash tools/gpu/verify_bundle.sh
#
# The stand-in (build/gpu_image_sim, ignored) is a fresh Python 3.12 venv that sees torch 2.11 of
# the build venv (a .pth file, no copy), torchvision 0.26.0 and, from the registry, exactly those
# packages of tools/gpu/image_packages.txt that the bundle's wheels require: what the image has,
# and nothing of the OpenMMLab stack. Then tools/gpu/install.sh installs the bundle into it with
# --no-index, and `check.py --device cpu --tiny` runs every part there (report: $OUT, default
# outputs/gpu_check_sim). A few minutes; the registry is used only for the stand-in.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="${GPU_BUNDLE_DIR:-$ROOT/gpu_bundle}"
BVENV="${GPU_BUNDLE_VENV:-$ROOT/build/gpu_bundle_venv}"
SIM="$ROOT/build/gpu_image_sim"
PY312="${PYTHON312:-$HOME/.pyenv/versions/3.12.1/bin/python}"
OUT_DIR="${OUT:-$ROOT/outputs/gpu_check_sim}"
log() { printf '[verify_bundle] %s\n' "$*" >&2; }

[[ -x "$BVENV/bin/python" && -f "$BUNDLE/bundle_requirements.txt" ]] || {
    echo "verify_bundle.sh: run tools/gpu/build_bundle.sh first" >&2; exit 2; }
rm -rf "$SIM"
"$PY312" -m venv "$SIM"
SIM_PY="$SIM/bin/python"
"$BVENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' \
    > "$("$SIM_PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/zz_image_torch.pth"
# the image's packages that the bundle's wheels require (the names build_bundle.sh left out)
"$BVENV/bin/python" - "$BUNDLE" "$ROOT/tools/gpu/image_packages.txt" "$ROOT/requirements/runtime.txt" \
    > "$SIM/image_reqs.txt" <<'EOF'
import glob, re, sys, zipfile
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
bundle, image_list, runtime = sys.argv[1:]
image = {canonicalize_name(l.strip()) for l in open(image_list) if l.strip() and not l.startswith('#')}
# sapiens_mm's own requirements (mmseg's undeclared ftfy / regex among them) and psutil
need = {canonicalize_name(re.split('[<>=; ]', l.strip())[0]) for l in open(runtime)
        if l.strip() and not l.startswith('#')} & image | {'psutil'}
for w in glob.glob(f'{bundle}/*.whl'):
    with zipfile.ZipFile(w) as z:
        meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
        for line in z.read(meta).decode().splitlines():
            if line.startswith('Requires-Dist:'):
                r = Requirement(line.split(':', 1)[1].strip())
                if r.marker is None or r.marker.evaluate({'extra': ''}):
                    if canonicalize_name(r.name) in image:
                        need.add(canonicalize_name(r.name))
print('\n'.join(sorted(need - {'torch', 'torchvision', 'setuptools', 'numpy'})))
EOF
log "stand-in image: $(tr '\n' ' ' < "$SIM/image_reqs.txt")"
"$SIM_PY" -m pip install -q --disable-pip-version-check -r "$SIM/image_reqs.txt" huggingface_hub safetensors
"$SIM_PY" -m pip install -q --disable-pip-version-check --no-deps torchvision==0.26.0
# setuptools in the venv's own site-packages, as in the image: its distutils-precedence.pth
# provides `distutils` on Python 3.12, which mmengine's Runner imports (collect_env)
"$SIM_PY" -m pip install -q --disable-pip-version-check --ignore-installed "setuptools>=77,<81"
PYTHON="$SIM_PY" bash "$ROOT/tools/gpu/install.sh"
log "dry run of check.py in the stand-in -> $OUT_DIR"
OMP_NUM_THREADS=1 "$SIM_PY" "$ROOT/tools/gpu/check.py" --device cpu --tiny --out "$OUT_DIR" \
    --budget 3000 --part-seconds 600 | tail -n 20
"$SIM_PY" - "$OUT_DIR/gpu_report.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [(p['task'], p['part'], p.get('error')) for p in r['parts'] if p['status'] != 'ok']
assert not bad, f'parts that did not pass: {bad}'
assert r['mmcv_ext_calls'] == {}, r['mmcv_ext_calls']
print(f"[verify_bundle] all {len(r['parts'])} parts ok with Python {r['environment']['python']}, "
      f"torch {r['environment']['torch']}; no mmcv compiled op called")
EOF
