#!/usr/bin/env bash
# Create (or bring up to date) the project's virtual environment at <repo>/.venv.
#
# Idempotent: a stamp file records a hash of requirements/*.txt and this script; when it matches,
# the script returns at once. Runs unattended on a fresh machine (Python 3.11, no GPU needed).
#
# The OpenMMLab stack does not install by itself on current PyTorch (see README "Install"):
#   * torch/torchvision: the registry's CUDA builds (they run on CPU as well);
#   * mmcv 2.1.0: built from its sdist with C++20 (torch >= 2.15 headers need it) and cached as a
#     wheel keyed by the torch version, CUDA/CPU ops and Python tag it was compiled against
#     (pip's own wheel cache is keyed by the sdist only and would reuse a wheel built for another
#     torch). Cache root: $SAPIENS_MM_CACHE (default ~/.cache/sapiens_mm);
#   * xtcocotools: built from source against numpy 2;
#   * mmpose: installed without its declared deps (chumpy does not build and is never imported).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
CACHE="${SAPIENS_MM_CACHE:-$HOME/.cache/sapiens_mm}"
STAMP="$VENV/.sapiens_mm_setup"
MMCV_VERSION=2.1.0

log() { printf '[setup_env] %s\n' "$*" >&2; }

want_hash="$(cat "$ROOT"/requirements/*.txt "$ROOT/tools/setup_env.sh" "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)"
if [[ -x "$PY" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_hash" ]]; then
    exit 0
fi

t0=$SECONDS
PYTHON="${PYTHON:-python3}"
if [[ ! -x "$PY" ]]; then
    log "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$PY" -m pip --disable-pip-version-check --no-input)
C=(-c "$ROOT/requirements/constraints.txt")

log "base tools"
"${PIP[@]}" install -q "${C[@]}" --upgrade pip
"${PIP[@]}" install -q "${C[@]}" wheel cython numpy ninja psutil

log "torch (registry build; several GB on first download, then pip's cache)"
"${PIP[@]}" install -q "${C[@]}" -r "$ROOT/requirements/torch.txt"
# mmcv picks opencv-python-headless as its requirement only if it is installed before it is built.
"${PIP[@]}" install -q "${C[@]}" opencv-python-headless

# ---- mmcv with ops, cached per torch build ---------------------------------------------------
read -r TORCH_V OPS PYTAG < <("$PY" - <<'EOF'
import sys, torch
ops = f"cu{torch.version.cuda}" if torch.cuda.is_available() else "cpu"
print(torch.__version__, ops, f"cp{sys.version_info[0]}{sys.version_info[1]}")
EOF
)
WHEEL_DIR="$CACHE/mmcv-$MMCV_VERSION/torch-$TORCH_V-$OPS-$PYTAG"
if ! "$PY" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null \
   || [[ "$(cat "$VENV/.mmcv_built_for" 2>/dev/null)" != "$WHEEL_DIR" ]]; then
    if ! compgen -G "$WHEEL_DIR/mmcv-*.whl" >/dev/null; then
        log "building mmcv $MMCV_VERSION ops for torch $TORCH_V ($OPS); about 10 min on 2 cores"
        BUILD="$(mktemp -d)"
        # mmcv's build needs setuptools < 70 (pkg_resources.packaging); torch needs >= 77 at run
        # time, so the old one is in place only while mmcv is fetched and compiled. The one pip
        # call without the constraints file: it pins setuptools >= 77.
        "${PIP[@]}" install -q "setuptools<70"
        "${PIP[@]}" download -q "${C[@]}" --no-deps --no-binary :all: --no-build-isolation \
            "mmcv==$MMCV_VERSION" -d "$BUILD"
        tar -xzf "$BUILD"/mmcv-*.tar.gz -C "$BUILD"
        SRC="$(find "$BUILD" -maxdepth 1 -type d -name 'mmcv-*' | head -n1)"
        # torch >= 2.15 headers require C++20; mmcv 2.1.0 hard-codes c++14/c++17.
        sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
        export MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}"
        if [[ "$OPS" != cpu ]]; then export FORCE_CUDA=1; fi
        mkdir -p "$WHEEL_DIR.tmp"
        "${PIP[@]}" wheel -q "${C[@]}" --no-deps --no-build-isolation -w "$WHEEL_DIR.tmp" "$SRC"
        "${PIP[@]}" install -q "${C[@]}" setuptools
        rm -rf "$WHEEL_DIR" && mv "$WHEEL_DIR.tmp" "$WHEEL_DIR"   # publish only a finished wheel
        rm -rf "$BUILD"
    else
        log "reusing cached mmcv wheel from $WHEEL_DIR"
    fi
    "${PIP[@]}" install -q "${C[@]}" --force-reinstall --no-deps "$WHEEL_DIR"/mmcv-*.whl
    echo "$WHEEL_DIR" > "$VENV/.mmcv_built_for"
fi

# ---- xtcocotools against numpy 2 (the registry wheel is built for numpy 1) ---------------------
if ! "$PY" -c "import xtcocotools.coco" 2>/dev/null; then
    log "building xtcocotools against numpy $("$PY" -c 'import numpy; print(numpy.__version__)')"
    "${PIP[@]}" install -q "${C[@]}" --no-build-isolation --no-binary xtcocotools "xtcocotools>=1.14"
fi

log "OpenMMLab packages and runtime requirements"
"${PIP[@]}" install -q "${C[@]}" -r "$ROOT/requirements/runtime.txt" \
    "mmengine>=0.10.4,<0.11" "mmpretrain>=1.2.0,<1.3" "mmsegmentation>=1.2.2,<1.3" "mmdet>=3.3.0,<3.4"
"${PIP[@]}" install -q "${C[@]}" --no-deps "mmpose>=1.3.2,<1.4"
"${PIP[@]}" install -q "${C[@]}" -r "$ROOT/requirements/tests.txt" \
    -r "$ROOT/requirements/export.txt" -r "$ROOT/requirements/tensorboard.txt"
# mmengine declares opencv-python (GUI build, needs libGL): keep only the headless one.
if "$PY" -m pip show -q opencv-python >/dev/null 2>&1; then
    "${PIP[@]}" uninstall -q -y opencv-python
    "${PIP[@]}" install -q "${C[@]}" --force-reinstall --no-deps opencv-python-headless
fi
"${PIP[@]}" install -q "${C[@]}" --no-deps --no-build-isolation -e "$ROOT"

log "checking imports"
"$PY" - <<'EOF'
import mmcv.ops, mmengine, mmpretrain.models, mmpose.models, mmpose.apis, mmseg.models, mmdet.models
import xtcocotools.coco, torch, torchvision, cv2, sapiens_mm
print(f"torch {torch.__version__} | mmcv {mmcv.__version__} | mmengine {mmengine.__version__} | "
      f"mmpretrain {mmpretrain.__version__} | mmpose {__import__('mmpose').__version__} | "
      f"mmseg {__import__('mmseg').__version__} | mmdet {__import__('mmdet').__version__} | cv2 {cv2.__version__}")
EOF
echo "$want_hash" > "$STAMP"
log "environment ready in $((SECONDS - t0)) s"
