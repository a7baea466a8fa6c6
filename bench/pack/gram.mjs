// Time of one nearest-neighbour pass (k nearest other rows of every row), the O(N²·D) part of a
// fast-mode refresh: the symmetric graph (each Gram block once) and the older non-symmetric blockwise
// search, interleaved in one run (median wall and CPU seconds).
//   node bench/pack/gram.mjs [N=10000] [D=512] [k=16] [reps=3]
import { execSync } from 'node:child_process';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
const [n = 10000, d = 512, k = 16, reps = 3] = process.argv.slice(2, 6).map(Number);
const x = new Float32Array(n * d).map(() => Math.random() - 0.5);
const engines = { symmetric: await createComputeEngine({}), blockwise: await createComputeEngine({ nnBlock: 0 }) };
const time = { symmetric: [], blockwise: [] };
const cpu = { symmetric: [], blockwise: [] };
for (const e of Object.values(engines)) await e.nearestNeighbours(x, n, d, k);
for (let r = 0; r < reps; r++) {
  for (const [name, e] of Object.entries(engines)) {
    const t = performance.now();
    const u = process.cpuUsage();
    await e.nearestNeighbours(x, n, d, k);
    time[name].push((performance.now() - t) / 1000);
    const c = process.cpuUsage(u);
    cpu[name].push((c.user + c.system) / 1e6);
  }
}
const med = (a) => a.sort((p, q) => p - q)[a.length >> 1];
const load = execSync('uptime').toString().trim().replace(/.*load average: /, '');
console.log(JSON.stringify({ what: 'nn-pass', n, d, k, symmetric_s: +med(time.symmetric).toFixed(3), blockwise_s: +med(time.blockwise).toFixed(3), ratio: +(med(time.symmetric) / med(time.blockwise)).toFixed(2), symmetric_cpu_s: +med(cpu.symmetric).toFixed(3), blockwise_cpu_s: +med(cpu.blockwise).toFixed(3), ratio_cpu: +(med(cpu.symmetric) / med(cpu.blockwise)).toFixed(2), load }));
for (const e of Object.values(engines)) await e.release();
