// One packing run on a synthetic face-like gallery (a cone: |mean| ≈ 0.7 around a 40-dimensional
// spread, like the builtin gallery's embeddings), printing the metrics every 10 iterations: the
// quick way to see whether a mode keeps or loses its min angle at a given ratio N/G.
//   node bench/pack/cone.mjs MODE N G D [iterations]     MODE = default | paper | stochastic | fast | random-gallery
import { createComputeEngine } from '../../server/dist/runtime/compute/engine.js';
import { runPacking, withPackDefaults } from '../../server/dist/domain/packing/index.js';
import { Rng } from '../../server/dist/util/rng.js';

const [mode, ns, gs, ds, its] = process.argv.slice(2);
const [n, G, d] = [Number(ns), Number(gs), Number(ds)];
const r = new Rng(11);
const rank = 40;
const unit = (v) => {
  const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / s);
};
const mu = unit(Float32Array.from({ length: d }, () => r.normal()));
const basis = Float32Array.from({ length: rank * d }, () => r.normal());
const gallery = new Float32Array(G * d);
for (let g = 0; g < G; g++) {
  let v = new Float32Array(d);
  for (let k = 0; k < rank; k++) {
    const z = r.normal();
    for (let c = 0; c < d; c++) v[c] += z * basis[k * d + c];
  }
  v = unit(v);
  gallery.set(unit(Float32Array.from({ length: d }, (_, c) => 0.7 * mu[c] + 0.7 * v[c])), g * d);
}
const compute = await createComputeEngine({ device: 'cpu', log: () => {} });
const part = { identities: n, dim: d, seed: 1, progressEvery: 10 };
if (mode !== 'default') part.mode = mode;
if (its) part.iterations = Number(its);
const p = withPackDefaults(part, true);

const o = await runPacking(p, { data: gallery, rows: G }, {
  compute,
  onProgress: (e) => console.log(`${e.iteration} min=${e.metrics.minAngleDeg.toFixed(2)} nn=${e.metrics.meanNnAngleDeg.toFixed(2)} gd=${e.metrics.meanGalleryDistance.toFixed(3)} t=${e.elapsedSeconds.toFixed(1)}`),
});
console.log(JSON.stringify({ mode: p.mode, n, G, d, iterations: o.iterationsRun, min_angle_deg: +o.metrics.minAngleDeg.toFixed(3), mean_nn_angle_deg: +o.metrics.meanNnAngleDeg.toFixed(3), mean_gallery_distance: +o.metrics.meanGalleryDistance.toFixed(4), seconds: +o.elapsedSeconds.toFixed(1) }));
