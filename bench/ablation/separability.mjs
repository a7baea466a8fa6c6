// (a) Rendered separability of one arm, with the project's own dataset statistics
// (domain/evaluation/quality.ts: the leave-one-out nearest-centroid rank-1 over all identities that
// `eval dataset` reports), plus the geometry of the targets and of the renders, so the chain
// geometry → render → recognizer can be read link by link.
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const { datasetQuality } = await import(join(root, 'server/dist/domain/evaluation/quality.js'));

/** Mean over rows of the largest cosine with another row ([n, d]; each pair computed once). */
export function meanNearestCosine(x, n, d) {
  const u = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let c = 0; c < d; c++) u[i * d + c] = x[i * d + c] * inv;
  }
  const best = new Float64Array(n).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const a = u.subarray(i * d, i * d + d);
    for (let j = i + 1; j < n; j++) {
      const o = j * d;
      let s0 = 0;
      let s1 = 0;
      for (let c = 0; c < d; c += 2) {
        s0 += a[c] * u[o + c];
        s1 += a[c + 1] * u[o + c + 1];
      }
      const s = s0 + s1;
      if (s > best[i]) best[i] = s;
      if (s > best[j]) best[j] = s;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += best[i];
  return total / n;
}

/** Per-identity centroids of L2-normalised rows (row i·k + s = identity i). */
export function centroids(emb, n, k, d) {
  const out = new Float32Array(n * d);
  for (let r = 0; r < n * k; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += emb[r * d + c] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    const i = Math.floor(r / k);
    for (let c = 0; c < d; c++) out[i * d + c] += emb[r * d + c] * inv;
  }
  return out;
}

/** Bump when what separability() computes changes: cached results of another version are recomputed. */
export const SEPARABILITY_VERSION = 1;

export function separability(data, n, k) {
  const identity = Int32Array.from({ length: n * k }, (_, r) => Math.floor(r / k));
  const res = datasetQuality({ identity, embeddings: data.faceres, dim: 1024, reference: (i) => data.targets.subarray(i * 1024, (i + 1) * 1024) }, { pairs: 3000, seed: 1 });
  const judge = datasetQuality({ identity, embeddings: data.faceapi, dim: 128 }, { pairs: 3000, seed: 1 });
  return {
    faceres_rank1: res.rank1,
    judge_rank1: judge.rank1,
    consistency: res.identity_consistency_mean,
    faceres_eer: res.verification_eer,
    judge_eer: judge.verification_eer,
    // geometry of the targets vs that of the renders (faceres), same scale: mean nearest other cosine
    target_nn_cos: meanNearestCosine(data.targets, n, 1024),
    render_nn_cos: meanNearestCosine(centroids(data.faceres, n, k, 1024), n, 1024),
  };
}
