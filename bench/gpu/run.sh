#!/bin/bash
# One prepared GPU bench (issue 11 part 3), run on a lent GPU machine from the project root:
#   bash bench/gpu/prepare.sh            # here: build, pack what the run needs into .gpu (carry it)
#   source .gpu/bootstrap.sh; bash bench/gpu/run.sh      # there
#   bash bench/gpu/run.sh --cpu-dry-run  # anywhere: every stage tiny, CPU EP only (checks the script)
# Measures, in one run on one machine:
#   1. packing: the fused paper step on WebGPU vs the same step in PyTorch CUDA (bench/pack/torch_step.py);
#   2. embedding faces/s: an IResNet-50 (random weights) exported from PyTorch to ONNX on that machine,
#      run by onnxruntime-node on WebGPU and on the CPU EP, vs the same module in PyTorch CUDA;
#   3. the onnx-decoder and onnx-diffusion backends on WebGPU vs CPU with random-weight models of
#      realistic size (bench/gpu/generators.mjs).
# JSON lines go to $OUT/results.jsonl, logs to $OUT/*.log; a summary table is printed last.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/hf-gpu-bench}
mkdir -p "$OUT"
DRY=0
[ "${1:-}" = "--cpu-dry-run" ] && DRY=1
RES="$OUT/results.jsonl"
: > "$RES"
have_torch() { python3 -c 'import torch' 2>/dev/null; }
record() { grep '^{' | tee -a "$RES"; }

if [ $DRY = 1 ]; then
  echo "gpu-bench: --cpu-dry-run (tiny sizes, CPU EP; not a GPU measurement)"
  PACK=(300 16 8 cpu 1); EMB_ARGS=(--providers cpu --batch 4 --seconds 1); GEN_ARGS=(--tiny --providers cpu --seconds 1 --steps 2); TINY=--tiny
else
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
  PACK=(10000 512 32 gpu 2); EMB_ARGS=(--providers webgpu,cpu --batch 64 --seconds 10); GEN_ARGS=(--providers webgpu,cpu --seconds 20 --steps 5); TINY=
fi
echo "{\"what\":\"machine\",\"gpu\":\"$(cat "$OUT/gpu.txt" 2>/dev/null | tr -d '"')\",\"cores\":$(nproc),\"load1\":\"$(cut -d' ' -f1 /proc/loadavg)\",\"dry_run\":$DRY}" | record

# 1. packing (REF=torch_step.py uses CUDA when torch sees one, else its CPU; NumPy without torch)
REF=numpy_step.py; have_torch && REF=torch_step.py
echo "== packing: fused paper step vs $REF"
REF=$REF timeout 420 node bench/pack/speed.mjs "${PACK[@]}" 2>"$OUT/pack.log" | record

# 2. embedding
echo "== embedding"
if have_torch && python3 bench/gpu/iresnet.py export "$OUT/iresnet.onnx" $TINY 2>"$OUT/export.log" | record; then
  python3 bench/gpu/iresnet.py bench "${EMB_ARGS[3]}" "${EMB_ARGS[5]}" $TINY 2>>"$OUT/export.log" | record
  timeout 300 node bench/gpu/embed.mjs "$OUT/iresnet.onnx" "${EMB_ARGS[@]}" 2>"$OUT/embed.log" | record
else
  echo "{\"what\":\"embed\",\"note\":\"no PyTorch here: synthetic network, ORT only\"}" | record
  timeout 300 node bench/gpu/embed.mjs --synthetic "${EMB_ARGS[@]}" 2>"$OUT/embed.log" | record
fi

# 3. generator backends
echo "== generators"
timeout 400 node bench/gpu/generators.mjs "${GEN_ARGS[@]}" 2>"$OUT/generators.log" | record

echo "== summary ($RES)"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
for (const r of rows) {
  if (r.summary) console.log(`packing N=${r.n} D=${r.d}: ours/ref per step (wall) median ${r.median} [${r.ratios}]`);
  else if (r.ours_sec_per_step !== undefined) console.log(`packing ${r.provider}: ${r.ours_sec_per_step} s/step vs ${r.ref} ${r.ref_sec_per_step} s/step = ${r.ratio}x`);
  else if (r.faces_per_s !== undefined) console.log(`embed ${r.provider ?? r.impl} batch ${r.batch}: ${r.faces_per_s.toFixed ? r.faces_per_s.toFixed(1) : r.faces_per_s} faces/s`);
  else if (r.images_per_s !== undefined) console.log(`${r.what} ${r.provider}: ${r.images_per_s} images/s${r.fallbacks?.length ? " (fallbacks: " + r.fallbacks.length + ")" : ""}`);
  else if (r.error) console.log(`${r.what} ${r.provider}: ERROR ${r.error}`);
  else if (r.what === "machine") console.log(`machine: ${r.gpu || "no GPU"}, ${r.cores} cores, load ${r.load1}, dry run ${r.dry_run}`);
}' "$RES"
