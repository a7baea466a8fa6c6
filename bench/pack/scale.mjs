// Packing at scale (issue 21): fast mode on N × D within a wall-clock budget, min angle against time.
// Progress lines show the min angle and whether it is exact (`exact: true`: a full pass) or over the
// refreshed candidate lists only (`exact: false`: an upper bound; from N = 20,000 the candidates come
// from the previous neighbour graph); the last line holds the exact
// final metrics (a full pass), the wall time against max_seconds, and the peak RSS.
//   node bench/pack/scale.mjs N D SECONDS [gallery rows=0] [seed=0]
import { loadavg } from 'node:os';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';

const [n, d, seconds, gRows = 0, seed = 0] = process.argv.slice(2, 7).map(Number);
const load0 = +loadavg()[0].toFixed(2);
let gallery = null;
if (gRows > 0) {
  // a synthetic gallery: unit rows drawn from a fixed seed, like a recognizer's real faces would be spread
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
  gallery = { data: Float32Array.from({ length: gRows * d }, rnd), rows: gRows };
}
const compute = await createComputeEngine({ log: (m) => console.error(m) });
const t0 = performance.now();
let lastPrint = -Infinity;
const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', iterations: 10_000_000, maxSeconds: seconds, progressEvery: 1, checkpointEvery: 1_000_000, seed }, !!gallery);
const o = await runPacking(p, gallery, {
  compute,
  onProgress: (e) => {
    if (e.elapsedSeconds - lastPrint < Math.min(30, seconds / 10)) return;
    lastPrint = e.elapsedSeconds;
    console.log(JSON.stringify({ t: +e.elapsedSeconds.toFixed(1), iteration: e.iteration, phase: e.phase, min_angle_deg: +e.metrics.minAngleDeg.toFixed(3), exact: e.exact ?? false, rss_mib: Math.round(process.memoryUsage().rss / 2 ** 20) }));
  },
});
const wall = (performance.now() - t0) / 1000;
console.log(JSON.stringify({
  what: 'pack-scale', mode: 'fast', n, d, gallery_rows: gRows, max_seconds: seconds, wall_s: +wall.toFixed(1), over_budget_pct: +((100 * (o.elapsedSeconds - seconds)) / seconds).toFixed(2),
  iterations: o.iterationsRun, exact_min_angle_deg: +o.metrics.minAngleDeg.toFixed(3), exact_mean_nn_angle_deg: +o.metrics.meanNnAngleDeg.toFixed(3), stop: o.stopReason,
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024), load1_start: load0, load1_end: +loadavg()[0].toFixed(2),
}));
await compute.release();
