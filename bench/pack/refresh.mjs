// Cost of one neighbour refresh at large N: the sub-quadratic refine (candidates from the previous
// graph, exact inner products; compute/candidates.ts) against the full symmetric Gram pass, wall and
// CPU seconds in one process. The full pass is measured at N_full (default 20,000) and, for larger N,
// extrapolated as (N / N_full)² — printed as such. The refine's cost does not depend on how good the
// previous graph is (fixed candidate width), so a random graph stands in for it.
//   node bench/pack/refresh.mjs [N=100000] [D=512] [k=8] [N_full=20000]
import { loadavg } from 'node:os';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { timed } from '../lib/peer.mjs';
import { lcg } from '../lib/lcg.mjs';

const [n = 100000, d = 512, k = 8, nFull = 20000] = process.argv.slice(2, 6).map(Number);
const rnd = lcg(1);
const unit = (rows) => {
  const x = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    let q = 0;
    for (let c = 0; c < d; c++) q += (x[i * d + c] = rnd() - 0.5) ** 2;
    for (let c = 0; c < d; c++) x[i * d + c] /= Math.sqrt(q);
  }
  return x;
};
const engine = await createComputeEngine({});
const load0 = +loadavg()[0].toFixed(2);
const x = unit(n);
const prev = Int32Array.from({ length: n * k }, () => Math.floor(rnd() * n));
await engine.refineNeighbours({ x, n, dim: d, prev, kPrev: k, k, uniform: rnd }); // sessions
const refine = await timed(() => engine.refineNeighbours({ x, n, dim: d, prev, kPrev: k, k, uniform: rnd }));
const xf = n === nFull ? x : unit(nFull);
await engine.nearestNeighbours(xf.subarray(0, 2048 * d), 2048, d, k);
const full = await timed(() => engine.nearestNeighbours(xf, nFull, d, k));
const scale = (n / nFull) ** 2;
console.log(JSON.stringify({
  what: 'nn-refresh', n, d, k, refine_wall_s: +refine.wall.toFixed(2), refine_cpu_s: +refine.cpu.toFixed(2),
  full_pass_n: nFull, full_wall_s: +full.wall.toFixed(2), full_cpu_s: +full.cpu.toFixed(2),
  full_at_n_extrapolated_wall_s: +(full.wall * scale).toFixed(1), full_at_n_extrapolated_cpu_s: +(full.cpu * scale).toFixed(1),
  refine_over_full_cpu: +(refine.cpu / (full.cpu * scale)).toFixed(4), rss_mib: Math.round(process.resourceUsage().maxRSS / 1024), load1: [load0, +loadavg()[0].toFixed(2)],
}));
await engine.release();
