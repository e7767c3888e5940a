#!/usr/bin/env bash
# Build, on this CPU machine, the offline wheel bundle that sapiens_mm needs on the GPU machine.
#
# The GPU machine (tools/gpu/README.md) reaches no package registry. Its image has Python 3.12,
# torch 2.11.0+cu130, torchvision 0.26.0, numpy 2 and the packages in tools/gpu/image_packages.txt,
# but none of the OpenMMLab stack. This script puts into gpu_bundle/ (ignored by git; override
# with GPU_BUNDLE_DIR) wheels for cp312 of:
#   * mmengine, mmpretrain, mmpose, mmsegmentation, mmdet: the versions requirements/mminstall.txt
#     allows, newest first, as tools/setup_env.sh installs them here;
#   * every requirement of those that the image lacks (found by reading the wheels' metadata until
#     nothing is missing; chumpy and opencv-python are left out as in setup_env.sh: chumpy does not
#     build and is never imported, the image has opencv-python-headless);
#   * xtcocotools, compiled for cp312 against numpy 2;
#   * mmcv 2.1.0 compiled against torch 2.11.0 for cp312 with CPU ops only (no CUDA toolkit here).
#     CPU ops are enough: no sapiens_mm task model calls an mmcv compiled op, on any device
#     (tests/test_tools/test_gpu_check.py::test_task_models_call_no_mmcv_compiled_op records every
#     call into mmcv._ext while the four task models of the 0.3B configs, shrunk to the tiny arch,
#     train, predict and run the inferencer). mmcv._ext must still exist because mmdet and mmcv.ops
#     import it. Not covered: mmdet person detectors (sapiens_mm.apis person detection) whose nms /
#     RoIAlign would need mmcv's CUDA ops on a GPU tensor; tools/gpu/check.py does not use them.
#
# The build needs a Python 3.12 venv with torch 2.11 (a multi-GB CUDA wheel from the registry, which
# runs here without a GPU): build/gpu_bundle_venv (GPU_BUNDLE_VENV). The mmcv wheel is cached like
# setup_env.sh's, in $SAPIENS_MM_CACHE/mmcv-2.1.0/torch-<version>-cpu-cp312/ (first time: about
# 10 min of compiling on 2 idle cores; 63 min measured on a 2-core machine under load 10-15).
# Idempotent: a second run reuses the venv, the cached mmcv and the wheels already in the bundle,
# and only re-checks (9 s). Prints the size of each wheel and the total (13.9 MiB measured), which
# must stay under 64 MiB with the tracked files (the device tool carries at most 64 MiB in all).
# Verified here: tools/gpu/install.sh into a fresh Python 3.12 venv that sees only torch 2.11,
# torchvision 0.26 and the image's packages, then `check.py --device cpu --tiny` in it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${GPU_BUNDLE_DIR:-$ROOT/gpu_bundle}"
BVENV="${GPU_BUNDLE_VENV:-$ROOT/build/gpu_bundle_venv}"
PY312="${PYTHON312:-$HOME/.pyenv/versions/3.12.1/bin/python}"
CACHE="${SAPIENS_MM_CACHE:-$HOME/.cache/sapiens_mm}"
TORCH_VERSION=2.11.0
MMCV_VERSION=2.1.0
MAX_MIB=64
# The same ranges as requirements/mminstall.txt / tools/setup_env.sh.
MM_PACKAGES=("mmengine>=0.10.4,<0.11" "mmpretrain>=1.2.0,<1.3" "mmsegmentation>=1.2.2,<1.3"
             "mmdet>=3.3.0,<3.4" "mmpose>=1.3.2,<1.4")
# sapiens_mm's own runtime requirements beyond the mm* packages (requirements/runtime.txt).
EXTRA_PACKAGES=(json_tricks munkres ftfy "xtcocotools>=1.14")

log() { printf '[build_bundle] %s\n' "$*" >&2; }
t0=$SECONDS

