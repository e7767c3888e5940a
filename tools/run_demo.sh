#!/usr/bin/env bash
# The main job on built-in data (README, first command). Installs .venv on first use, then:
#   1. writes 32 procedural images (data/demo/mae_images),
#   2. MAE-pretrains a tiny Sapiens ViT on them with the stock mmpretrain runner (tools/train.py),
#   3. turns the checkpoint into the backbone-only file task configs load,
#   4. extracts dense features of the images and writes them as .npy + PCA pictures.
# Outputs go to ${DEMO_OUT:-outputs/demo}. Runs in a few minutes on a 2-core CPU.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
PY="$ROOT/.venv/bin/python"
OUT="${DEMO_OUT:-outputs/demo}"
IMAGES="$OUT/data/mae_images"
MAE_CFG=configs/sapiens_mae/mae_sapiens_tiny-p16_4xb4-20e_demo-128.py

echo "== 1/4 procedural images -> $IMAGES"
"$PY" tools/make_demo_images.py --out "$IMAGES" --num 32 --seed 0 --size 256 192

echo "== 2/4 tiny MAE pretraining ($MAE_CFG)"
rm -rf "$OUT/mae"
"$PY" tools/train.py "$MAE_CFG" --work-dir "$OUT/mae" \
    --cfg-options "train_dataloader.dataset.data_root=$IMAGES"
CKPT="$(cat "$OUT/mae/last_checkpoint")"

echo "== 3/4 backbone-only checkpoint"
"$PY" tools/misc/clean_pretrain_checkpoint.py "$CKPT" "$OUT/checkpoints/sapiens_tiny_mae_clean.pth"

echo "== 4/4 features"
"$PY" tools/extract_features.py "$MAE_CFG" "$OUT/checkpoints/sapiens_tiny_mae_clean.pth" \
    "$IMAGES" --out "$OUT/features"
echo "demo done: training log in $OUT/mae, features and *_pca.png pictures in $OUT/features"
