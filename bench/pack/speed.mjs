// Time per paper-mode iteration (ours, ORT blockwise) vs the same step in NumPy, measured in one run.
//   node bench/pack/speed.mjs [N=10000] [D=512] [iters=5] [device=cpu]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';

const [n = 10000, d = 512, iters = 5] = process.argv.slice(2, 5).map(Number);
const device = process.argv[5] ?? 'cpu';
const py = process.env.PYTHON ?? 'python3';
const ref = process.env.REF ?? 'numpy_step.py';
const compute = await createComputeEngine({ device, log: (m) => console.error(m) });
const stamps = [];
await runPacking(withPackDefaults({ identities: n, dim: d, mode: 'paper', iterations: iters + 1, progressEvery: 1, device }, false), null, {
  compute,
  onProgress: (p) => stamps.push(performance.now()),
});
// the first iteration includes session creation; time the rest
const ours = (stamps.at(-1) - stamps[0]) / 1000 / (stamps.length - 1);
await compute.release();
const out = execFileSync(py, [fileURLToPath(new URL(ref, import.meta.url)), 'step', String(n), String(d), String(iters)], { encoding: 'utf8' });
const theirs = JSON.parse(out.trim().split('\n').at(-1));
console.log(JSON.stringify({ n, d, cores: cpus().length, provider: compute.provider, ours_sec_per_step: +ours.toFixed(4), ref: theirs.impl, ref_sec_per_step: +theirs.sec_per_step.toFixed(4), ratio: +(ours / theirs.sec_per_step).toFixed(3) }));
