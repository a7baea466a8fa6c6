// Min angle reached in a wall-clock budget; one mode per process so peak RSS is per mode.
//   node bench/pack/quality.mjs MODE N D SECONDS [device=cpu] [batch]
//   MODE = fast | paper | stochastic | numpy (the NumPy reference of the paper optimiser, run as the
//   honest peer: OpenBLAS's native kernel, see bench/lib/peer.mjs; GRAM=gemm|syrk picks its Gram form)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';
import { PYTHON, peerEnv } from '../lib/peer.mjs';

const [mode, ns, ds, ss, device = 'cpu', batch] = process.argv.slice(2);
const [n, d, seconds] = [Number(ns), Number(ds), Number(ss)];
if (mode === 'numpy') {
  const env = { ...peerEnv(), GRAM: process.env.GRAM ?? 'gemm' };
  const out = execFileSync(PYTHON, [fileURLToPath(new URL('numpy_step.py', import.meta.url)), 'quality', ns, ds, ss], { encoding: 'utf8', env });
  console.log(out.trim());
} else {
  const compute = await createComputeEngine({ device, log: (m) => console.error(m) });
  const t0 = performance.now();
  const p = withPackDefaults({ identities: n, dim: d, mode, iterations: 10_000_000, maxSeconds: seconds, progressEvery: 10, device, ...(batch ? { batchSize: Number(batch) } : {}) }, false);
  const o = await runPacking(p, null, { compute, onProgress: (e) => console.error(`${e.iteration} ${e.phase} min=${e.metrics.minAngleDeg.toFixed(3)} best=${e.bestMinAngleDeg.toFixed(3)} t=${e.elapsedSeconds.toFixed(1)}`) });
  console.log(JSON.stringify({ impl: mode, provider: o.provider, n, d, seconds, wall_s: +((performance.now() - t0) / 1000).toFixed(1), iterations: o.iterationsRun, min_angle_deg: +o.metrics.minAngleDeg.toFixed(3), mean_nn_angle_deg: +o.metrics.meanNnAngleDeg.toFixed(3), peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024) }));
}