# ---- build venv: Python 3.12 + torch 2.11 (the image's versions) ------------------------------
PY="$BVENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check --no-input)
if [[ ! -x "$PY" ]]; then
    [[ -x "$PY312" ]] || { echo "build_bundle.sh: no Python 3.12 at $PY312 (set PYTHON312)" >&2; exit 2; }
    log "creating build venv $BVENV with $("$PY312" --version)"
    "$PY312" -m venv "$BVENV"
fi
if ! "$PY" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    log "torch $TORCH_VERSION into the build venv (several GB on the first download)"
    "${PIP[@]}" install -q --upgrade pip
    # setuptools < 70: mmcv 2.1.0's setup.py needs pkg_resources.packaging. This venv only builds.
    "${PIP[@]}" install -q wheel cython "numpy>=2" ninja "setuptools<70" opencv-python-headless
    "${PIP[@]}" install -q "torch==$TORCH_VERSION"
fi
read -r TORCH_V PYTAG < <("$PY" -c "import sys, torch; print(torch.__version__, f'cp{sys.version_info[0]}{sys.version_info[1]}')")
[[ "$PYTAG" == cp312 ]] || { echo "build_bundle.sh: build venv is $PYTAG, need cp312" >&2; exit 2; }
mkdir -p "$OUT"

# ---- mmcv 2.1.0, CPU ops, against torch 2.11, cached ------------------------------------------
WHEEL_DIR="$CACHE/mmcv-$MMCV_VERSION/torch-$TORCH_V-cpu-$PYTAG"
if ! compgen -G "$WHEEL_DIR/mmcv-*.whl" >/dev/null; then
    log "building mmcv $MMCV_VERSION (CPU ops) for torch $TORCH_V $PYTAG; ~10 min on 2 idle cores"
    BUILD="$(mktemp -d)"
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-*.tar.gz -C "$BUILD"
    SRC="$(find "$BUILD" -maxdepth 1 -type d -name 'mmcv-*' | head -n1)"
    # torch 2.11's headers need C++17; mmcv 2.1.0 asks for c++14 on some paths.
    sed -i -e 's/-std=c++14/-std=c++17/g' "$SRC/setup.py"
    mkdir -p "$WHEEL_DIR.tmp"
    # FORCE_CUDA=0 and no GPU here: CppExtension with the CPU kernels only.
    MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "${PIP[@]}" wheel -q --no-deps --no-build-isolation -w "$WHEEL_DIR.tmp" "$SRC"
    # Drop the debug symbols of the extension (the wheel shrinks several-fold; code unchanged).
    UNP="$(mktemp -d)"
    "$PY" -m wheel unpack -d "$UNP" "$WHEEL_DIR.tmp"/mmcv-*.whl
    find "$UNP" -name '_ext*.so' -exec strip --strip-debug {} +
    rm "$WHEEL_DIR.tmp"/mmcv-*.whl
    "$PY" -m wheel pack -d "$WHEEL_DIR.tmp" "$UNP"/mmcv-*
    rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # publish only a finished wheel
    rm -rf "$BUILD" "$UNP"
else
    log "reusing cached mmcv wheel from $WHEEL_DIR"
fi
rm -f "$OUT"/mmcv-*.whl
cp "$WHEEL_DIR"/mmcv-*.whl "$OUT/"

# ---- xtcocotools against numpy 2 (the registry's cp312 wheel is built for numpy 1) -------------
if ! compgen -G "$OUT/xtcocotools-*.whl" >/dev/null; then
    log "building xtcocotools for $PYTAG against numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
    "${PIP[@]}" wheel -q --no-deps --no-build-isolation --no-binary xtcocotools -w "$OUT" "xtcocotools>=1.14"
fi

