// Time per paper-mode step (ours: the fused ORT graph, T steps per session.run) vs the same step in
// NumPy, interleaved in one run: ours, NumPy, ours, NumPy. The NumPy peer is the best one: its
// OpenBLAS runs its native kernel (bench/lib/peer.mjs) and each round takes the faster of its syrk
// (x @ x.T) and gemm (x @ contiguous x.T) Gram forms. Prints wall and CPU seconds per step and their
// ratios, the load average, the peer's OpenBLAS kernel, and syrk against gemm on this machine.
//   node bench/pack/speed.mjs [N=10000] [D=512] [iters=8] [device=cpu] [rounds=2]
//   HF_PAPER_COARSE=64: our step with the int8 coarse neighbour search (paperCoarseMaxPairs = 64 per row)
//   HF_PEER_HANDICAP=1: the old peer (the machine's OPENBLAS_CORETYPE=Haswell), for comparison only
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { PYTHON, peerEnv } from '../lib/peer.mjs';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';

const [n = 10000, d = 512, iters = 8] = process.argv.slice(2, 5).map(Number);
const device = process.argv[5] ?? 'cpu';
const rounds = Number(process.argv[6] ?? 2);
const coarse = Number(process.env.HF_PAPER_COARSE ?? 0);
const py = PYTHON;
const ref = process.env.REF ?? 'numpy_step.py';
const script = fileURLToPath(new URL(ref, import.meta.url));
const cpuSec = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function ours() {
  const compute = await createComputeEngine({ device, paperCoarseMaxPairs: coarse, log: (m) => console.error(m) });
  // the first run includes session creation: time from the end of the first run to the end
  const chunk = compute.provider === 'webgpu' ? 16 : 4;
  const marks = [];
  const p = withPackDefaults({ identities: n, dim: d, mode: 'paper', iterations: chunk + iters, progressEvery: 1, checkpointEvery: 1_000_000, device }, false);
  await runPacking(p, null, { compute, onProgress: (e) => e.iteration % chunk === 0 && marks.push([e.iteration, performance.now(), cpuSec()]) });
  await compute.release();
  const [i0, t0, c0] = marks[0];
  const [i1, t1, c1] = marks.at(-1);
  return { provider: compute.provider, sec: (t1 - t0) / 1000 / (i1 - i0), cpu: (c1 - c0) / (i1 - i0) };
}

function theirs() {
  const run = (gram) => {
    const out = execFileSync(py, [script, 'step', String(n), String(d), String(Math.min(iters, 5))], { encoding: 'utf8', env: { ...peerEnv(), GRAM: gram } });
    return JSON.parse(out.trim().split('\n').at(-1));
  };
  if (ref !== 'numpy_step.py') return run('syrk');
  const forms = [run('syrk'), run('gemm')];
  const best = forms.reduce((p, q) => (q.sec_per_step < p.sec_per_step ? q : p));
  return { ...best, forms: Object.fromEntries(forms.map((f) => [f.gram, +f.sec_per_step.toFixed(4)])) };
}

const results = [];
for (let r = 0; r < rounds; r++) {
  const load = loadavg()[0];
  const a = await ours();
  const b = theirs();
  const row = {
    n, d, cores: cpus().length, load1: +load.toFixed(2), provider: a.provider, coarse_pairs_per_row: coarse,
    ours_sec_per_step: +a.sec.toFixed(4), ref: b.impl, ref_sec_per_step: +b.sec_per_step.toFixed(4), ratio: +(a.sec / b.sec_per_step).toFixed(3),
    ours_cpu_sec_per_step: +a.cpu.toFixed(4), ref_cpu_sec_per_step: b.cpu_sec_per_step === undefined ? null : +b.cpu_sec_per_step.toFixed(4),
    cpu_ratio: b.cpu_sec_per_step ? +(a.cpu / b.cpu_sec_per_step).toFixed(3) : null,
    ref_gram: b.gram ?? null, ref_forms_sec: b.forms ?? null, ref_kernel: b.openblas?.kernel ?? null, load1_end: +loadavg()[0].toFixed(2),
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
if (ref === 'numpy_step.py') {
  const sym = JSON.parse(execFileSync(py, [script, 'symmetry', String(n), String(d)], { encoding: 'utf8', env: peerEnv() }).trim());
  console.log(JSON.stringify({ numpy_symmetry: sym, xxT_over_xyT: +(sym.xxT_sec / sym.xyT_sec).toFixed(3) }));
}
const ratios = results.map((r) => r.ratio).sort((p, q) => p - q);
const cpuRatios = results.map((r) => r.cpu_ratio).sort((p, q) => p - q);
const label = process.env.HF_PEER_HANDICAP === '1' ? 'ratio ours/handicapped peer (OPENBLAS_CORETYPE=Haswell)' : 'ratio ours/best peer';
console.log(JSON.stringify({ summary: label, n, d, wall: ratios, wall_median: ratios[Math.floor(ratios.length / 2)], cpu: cpuRatios, cpu_median: cpuRatios[Math.floor(cpuRatios.length / 2)], peer_kernel: results[0]?.ref_kernel, load1_end: +loadavg()[0].toFixed(2) }));
