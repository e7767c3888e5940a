#!/usr/bin/env bash
# The main job on built-in data (README, first command). Installs .venv on first use, then:
#   1. renders synthetic humans with exact labels (data/demo/synthetic/{train,val}),
#   2. MAE-pretrains a tiny Sapiens ViT on the training images (stock mmpretrain runner),
#      turns it into the backbone file every task starts from, and writes feature pictures,
#   3. per task: evaluates the untrained model, fine-tunes from the MAE backbone, evaluates
#      the trained model with tools/test.py, and writes pictures; then Sapiens2 pointmaps (a
#      tiny Sapiens2 ViT trained from scratch: the MAE backbone is a v1 one),
#   4. prints and writes the table of results (outputs/demo/summary.md).
# Outputs go to ${DEMO_OUT:-outputs/demo}; the data to data/demo/synthetic, where the synthetic
# task configs look for it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
PY="$ROOT/.venv/bin/python"
OUT="${DEMO_OUT:-outputs/demo}"
DATA=data/demo/synthetic
PM_DATA=data/demo/synthetic_pointmap
MAE_CFG=configs/sapiens_mae/mae_sapiens_tiny-p16_1xb16-8e_demo-128.py
POSE_CFG=configs/sapiens_pose/synthetic/sapiens_tiny-goliath_synthetic-128x96.py
PM_CFG=configs/sapiens2_pointmap/synthetic/sapiens2_tiny_pointmap_synthetic-128x96.py
BACKBONE="$OUT/checkpoints/sapiens_tiny_mae_clean.pth"

echo "== 1 synthetic humans -> $DATA"
# The demo's distribution is the generator's easier one: one person per image, seen from the
# front (camera within 45 degrees of the face direction, so left and right are never ambiguous),
# few close-ups, the camera looking down 10-25 degrees (so the head is nearer than the feet:
# which way depth runs along the body is not a coin toss); the tiny models can learn it in CPU
# minutes. Drop the last four options for the full distribution (several people, any view
# direction, cameras from 11.5 degrees up to 26 degrees down).
for split in train:2000:1 val:100:2; do
    IFS=: read -r name num seed <<< "$split"
    rm -rf "${DATA:?}/$name"
    "$PY" tools/make_synthetic_humans.py --out "$DATA/$name" --num "$num" --seed "$seed" \
        --size 256 192 --previews 6 --workers 2 \
        --max-people 1 --max-view-yaw 45 --close-up-prob 0.1 --pitch-range 10 25
done

# the pointmap leg's own split: the same people and views through one camera (50 degrees
# vertical field of view): the x and y of a canonical pointmap scale with the focal length, which
# one picture barely shows (the other legs keep the generator's 35-65 degrees)
for split in train:2000:1 val:100:2; do
    IFS=: read -r name num seed <<< "$split"
    rm -rf "${PM_DATA:?}/$name"
    "$PY" tools/make_synthetic_humans.py --out "$PM_DATA/$name" --num "$num" --seed "$seed" \
        --size 256 192 --previews 2 --workers 2 \
        --max-people 1 --max-view-yaw 45 --close-up-prob 0.1 --pitch-range 10 25 --fov-range 50 50
done

echo "== 2 tiny MAE pretraining on $DATA/train/images"
rm -rf "$OUT/mae"
"$PY" tools/train.py "$MAE_CFG" --work-dir "$OUT/mae" \
    --cfg-options "train_dataloader.dataset.data_root=$DATA/train/images"
"$PY" tools/misc/clean_pretrain_checkpoint.py "$(cat "$OUT/mae/last_checkpoint")" "$BACKBONE"
"$PY" tools/extract_features.py "$MAE_CFG" "$BACKBONE" "$DATA/val/images" --out "$OUT/features"

echo "== 3a pose (308 keypoints)"
rm -rf "$OUT/pose" "$OUT/pose_untrained" "$OUT/pose_test"
"$PY" tools/test.py "$POSE_CFG" none --work-dir "$OUT/pose_untrained"
"$PY" tools/train.py "$POSE_CFG" --work-dir "$OUT/pose" \
    --cfg-options "model.backbone.init_cfg.checkpoint=$BACKBONE"
