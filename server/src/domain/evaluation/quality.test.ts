import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetQuality, drawPairs, histogram, robustLowOutliers } from './quality.js';
import { Rng } from '../../util/rng.js';

function clusters(C: number, K: number, dim: number, sigma: number, seed: number, noisy = -1): { identity: number[]; emb: Float32Array; centres: Float32Array } {
  const rng = new Rng(seed);
  const centres = new Float32Array(C * dim);
  for (let c = 0; c < C; c++) {
    let n = 0;
    for (let j = 0; j < dim; j++) n += (centres[c * dim + j] = rng.normal()) ** 2;
    for (let j = 0; j < dim; j++) centres[c * dim + j] = centres[c * dim + j]! / Math.sqrt(n);
  }
  const identity: number[] = [];
  const emb = new Float32Array(C * K * dim);
  for (let c = 0; c < C; c++)
    for (let k = 0; k < K; k++) {
      const r = c * K + k;
      identity.push(c);
      const s = c === noisy ? sigma * 6 : sigma;
      for (let j = 0; j < dim; j++) emb[r * dim + j] = centres[c * dim + j]! + (s / Math.sqrt(dim)) * rng.normal();
    }
  return { identity, emb, centres };
}

void test('tight clusters: high consistency, low EER, separation below consistency, the noisy identity is an outlier', () => {
  const dim = 64;
  const { identity, emb, centres } = clusters(30, 8, dim, 0.5, 1, 7);
  const q = datasetQuality({ identity, embeddings: emb, dim, reference: (id) => centres.subarray(id * dim, (id + 1) * dim) }, { pairs: 2000, seed: 3 });
  assert.equal(q.identities, 30);
  assert.equal(q.samples, 240);
  assert.equal(q.reference_source, 'reference');
  // E[cos(c, c + n)] with |n| ~ 0.5: about 1 / sqrt(1.25) = 0.89 for ordinary identities.
  const ordinary = q.per_identity.filter((p) => p.identity !== 7);
  const m = ordinary.reduce((a, p) => a + p.consistency, 0) / ordinary.length;
  assert.ok(Math.abs(m - 0.89) < 0.03, `consistency ${m}`);
  assert.ok(q.nearest_impostor_mean < 0.6 && q.nearest_impostor_mean > 0, `separation ${q.nearest_impostor_mean}`);
  assert.ok(q.verification_eer < 0.1, `eer ${q.verification_eer}`);
  assert.deepEqual(q.outlier_identities, [7]);
  assert.ok(q.genuine_mean > q.impostor_mean);
  assert.equal(q.histograms.genuine.counts.reduce((a, b) => a + b, 0), 2000);
});

void test('no structure: EER near 0.5; without references falls back to manifest cosines, then centroids', () => {
  const dim = 16;
  const { identity, emb } = clusters(20, 5, dim, 50, 2);
  const q = datasetQuality({ identity, embeddings: emb, dim }, { pairs: 3000, seed: 1 });
  assert.equal(q.reference_source, 'centroid');
  assert.equal(q.identity_consistency_mean, q.centroid_consistency_mean);
  assert.ok(Math.abs(q.verification_eer - 0.5) < 0.06, `eer ${q.verification_eer}`);
  const recorded = identity.map((_, i) => (i % 2 ? 0.7 : 0.5));
  const q2 = datasetQuality({ identity, embeddings: emb, dim, recordedCosine: recorded });
  assert.equal(q2.reference_source, 'manifest');
  assert.ok(Math.abs(q2.identity_consistency_mean - 0.6) < 1e-9);
});

void test('pairs are seeded and valid', () => {
  const identity = [0, 0, 0, 1, 1, 2];
  const a = drawPairs(identity, 50, 9);
  assert.deepEqual(drawPairs(identity, 50, 9), a);
  assert.notDeepEqual(drawPairs(identity, 50, 10), a);
  for (let p = 0; p < a.a.length; p++) {
    assert.notEqual(a.a[p], a.b[p]);
    assert.equal(identity[a.a[p]!] === identity[a.b[p]!], a.genuine[p] === 1);
  }
  assert.equal(a.a.length, 100);
  // Single-sample identities only: no genuine pairs, EER undefined.
  const q = datasetQuality({ identity: [0, 1, 2], embeddings: new Float32Array([1, 0, 0, 1, 1, 1]), dim: 2 });
  assert.ok(Number.isNaN(q.verification_eer));
  assert.ok(Number.isNaN(q.centroid_consistency_mean));
});

