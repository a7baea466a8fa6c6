// Where one fused paper step's time goes: onnxruntime's node profile of one step at N × 512, summed
// per operator type (kernel wall time: under load it counts waiting too, so read shares, not seconds).
//   node bench/pack/profile-step.mjs [N=10000] [block=1024]
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { buildPaperStepModel } from '../../server/dist/runtime/compute/paper-graph.js';

const [n = 10000, block = 1024] = process.argv.slice(2, 4).map(Number);
const d = 512;
const dir = mkdtempSync(join(tmpdir(), 'hf-prof-'));
const bytes = buildPaperStepModel({ n, d, galleryRows: 0, alpha: 0, steps: 1, block, galleryBlock: 1, topk: true });
const s = await ort.InferenceSession.create(bytes, {
  executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3,
  enableProfiling: true, profileFilePrefix: join(dir, 'prof'), extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const x = new Float32Array(n * d).map(() => Math.random() - 0.5);
for (let i = 0; i < n; i++) {
  let s2 = 0;
  for (let c = 0; c < d; c++) s2 += x[i * d + c] ** 2;
  for (let c = 0; c < d; c++) x[i * d + c] /= Math.sqrt(s2);
}
const z = () => new ort.Tensor('float32', new Float32Array(n * d), [n, d]);
const feeds = { x: new ort.Tensor('float32', x, [n, d]), m: z(), v: z(), best: new ort.Tensor('float32', x.slice(), [n, d]), best_cos: new ort.Tensor('float32', new Float32Array([9]), [1]), coef: new ort.Tensor('float32', new Float32Array([0.1, 30]), [2]) };
const runs = [];
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  const u = process.cpuUsage();
  await s.run(feeds);
  const c = process.cpuUsage(u);
  runs.push({ wall_s: +((performance.now() - t) / 1000).toFixed(3), cpu_s: +((c.user + c.system) / 1e6).toFixed(3) });
}
s.endProfiling();
await s.release();
const file = readdirSync(dir).find((f) => f.endsWith('.json'));
const ev = JSON.parse(readFileSync(join(dir, file), 'utf8')).filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
rmSync(dir, { recursive: true, force: true });
const by = {};
for (const e of ev) by[e.args.op_name] = (by[e.args.op_name] ?? 0) + e.dur;
const total = Object.values(by).reduce((a, b) => a + b, 0);
const share = Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]).filter(([, v]) => v / total > 0.005).map(([k, v]) => [k, +((100 * v) / total).toFixed(1)]));
console.log(JSON.stringify({ what: 'paper-step-profile', n, d, block, runs, share_pct: share, load1: +loadavg()[0].toFixed(2) }));
