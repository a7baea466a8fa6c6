// The generation noise of the network generators (onnx-decoder, onnx-diffusion, kserve-v2): β moves
// the identity embedding itself, x' = normalize(x + β n), n ~ N(0, I) from the sample's stream.
import type { Rng } from '../../util/rng.js';

/** x' = normalize(x + beta * n), n ~ N(0, I) drawn from `rng`. Always draws x.length normals. */
export function perturbEmbedding(x: Float32Array, beta: number, rng: Rng): Float32Array {
  const out = new Float32Array(x.length);
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] ?? 0) + beta * rng.normal();
    out[i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}
