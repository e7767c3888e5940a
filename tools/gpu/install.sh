#!/usr/bin/env bash
# Install sapiens_mm and the OpenMMLab stack on the GPU machine, offline, from the wheel bundle
# that tools/gpu/build_bundle.sh made (gpu_bundle/ in the repository root, or $GPU_BUNDLE_DIR).
#
#     bash tools/gpu/install.sh            # then: python3 tools/gpu/check.py
#
# Uses the image's python3 (Python 3.12, torch 2.11 + CUDA 13; $PYTHON overrides), reaches no
# registry (--no-index), and installs exactly the wheels listed in gpu_bundle/bundle_requirements.txt
# without resolving dependencies (--no-deps: mmpose names chumpy and mmengine opencv-python, which
# the bundle leaves out on purpose; everything else they need is in the bundle or the image).
# sapiens_mm itself is installed in editable mode from this checkout (a .pth file when pip's
# editable install is not possible there). Idempotent; about 10-20 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="${GPU_BUNDLE_DIR:-$ROOT/gpu_bundle}"
PY="${PYTHON:-python3}"
t0=$SECONDS
log() { printf '[gpu install] %s\n' "$*" >&2; }

[[ -f "$BUNDLE/bundle_requirements.txt" ]] || {
    echo "tools/gpu/install.sh: no $BUNDLE/bundle_requirements.txt; build it on the CPU machine with" \
         "tools/gpu/build_bundle.sh and carry gpu_bundle (tools/gpu/README.md)" >&2; exit 2; }
"$PY" - <<'EOF' || { echo "tools/gpu/install.sh: this python is not the image's (need 3.12 with torch 2.11)" >&2; exit 2; }
import sys, torch
assert sys.version_info[:2] == (3, 12), sys.version
assert torch.__version__.startswith('2.11'), torch.__version__
EOF

log "installing $(wc -l < "$BUNDLE/bundle_requirements.txt") wheels from $BUNDLE"
PIP_CONFIG_FILE=/dev/null "$PY" -m pip install -q --disable-pip-version-check --no-input \
    --no-index --no-deps --no-compile --find-links "$BUNDLE" -r "$BUNDLE/bundle_requirements.txt"

log "sapiens_mm from $ROOT (editable)"
if ! PIP_CONFIG_FILE=/dev/null "$PY" -m pip install -q --disable-pip-version-check --no-input \
        --no-index --no-deps --no-build-isolation -e "$ROOT" 2>/dev/null; then
    SITE="$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$ROOT" > "$SITE/sapiens_mm_checkout.pth"
    log "pip's editable install failed; $SITE/sapiens_mm_checkout.pth points at the checkout"
fi

"$PY" -c "from distutils import errors" 2>/dev/null || {
    echo "tools/gpu/install.sh: 'import distutils' fails in $PY; mmengine's Runner needs it on" \
         "Python 3.12 (setuptools provides it: its distutils-precedence.pth in site-packages)" >&2; exit 1; }
"$PY" - <<'EOF'
import mmcv, mmcv.ops, mmengine, mmpretrain.models, mmpose.models, mmpose.apis, mmseg.models
import mmdet.models, xtcocotools.coco, torch, torchvision, cv2, sapiens_mm
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}, GPU {torch.cuda.is_available()}) | "
      f"mmcv {mmcv.__version__} | mmengine {mmengine.__version__} | mmpretrain "
      f"{mmpretrain.__version__} | mmpose {__import__('mmpose').__version__} | mmseg "
      f"{__import__('mmseg').__version__} | mmdet {__import__('mmdet').__version__} | "
      f"sapiens_mm {sapiens_mm.__version__} from {sapiens_mm.__file__}")
EOF
log "ready in $((SECONDS - t0)) s"
