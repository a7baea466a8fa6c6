#!/usr/bin/env node
// Does the ablation's PNG-free path measure what the images as written give? The first N targets of
// a cached arm go through the CLI a user runs (`generate` → PNG files → `eval dataset`, aligned
// crops) and through the ablation's in-process path (the same crops, never encoded); prints both.
//
//   nice -n 10 node bench/ablation/as-written.mjs --targets /tmp/ablation-cache/gen-…/n1000-k4-it150-g1000/seed11/alpha1/targets.f32 \
//        [--identities 20] [--k 4] [--gen-seed 1011]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { disposeModels, loadF32, loadModels, renderAndEmbed, sampleSeed } from './arms.mjs';
import { separability } from './separability.mjs';

const { values: opt } = parseArgs({ options: { targets: { type: 'string' }, identities: { type: 'string', default: '20' }, k: { type: 'string', default: '4' }, 'gen-seed': { type: 'string', default: '1011' } } });
if (!opt.targets) throw new Error('--targets FILE.f32 (an arm\'s targets.f32 in the ablation cache) is required');
const root = new URL('../../', import.meta.url).pathname;
const [n, k, genSeed] = [Number(opt.identities), Number(opt.k), Number(opt['gen-seed'])];
const targets = loadF32(opt.targets).slice(0, n * 1024);
const { encodeNpyFloat32 } = await import(join(root, 'sdk/dist/npy.js'));
const gen = await import(join(root, 'server/dist/runtime/backends/builtin-generator/index.js'));
const dir = mkdtempSync(join(tmpdir(), 'hf-ablation-png-'));
writeFileSync(join(dir, 'ids.npy'), encodeNpyFloat32(targets, n, 1024));
const cli = (args) => JSON.parse(execFileSync(process.execPath, [join(root, 'server/bin/hyperface.js'), ...args, '--data-dir', join(dir, 'data'), '--json', '--quiet'], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').at(-1));
cli(['generate', '--embeddings', join(dir, 'ids.npy'), '--images-per-identity', String(k), '--seed', String(genSeed), '--out', join(dir, 'ds')]);
const r = cli(['eval', 'dataset', join(dir, 'ds'), '--report', join(dir, 'report')]);
const { weights } = await loadModels();
const faces = [];
for (let i = 0; i < n; i++) {
  const params = gen.predictParams(weights, targets.subarray(i * 1024, (i + 1) * 1024));
  for (let s = 0; s < k; s++) faces.push({ params, seed: sampleSeed(genSeed, i, s, 0) });
}
const e = await renderAndEmbed(faces, ['faceres', 'faceapi']);
const sep = separability({ targets, faceres: e.faceres, faceapi: e.faceapi }, n, k);
await disposeModels();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({
  as_written: { faceres_rank1: r.rank1, judge_rank1: r.judge_rank1, consistency: r.identity_consistency_mean, reference: r.reference_source },
  png_free: { faceres_rank1: sep.faceres_rank1, judge_rank1: sep.judge_rank1, consistency: sep.consistency },
}));
