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
exec "$(dirname "${BASH_SOURCE[0]}")/dist_launch.sh" infer.py "$2" "$1" --launcher pytorch "${@:3}"
