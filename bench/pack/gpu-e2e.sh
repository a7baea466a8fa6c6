#!/bin/bash
# End-to-end GPU check through the CLI and an in-process daemon (run on the lent machine after
# `source .gpu/bootstrap.sh`): the Pack RPC with --device gpu (WebGPU EP over Vulkan) against the same
# request on the machine's CPU cores. Prints one JSON line per run.
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp}
nvidia-smi --query-gpu=name --format=csv,noheader
hf() { timeout 120 node server/bin/hyperface.js pack --identities 10000 --dim 512 --gallery none --data-dir /tmp/hf-data --json "$@" 2>>"$OUT/stderr.log" | tail -1; }
echo "paper-gpu $(hf --device gpu --mode paper --iterations 40 --seed 1 --out "$OUT/paper-gpu.npy")"
echo "paper-cpu $(hf --device cpu --mode paper --iterations 40 --seed 1 --out "$OUT/paper-cpu.npy")"
echo "fast-gpu-20s $(hf --device gpu --max-seconds 20 --iterations 100000 --seed 1 --out "$OUT/fast-gpu.npy")"
echo "fast-cpu-20s $(hf --device cpu --max-seconds 20 --iterations 100000 --seed 1 --out "$OUT/fast-cpu.npy")"
grep -i "webgpu\|fall" "$OUT/stderr.log" | head -5