void test('histogram and robust outliers', () => {
  assert.deepEqual(histogram([-1, 0, 0.99, 1, NaN], -1, 1, 4).counts, [1, 0, 1, 2]);
  assert.deepEqual(robustLowOutliers([0.8, 0.81, 0.79, 0.8, 0.82, 0.2].map((value, id) => ({ id, value }))), [5]);
  assert.deepEqual(robustLowOutliers([0.5, 0.5, 0.5].map((value, id) => ({ id, value }))), []);
  assert.deepEqual(robustLowOutliers([0.9999, 0.9999, 0.99991, 0.9998].map((value, id) => ({ id, value }))), []);
  assert.deepEqual(robustLowOutliers([0.9, 0.9, 0.9, 0.9, 0.5].map((value, id) => ({ id, value }))), [4]);
});

void test('nearest impostor is on the scale of identity consistency: per sample, cosine to the nearest other target', () => {
  const dim = 16;
  const { identity, emb, centres } = clusters(6, 5, dim, 1.2, 9);
  const unit = (v: ArrayLike<number>): number[] => {
    const n = Math.hypot(...Array.from(v));
    return Array.from(v, (x) => x / n);
  };
  const cos = (a: number[], b: number[]): number => a.reduce((s, x, j) => s + x * b[j]!, 0);
  const rows = identity.map((_, r) => unit(emb.subarray(r * dim, (r + 1) * dim)));
  const bruteForce = (target: (id: number) => number[]): number => {
    const ids = [...new Set(identity)];
    const per = rows.map((x, r) => Math.max(...ids.filter((id) => id !== identity[r]).map((id) => cos(x, target(id)))));
    return per.reduce((a, b) => a + b, 0) / per.length;
  };
  // With references: consistency is sample-to-reference, so separation is sample-to-other-reference.
  const withRefs = datasetQuality({ identity, embeddings: emb, dim, reference: (id) => centres.subarray(id * dim, (id + 1) * dim) });
  assert.ok(Math.abs(withRefs.nearest_impostor_mean - bruteForce((id) => unit(centres.subarray(id * dim, (id + 1) * dim)))) < 1e-9);
  // Without: sample-to-centroid for both.
  const centroid = (id: number): number[] => unit(rows.filter((_, r) => identity[r] === id).reduce((a, x) => a.map((v, j) => v + x[j]!), new Array<number>(dim).fill(0)));
  const plain = datasetQuality({ identity, embeddings: emb, dim });
  assert.equal(plain.reference_source, 'centroid');
  assert.ok(Math.abs(plain.nearest_impostor_mean - bruteForce(centroid)) < 1e-9, `${plain.nearest_impostor_mean} vs ${bruteForce(centroid)}`);
  // Both are sample-level, so consistency minus separation is a margin (positive for these clusters).
  assert.ok(withRefs.identity_consistency_mean > withRefs.nearest_impostor_mean);
});

void test('rank-1: leave-one-out nearest centroid over all identities, exact on a hand-built case, subsampled above its budget', () => {
  // 2-d: identities 0 and 1 at 0° and 90°, two samples each; identity 0's second sample sits at 80°,
  // nearer to identity 1's centroid than to its own centroid without it (the first sample, 0°).
  const at = (deg: number): number[] => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
  const emb = Float32Array.from([...at(0), ...at(80), ...at(85), ...at(95), ...at(45)]);
  const q = datasetQuality({ identity: [0, 0, 1, 1, 2], embeddings: emb, dim: 2 }, { pairs: 10 });
  // Sample 1 (80°): own LOO centroid 0° (cos 0.17) vs identity 1's centroid 90° (cos 0.98): wrong.
  // Sample 0 (0°): own 80° (0.17) vs identity 2 at 45° (0.71): wrong. Samples 2, 3: right.
  // Identity 2 has one sample: not scored.
  assert.equal(q.rank1_samples, 4);
  assert.equal(q.rank1, 0.5);
  const big = clusters(40, 4, 16, 0.3, 2);
  const full = datasetQuality({ identity: big.identity, embeddings: big.emb, dim: 16 }, { pairs: 100 });
  assert.equal(full.rank1_samples, 160);
  assert.equal(full.rank1, 1);
  const sub = datasetQuality({ identity: big.identity, embeddings: big.emb, dim: 16 }, { pairs: 100, rank1Budget: 40 * 50 });
  assert.equal(sub.rank1_samples, 50);
  assert.equal(sub.rank1, 1);
});