# ---- the OpenMMLab packages and every requirement the image lacks -----------------------------
# Repeat: read the Requires-Dist of every wheel in the bundle (markers evaluated for this cp312
# Linux Python); fetch the ones neither in the bundle nor in the image; stop when none is missing.
missing_reqs() {
    "$PY" - "$OUT" "$ROOT/tools/gpu/image_packages.txt" <<'EOF'
import sys, zipfile, glob, os
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename
out, image_list = sys.argv[1:]
image = {canonicalize_name(l.strip()) for l in open(image_list) if l.strip() and not l.startswith('#')}
# chumpy (mmpose): does not build, never imported. opencv-python (mmengine, mmpose): the image has
# the headless build of the same cv2.
skip = {'chumpy', 'opencv-python'}
have = {canonicalize_name(parse_wheel_filename(os.path.basename(w))[0]) for w in glob.glob(f'{out}/*.whl')}
need = {}
for w in sorted(glob.glob(f'{out}/*.whl')):
    with zipfile.ZipFile(w) as z:
        meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
        for line in z.read(meta).decode().splitlines():
            if not line.startswith('Requires-Dist:'):
                continue
            r = Requirement(line.split(':', 1)[1].strip())
            if r.marker is not None and not r.marker.evaluate({'extra': ''}):
                continue
            n = canonicalize_name(r.name)
            if n not in image | have | skip:
                need[n] = str(r)
print('\n'.join(need.values()))
EOF
}
for pkg in "${MM_PACKAGES[@]}" "${EXTRA_PACKAGES[@]}"; do
    name="${pkg%%[<>=]*}"
    if ! compgen -G "$OUT/${name}-*.whl" >/dev/null; then
        log "fetching $pkg"
        "${PIP[@]}" wheel -q --no-deps -w "$OUT" "$pkg"
    fi
done
for round in 1 2 3 4 5 6; do
    mapfile -t need < <(missing_reqs | sed '/^$/d')
    [[ ${#need[@]} -eq 0 ]] && break
    log "round $round: fetching ${need[*]}"
    "${PIP[@]}" wheel -q --no-deps -w "$OUT" "${need[@]}"
done
[[ -z "$(missing_reqs)" ]] || { echo "build_bundle.sh: still missing: $(missing_reqs)" >&2; exit 1; }

# ---- the list install.sh installs, and the sizes ---------------------------------------------
"$PY" - "$OUT" <<'EOF'
import sys, glob, os
from packaging.utils import parse_wheel_filename
out = sys.argv[1]
names = {}
for w in sorted(glob.glob(f'{out}/*.whl')):
    name, version, _, tags = parse_wheel_filename(os.path.basename(w))
    if name in names:
        sys.exit(f'build_bundle.sh: two wheels of {name} in {out}; delete the folder and rerun')
    # pure (py3-none), cp312, or the stable ABI of an older CPython 3 (cp3N-abi3, N <= 12)
    ok = lambda t: (t.interpreter in ('py3', 'py2') and t.abi == 'none') or \
        (t.interpreter == 'cp312' and t.abi in ('cp312', 'none', 'abi3')) or \
        (t.abi == 'abi3' and t.interpreter.startswith('cp3') and int(t.interpreter[3:]) <= 12)
    bad = [t for t in tags if not ok(t) or not (t.platform == 'any' or 'x86_64' in t.platform)]
    if bad:
        sys.exit(f'build_bundle.sh: {w} is not for cp312 ({bad[0]})')
    names[name] = str(version)
with open(f'{out}/bundle_requirements.txt', 'w') as f:
    f.write(''.join(f'{n}=={v}\n' for n, v in sorted(names.items())))
EOF
log "bundle $OUT ($((SECONDS - t0)) s):"
du -b "$OUT"/*.whl | sort -rn | awk '{printf "  %8.2f MiB  %s\n", $1/1048576, $2}' >&2
total=$(du -cb "$OUT" | tail -1 | cut -f1)
tree=$(cd "$ROOT" && git ls-files -z | xargs -0 du -cb 2>/dev/null | awk '/total$/{s+=$1} END{print s}')
awk -v b="$total" -v t="$tree" -v m="$MAX_MIB" 'BEGIN{printf "[build_bundle] total %.2f MiB (+ %.2f MiB of tracked files = %.2f MiB; limit %d MiB)\n", b/1048576, t/1048576, (b+t)/1048576, m}' >&2
if (( total + tree > MAX_MIB * 1048576 )); then
    echo "build_bundle.sh: bundle plus tree exceeds $MAX_MIB MiB" >&2; exit 1
fi