POSE_CKPT="$(cat "$OUT/pose/last_checkpoint")"
"$PY" tools/test.py "$POSE_CFG" "$POSE_CKPT" --work-dir "$OUT/pose_test"
mkdir -p "$OUT/pose_vis_input"
cp $(ls "$DATA"/val/images/*.png | head -n 6) "$OUT/pose_vis_input/"
"$PY" tools/pose_demo.py "$OUT/pose_vis_input" "$POSE_CFG" "$POSE_CKPT" --out "$OUT/pose_vis" \
    --kpt-thr 0.2

# segmentation and depth train at 128x96, normals at 256x192 (see the configs' headers)
for task_size in seg:128x96 depth:128x96 normal:256x192; do
    IFS=: read -r task size <<< "$task_size"
    echo "== 3 $task"
    CFG="configs/sapiens_$task/synthetic/sapiens_tiny_${task}_synthetic-$size.py"
    rm -rf "$OUT/$task" "$OUT/${task}_untrained" "$OUT/${task}_test"
    "$PY" tools/test.py "$CFG" none --work-dir "$OUT/${task}_untrained"
    "$PY" tools/train.py "$CFG" --work-dir "$OUT/$task" \
        --cfg-options "model.backbone.init_cfg.checkpoint=$BACKBONE"
    "$PY" tools/test.py "$CFG" "$(cat "$OUT/$task/last_checkpoint")" --work-dir "$OUT/${task}_test" \
        --show-dir "$OUT/${task}_test/vis"
done

echo "== 3 pointmap (Sapiens2, from scratch)"
rm -rf "$OUT/pointmap" "$OUT/pointmap_untrained" "$OUT/pointmap_test" "$OUT/pointmap_vis"
"$PY" tools/test.py "$PM_CFG" none --work-dir "$OUT/pointmap_untrained"
"$PY" tools/train.py "$PM_CFG" --work-dir "$OUT/pointmap"
PM_CKPT="$(cat "$OUT/pointmap/last_checkpoint")"
"$PY" tools/test.py "$PM_CFG" "$PM_CKPT" --work-dir "$OUT/pointmap_test"
"$PY" tools/misc/pointcloud_pictures.py "$PM_CFG" "$PM_CKPT" "$PM_DATA/val" --out "$OUT/pointmap_vis"
"$PY" tools/misc/dense_baselines.py "$DATA/val" --out-dir "$OUT/baselines"
"$PY" tools/misc/dense_baselines.py "$PM_DATA/val" --out-dir "$OUT/baselines_pointmap" \
    --pointmap-config "$PM_CFG"

echo "== 4 results"
# pointmaps: the release's metric; the same with the prediction scaled to the person's true mean
# depth; and with those depths on the true camera rays (the plane baseline is given both)
PM_KEYS=pointmap/l2_mean,pointmap/z_mae,pointmap/within_10_cm,pointmap/normal_mae
PM_KEYS=$PM_KEYS,pointmap_aligned/l2_mean,pointmap_aligned/within_10_cm
PM_KEYS=$PM_KEYS,pointmap_rays/l2_mean,pointmap_rays/z_mae,pointmap_rays/within_10_cm
"$PY" tools/misc/demo_summary.py --out "$OUT/summary.md" \
    --row pose "$OUT/pose_untrained" "$OUT/pose_test" \
    goliath/AP,goliath/AP\ .5,goliath/AR,goliath/body/AP,goliath/body/AP\ .5,goliath/body/AR,goliath/foot/AP,goliath/hand/AP,goliath/face/AP - \
    --row segmentation "$OUT/seg_untrained" "$OUT/seg_test" mIoU,mAcc,aAcc "$OUT/baselines/seg" \
    --row depth "$OUT/depth_untrained" "$OUT/depth_test" \
    depth/aligned_rmse,depth/aligned_abs_rel,depth/aligned_delta1 "$OUT/baselines/depth" \
    --row "depth vs. image-row ramp" "$OUT/depth_untrained" "$OUT/depth_test" \
    depth/aligned_abs_rel "$OUT/baselines/depth_ramp" \
    --row normals "$OUT/normal_untrained" "$OUT/normal_test" \
    normal/mean,normal/median,normal/a11.25,normal/a30 "$OUT/baselines/normal" \
    --row pointmap "$OUT/pointmap_untrained" "$OUT/pointmap_test" \
    "$PM_KEYS" "$OUT/baselines_pointmap/pointmap"
echo "demo done: label previews in $DATA/*/preview, MAE features in $OUT/features, pose"
echo "pictures in $OUT/pose_vis, part/depth/normal pictures in $OUT/{seg,depth,normal}_test/vis/test,"
echo "point clouds in $OUT/pointmap_vis,"
echo "results in $OUT/summary.md"
