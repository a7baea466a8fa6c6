// The cheap training proxy: a linear head fitted in closed form (Fisher LDA) on the arm's frozen
// features. It learns from the arm's identity labels which directions vary within an identity
// (nuisance: the within-class scatter S_w) and which separate identities (S_b), and projects onto the
// top `dims` directions of S_b relative to S_w (regularised). Deterministic, milliseconds; the
// SGD-trained CosFace head (head.py) is the slower alternative.

/** Eigen-decomposition of a symmetric [n, n] matrix (cyclic Jacobi): { values, vectors (columns) }. */
export function symmetricEigen(a, n) {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => m[i * n + i]), vectors: v };
}

function normalizedRows(x, rows, d) {
  const u = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[r * d + c] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let c = 0; c < d; c++) u[r * d + c] = x[r * d + c] * inv;
  }
  return u;
}

/**
 * Fits LDA on [n·k, d] features (row i·k + s = identity i; rows L2-normalised first):
 * S_w regularised by `shrink`·trace(S_w)/d·I, whitened, then the top `dims` eigenvectors of the
 * whitened S_b. Returns { mean, projection [d, dims] }.
 */
export function fitLda(features, n, k, d, { dims = 64, shrink = 0.01 } = {}) {
  const x = normalizedRows(features, n * k, d);
  const mu = new Float64Array(d);
  const means = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) for (let c = 0; c < d; c++) means[i * d + c] += x[(i * k + s) * d + c] / k;
    for (let c = 0; c < d; c++) mu[c] += means[i * d + c] / n;
  }
  const sw = new Float64Array(d * d);
  const sb = new Float64Array(d * d);
  const diff = new Float64Array(d);
  for (let r = 0; r < n * k; r++) {
    const i = Math.floor(r / k);
    for (let c = 0; c < d; c++) diff[c] = x[r * d + c] - means[i * d + c];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) sw[a * d + b] += diff[a] * diff[b];
  }
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) diff[c] = means[i * d + c] - mu[c];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) sb[a * d + b] += diff[a] * diff[b];
  }
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      sw[a * d + b] /= n * k - n;
      sb[a * d + b] /= n;
      sw[b * d + a] = sw[a * d + b];
      sb[b * d + a] = sb[a * d + b];
    }
    trace += sw[a * d + a];
  }
  for (let a = 0; a < d; a++) sw[a * d + a] += (shrink * trace) / d;
  // W = S_w^{-1/2} = V diag(λ^{-1/2}) Vᵀ
  const ew = symmetricEigen(sw, d);
  const w = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (ew.vectors[a * d + j] * ew.vectors[b * d + j]) / Math.sqrt(ew.values[j]);
      w[a * d + b] = s;
    }
  }
  // M = W S_b W, its top eigenvectors U; projection P = W U
  const tmp = new Float64Array(d * d);
  const mm = new Float64Array(d * d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += w[a * d + j] * sb[j * d + b];
    tmp[a * d + b] = s;
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += tmp[a * d + j] * w[j * d + b];
    mm[a * d + b] = s;
  }
  for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) mm[a * d + b] = mm[b * d + a] = (mm[a * d + b] + mm[b * d + a]) / 2;
  const eb = symmetricEigen(mm, d);
  const order = Array.from({ length: d }, (_, j) => j).sort((p, q) => eb.values[q] - eb.values[p]);
  const m = Math.min(dims, d, n - 1);
  const projection = new Float64Array(d * m);
  for (let a = 0; a < d; a++) {
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += w[a * d + j] * eb.vectors[j * d + order[t]];
      projection[a * m + t] = s;
    }
  }
  return { mean: mu, projection, dims: m };
}

/** Applies a fitted LDA to [rows, d] features: L2-normalised (x̂ − μ)·P, [rows, dims]. */
export function applyLda(lda, features, rows, d) {
  const x = normalizedRows(features, rows, d);
  const m = lda.dims;
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let t = 0; t < m; t++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (x[r * d + a] - lda.mean[a]) * lda.projection[a * m + t];
      out[r * m + t] = s;
      norm += s * s;
    }
    const inv = 1 / (Math.sqrt(norm) || 1);
    for (let t = 0; t < m; t++) out[r * m + t] *= inv;
  }
  return out;
}
