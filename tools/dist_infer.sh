#!/usr/bin/env bash
# Inference sharded over processes with torchrun:
#   tools/dist_infer.sh INPUT N --out DIR [infer.py args...]
# Input i (i-th image of the sorted folder, or i-th video frame) goes to process i % N; each
# writes its images' files and DIR/shards/rank{R}-of-{N}.json, and rank 0 merges the parts into
# DIR/keypoints.json + DIR/image_ids.json (the same files as one tools/infer.py run).
# --device cuda puts process R on cuda:R; without GPUs the processes run on the CPU.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT (defaults 1, 0, 127.0.0.1, 29500).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 INPUT N --out DIR (--model NAME | --task CONFIG CKPT)... [infer.py args...]" >&2
    exit 2
fi
INPUT=$1
NPROC=$2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"  # PYTHON: another interpreter
[[ -x "$PY" ]] || PY=python

exec "$PY" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$ROOT/tools/infer.py" "$INPUT" --launcher pytorch "${@:3}"
