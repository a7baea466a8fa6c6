#!/bin/bash
# The default `pack` (no --mode) against --mode random-gallery at the same N and seed (the builtin
# gallery is seeded by --seed, so both runs see the same 1000 faces), through the CLI, in-process
# daemon. Prints each run's --json summary, wall time and load, then the default run's min angle
# every 10 iterations (from its job's event log) to show that it does not fall away.
#   bench/pack/defaults.sh N SEED [OUTDIR]      e.g. bench/pack/defaults.sh 10000 1
set -euo pipefail
N=$1; S=$2; OUT=${3:-$(mktemp -d)}
H="node $(dirname "$0")/../../server/bin/hyperface.js"
for mode in default random-gallery; do
  extra=""; [ "$mode" != default ] && extra="--mode $mode"
  echo "== N=$N mode=$mode seed=$S start $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "wall %e s, maxrss %M KiB" nice -n 10 $H pack --identities "$N" --seed "$S" $extra \
    --out "$OUT/$mode-$N.npy" --data-dir "$OUT/dd-$mode-$N" --json 2>&1 | tail -2
  echo "== end $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
node -e '
const fs = require("fs"); const dir = process.argv[1];
const job = fs.readdirSync(dir)[0];
const rows = fs.readFileSync(`${dir}/${job}/events.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l))
  .filter((e) => e.channel === "pack" && e.payload.progress).map((e) => e.payload.progress);
console.log("min angle by iteration:", rows.map((p) => `${p.iteration}:${p.metrics.minAngleDeg.toFixed(2)}`).join(" "));
console.log("gallery distance by iteration:", rows.map((p) => `${p.iteration}:${p.metrics.meanGalleryDistance.toFixed(3)}`).join(" "));
' "$OUT/dd-default-$N/jobs"
