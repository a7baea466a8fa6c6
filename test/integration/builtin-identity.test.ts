// The builtin generator keeps identity: through GenerationService (default variation, the daemon's
// recognizer embedding every face), faces of one identity are closer to each other than to other
// identities' faces, and no identity's faces drift across identities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fromTensor, toTensor } from '@hyperface/sdk';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { lcgWords } from '../helpers/calls.js';

const N = 8;
const K = 4;
const DIM = 1024;
let d: TestDaemon;

before(async () => {
  d = await startTestDaemon({ 'models.load': ['faceres', 'builtin'] });
  await d.daemon.ready;
});
after(async () => {
  await d.stop();
});

/** Uniform unit vectors (seeded LCG + Box–Muller): far apart on the 1024-d sphere. */
function identities(n: number, seed: number): Float32Array {
  const next = lcgWords(seed);
  const u = (): number => (next() + 0.5) / 2 ** 32;
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const v = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      out[i * DIM + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < DIM; j++) out[i * DIM + j] = (out[i * DIM + j] ?? 0) / Math.sqrt(norm);
  }
  return out;
}

/** Equal error rate of genuine vs impostor scores (threshold sweep over all scores). */
function eer(genuine: number[], impostor: number[]): number {
  let best = 1;
  for (const t of [...genuine, ...impostor]) {
    const frr = genuine.filter((g) => g < t).length / genuine.length;
    const far = impostor.filter((i) => i >= t).length / impostor.length;
    best = Math.min(best, Math.max(frr, far));
  }
  return best;
}

test('faces of one identity stay that identity under the default variation (faceres on the renders)', async () => {
  const emb: Float32Array[] = [];
  const who: number[] = [];
  for await (const ev of d.client.generate({ embeddings: toTensor(identities(N, 11), [N, DIM]), imagesPerIdentity: K, seed: 5, includeEmbedding: true, format: 'IMAGE_FORMAT_RAW' })) {
    if (!ev.sample) continue;
    emb.push(fromTensor(ev.sample.embedding).data);
    who.push(ev.sample.identity);
  }
  assert.equal(emb.length, N * K);
  const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
  const genuine: number[] = [];
  const impostor: number[] = [];
  let rank1 = 0;
  for (let i = 0; i < emb.length; i++) {
    let best = -2;
    let bestWho = -1;
    for (let j = 0; j < emb.length; j++) {
      if (j === i) continue;
      const c = cos(emb[i]!, emb[j]!);
      if (j > i) (who[i] === who[j] ? genuine : impostor).push(c);
      if (c > best) [best, bestWho] = [c, who[j]!];
    }
    if (bestWho === who[i]) rank1++;
  }
  const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
  const figures = { eer: eer(genuine, impostor), rank1: rank1 / emb.length, genuine: mean(genuine), impostor: mean(impostor) };
  console.log(`builtin identity (${N} identities x ${K}, default variation, faceres): ${JSON.stringify(figures)}`);
  assert.ok(figures.rank1 >= 0.95, `every face's nearest other face is the same identity (rank-1 ${figures.rank1})`);
  assert.ok(figures.eer <= 0.05, `verification EER ${figures.eer}`);
});
