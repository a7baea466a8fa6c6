#!/usr/bin/env bash
# The paper's central ablation on the embedded default: identities from HyperFace packing vs random
# identities, at equal N and images per identity, each used to train train.py's network, evaluated
# on the same held-out benchmark (identities and faces never trained on).
#
#   arms:  packed  — pack --gallery builtin (HyperFace: min angle maximised, gallery-regularised)
#          gallery — the same gallery's points without packing: init gallery, 1 step at lr 1e-9
#                    (each identity is a gallery embedding plus N(0, 0.1²/d) noise)
#          sphere  — uniform on the 1024-d sphere: no gallery, init random, 1 step at lr 1e-9
#   packed uses train.py's packing (builtin gallery of GALLERY=200 faces, 200 iterations).
#
#   [GALLERY=200] bash examples/train-pytorch/ablation.sh OUT [N=200] [K=16] [EPOCHS=4] [SEED=0]
# Needs a built checkout and Debian's python3-torch (use /usr/bin/python3).
set -euo pipefail
OUT=$(realpath -m "$1"); N=${2:-200}; K=${3:-16}; EPOCHS=${4:-4}; SEED=${5:-0}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
H="node $ROOT/server/bin/hyperface.js"
PY=/usr/bin/python3
mkdir -p "$OUT"
cd "$OUT"

$H serve --listen 127.0.0.1:0 --data-dir "$OUT/data" --data-root / --models-load faceres,builtin > "$OUT/daemon.log" 2>&1 &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  ADDR=$(grep -o '"listening":"[^"]*"' "$OUT/daemon.log" | head -1 | cut -d'"' -f4 || true)
  [ -n "$ADDR" ] && break
  sleep 1
done
echo "daemon at $ADDR" >&2

# Packs one arm through the Python client (the CLI has no gallery-size flag); prints the job id.
pack() { # name, then PackRequest fields as key=value (python literals)
  local name=$1; shift
  # a re-run reuses the finished pack jobs (persisted in $OUT/data)
  if [ -s "$OUT/$name.pack.json" ]; then python3 -c "import json; print(json.load(open('$OUT/$name.pack.json'))['job_id'])"; return; fi
  $PY - "$ADDR" "$OUT/$name.pack.json" "$N" "$SEED" "$@" <<'PYEOF'
import json, sys, os
sys.path.insert(0, os.path.join(os.environ["ROOT"], "examples", "python"))
from hyperface_client import HyperfaceClient
addr, out, n, seed, *kv = sys.argv[1:]
extra = {k: eval(v) for k, v in (x.split("=", 1) for x in kv)}
import time, grpc
with HyperfaceClient(addr) as hf:
    hf.wait_ready(600)
    for attempt in range(120):  # UNAVAILABLE while the daemon still loads its models
        try:
            r = hf.pack(identities=int(n), seed=int(seed), **extra)
            break
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.UNAVAILABLE or attempt == 119:
                raise
            time.sleep(5)
m = r.result.metrics
json.dump({"job_id": r.job_id, "min_angle_deg": m.min_angle_deg, "mean_nn_angle_deg": m.mean_nn_angle_deg, "request": extra}, open(out, "w"))
print(r.job_id)
PYEOF
}
export ROOT
GALLERY=${GALLERY:-200}
JOB_packed=$(pack packed dim=0 gallery_builtin_size=$GALLERY iterations=200)
JOB_gallery=$(pack gallery dim=0 gallery_builtin_size=$GALLERY init=1 mode=2 iterations=1 learning_rate=1e-9)
JOB_sphere=$(pack sphere dim=1024 gallery_none=True init=2 mode=2 iterations=1 learning_rate=1e-9)

mkdir -p "$OUT/runs"
for arm in packed gallery sphere; do
  job_var="JOB_$arm"
  $PY "$ROOT/examples/train-pytorch/train.py" --address "$ADDR" --out "$OUT/runs/$arm" --pack-job "${!job_var}" \
      --identities "$N" --images-per-identity "$K" --epochs "$EPOCHS" --batch-size 64 --threads 1 --seed "$SEED" \
      > "$OUT/runs/$arm.train.log" 2>&1 || { cat "$OUT/runs/$arm.train.log" >&2; exit 1; }
  echo "trained $arm" >&2
done

# One held-out benchmark for every arm (HyperFace-packed identities, pack seed 1000, generation seed 2000).
BENCH=""
for arm in packed gallery sphere; do
  if [ -z "$BENCH" ]; then
    $PY "$ROOT/examples/train-pytorch/evaluate.py" --run "$OUT/runs/$arm" --recognizers untrained,mynet --bench-address "$ADDR" \
        --identities 100 --k 4 --pairs 600 > "$OUT/runs/$arm.eval.log" 2>&1
    BENCH=$(python3 -c "import json; print(json.load(open('$OUT/runs/$arm/results.json'))['benchmark'])")
  else
    $PY "$ROOT/examples/train-pytorch/evaluate.py" --run "$OUT/runs/$arm" --recognizers mynet --bench "$BENCH" > "$OUT/runs/$arm.eval.log" 2>&1
  fi
  echo "evaluated $arm" >&2
done
python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
print("| identities | min angle (deg) | recognizer | held-out accuracy (%) | EER (%) | AUC |")
print("|---|---|---|---|---|---|")
for arm in ["packed", "gallery", "sphere"]:
    pack = json.load(open(f"{out}/{arm}.pack.json"))
    for r in json.load(open(f"{out}/runs/{arm}/results.json"))["results"]:
        print(f"| {arm} | {pack['min_angle_deg']:.1f} | {r['recognizer']} | {r['accuracy_mean'] * 100:.2f} ± {r['accuracy_std'] * 100:.2f} "
              f"| {r['eer'] * 100:.1f} | {r['auc']:.4f} |")
EOF
