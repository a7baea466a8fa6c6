#!/bin/bash
# GPU bench, run on the lent machine after `source .gpu/bootstrap.sh` (see /work/shared/gpu/README.md).
# Prints one JSON line per measurement; logs go to $OUT.
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp}
nvidia-smi --query-gpu=name --format=csv,noheader | tee "$OUT/gpu.txt"
python3 bench/pack/torch_step.py step 10000 512 20 2>&1 | tee "$OUT/torch.txt"
timeout 60 node bench/pack/gram.mjs 10000 512 gpu 2>&1 | tee "$OUT/gram-webgpu.txt"
REF=torch_step.py timeout 150 node bench/pack/speed.mjs 10000 512 10 gpu 2>&1 | tee "$OUT/speed-webgpu.txt"
timeout 100 node bench/pack/quality.mjs fast 10000 512 30 gpu 2>"$OUT/fast-gpu.log" | tee "$OUT/fast-gpu.txt"
timeout 100 node bench/pack/quality.mjs paper 10000 512 30 gpu 2>"$OUT/paper-gpu.log" | tee "$OUT/paper-gpu.txt"
