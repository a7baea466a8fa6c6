#!/usr/bin/env node
// Packing against a large exclusion set, streamed in blocks (issue 19):
//   node bench/pack/exclusion.mjs [N=10000] [D=512] [M=1000000] [ANGLE=70] [ITERATIONS=3] [LR=0.001] [FILE]
// Writes M seeded Gaussian rows (float32 .npy, M·D·4 bytes) to FILE (default: a temp file, reused when
// present with the right shape), packs N identities in paper mode with every identity >= ANGLE° from
// every row, and prints wall time, full passes over the set, peak RSS and the load average.
import { existsSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { npyHeader } from '@hyperface/sdk/npy';
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';
import { npyFileSource } from '../../server/dist/domain/packing/fixed-source.js';
import { FileGuard } from '../../server/dist/domain/files/safe-files.js';
import { Rng } from '../../server/dist/util/rng.js';

const [n = 10000, d = 512, m = 1000000, angle = 70, iterations = 3] = process.argv.slice(2, 7).map(Number);
const lr = Number(process.argv[7] ?? 0.001);
const file = process.argv[8] ?? join(tmpdir(), `hf-exclusion-${m}x${d}.npy`);
const header = npyHeader('float32', [m, d]);
if (!existsSync(file) || statSync(file).size !== header.length + m * d * 4) {
  const t = performance.now();
  const fd = openSync(file, 'w');
  writeSync(fd, header);
  const rng = new Rng(12345);
  const rows = 8192;
  const buf = new Float32Array(rows * d);
  for (let s = 0; s < m; s += rows) {
    const b = Math.min(rows, m - s);
    for (let k = 0; k < b * d; k++) buf[k] = rng.normal();
    writeSync(fd, new Uint8Array(buf.buffer, 0, b * d * 4));
  }
  closeSync(fd);
  console.log(`wrote ${file} (${m}×${d}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`load before: ${load()}`);
const compute = await createComputeEngine({});
const source = await npyFileSource(new FileGuard(undefined), file, d, 'exclude.npy_path');
const params = withPackDefaults({ identities: n, dim: d, mode: 'paper', iterations, learningRate: lr, seed: 0, progressEvery: 1 }, false);
const t0 = performance.now();
let passes = 0;
const out = await runPacking(params, null, {
  compute,
  log: (msg) => console.log(msg),
  onProgress: (p) => console.log(`it ${p.iteration}/${p.iterations} min ${p.metrics.minAngleDeg.toFixed(2)}° to-set ${p.metrics.fixed?.exclusion?.minAngleDeg.toFixed(2)}° ${((performance.now() - t0) / 1000).toFixed(0)} s load ${load()}`),
}, [{ role: 'exclude', source: { ...source, blocks: (b, s) => (passes++, source.blocks(b, s)) }, minAngleDeg: angle }]);
const wall = (performance.now() - t0) / 1000;
const ex = out.metrics.fixed.exclusion;
console.log(JSON.stringify({
  n, d, m, angle, iterations, lr,
  wall_s: +wall.toFixed(1),
  full_passes: passes,
  s_per_pass: +(wall / Math.max(1, passes)).toFixed(1),
  min_angle_deg: +out.metrics.minAngleDeg.toFixed(3),
  min_angle_to_set_deg: +ex.minAngleDeg.toFixed(3),
  peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024),
  exclusion_file_mib: Math.round((m * d * 4) / 2 ** 20),
  load_after: load(),
}));
await compute.release();
