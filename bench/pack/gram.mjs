// Time of one blockwise nearest-neighbour pass (Gram blocks + row max/argmax), the O(N²·D) part of a step.
//   node bench/pack/gram.mjs [N=10000] [D=512] [device=cpu]
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
const [n = 10000, d = 512] = process.argv.slice(2, 4).map(Number);
const device = process.argv[4] ?? 'cpu';
const x = new Float32Array(n * d).map(() => Math.random() - 0.5);
const e = await createComputeEngine({ device });
await e.nearestNeighbours(x, n, d, 1);
const t = performance.now();
for (let r = 0; r < 5; r++) await e.nearestNeighbours(x, n, d, 1);
console.log(JSON.stringify({ what: 'nn-pass', n, d, provider: e.provider, sec: +((performance.now() - t) / 5000).toFixed(4) }));
await e.release();
