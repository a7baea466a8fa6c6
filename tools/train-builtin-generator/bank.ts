// Builds the builtin generator's identity bank (server/src/runtime/backends/builtin-generator/bank.ts):
// `--count` identities from the renderer's own seeded sampler, each rendered canonically (no
// variation, the way the builtin gallery is) and embedded by the recognizer (ONNX, as the daemon
// runs it), projected on the top `--rank` principal directions of the bank and stored int8.
//
//   npx tsc -b sdk server tools
//   nice node tools/dist/train-builtin-generator/bank.js --count 20000 --rank 128 --seed 7 \
//        --model server/models/builtin-generator/ [--cache /tmp/bank-cache]
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeBank, quantiseParams, saveBank } from '@hyperface/server/runtime/backends/builtin-generator/bank';
import { type ModelManifest } from '@hyperface/server/runtime/backends/builtin-generator/model';
import { type FaceParams, loadGenderTable, randomFaceParams } from '@hyperface/server/runtime/backends/builtin-generator/params';
import { renderFace } from '@hyperface/server/runtime/backends/builtin-generator/render';
import { drawVariation } from '@hyperface/server/runtime/backends/builtin-generator/variation';
import type { Recognizer } from '@hyperface/server/runtime/models/types';
import { Rng } from '@hyperface/server/util/rng';

const NO_VARIATION = { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 };

/** Bank identity i of a seed (on the bank's numeric grid). */
export function bankIdentity(seed: number, i: number): FaceParams {
  return quantiseParams(randomFaceParams(Rng.derive(seed, `bank/${i}`)));
}

/** Canonical renders of `params` embedded by `recognizer`, rows L2-normalised. */
export async function embedCanonical(params: FaceParams[], recognizer: Recognizer, log?: (m: string) => void, batch = 32): Promise<Float32Array> {
  await loadGenderTable();
  const size = 112;
  const dim = recognizer.info.dim;
  const out = new Float32Array(params.length * dim);
  const t0 = Date.now();
  for (let start = 0; start < params.length; start += batch) {
    const n = Math.min(batch, params.length - start);
    const images = await Promise.all(Array.from({ length: n }, (_, k) => renderFace(params[start + k]!, drawVariation(0, NO_VARIATION), size)));
    const data = new Uint8Array(n * size * size * 3);
    images.forEach((img, k) => data.set(img.data, k * size * size * 3));
    const e = await recognizer.embed({ data, count: n, size });
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (e[r * dim + j] ?? 0) ** 2;
      s = Math.sqrt(s) || 1;
      for (let j = 0; j < dim; j++) out[(start + r) * dim + j] = (e[r * dim + j] ?? 0) / s;
    }
    if (log && (start / batch) % 50 === 0) log(`embedded ${start + n}/${params.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return out;
}

/** Top `rank` eigenvectors of the (uncentred) second moment of the rows, by subspace iteration. */
export function principalBasis(x: Float32Array, dim: number, rank: number, seed: number, iterations = 12): Float32Array {
  const n = x.length / dim;
  const m = new Float64Array(dim * dim);
  for (let r = 0; r < n; r++) {
    const row = x.subarray(r * dim, (r + 1) * dim);
    for (let i = 0; i < dim; i++) {
      const v = row[i] ?? 0;
      if (v === 0) continue;
      const off = i * dim;
      for (let j = i; j < dim; j++) m[off + j] = (m[off + j] ?? 0) + v * (row[j] ?? 0);
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) m[i * dim + j] = m[j * dim + i] ?? 0;
  const rng = Rng.derive(seed, 'bank-basis');
  let q = Float64Array.from({ length: dim * rank }, () => rng.normal());
  for (let it = 0; it <= iterations; it++) {
    if (it > 0) {
      const next = new Float64Array(dim * rank);
      for (let i = 0; i < dim; i++) {
        for (let k = 0; k < dim; k++) {
          const a = m[i * dim + k] ?? 0;
          if (a === 0) continue;
          for (let r = 0; r < rank; r++) next[i * rank + r] = (next[i * rank + r] ?? 0) + a * (q[k * rank + r] ?? 0);
        }
      }
      q = next;
    }
    // Gram–Schmidt on the columns
    for (let r = 0; r < rank; r++) {
      for (let p = 0; p < r; p++) {
        let d = 0;
        for (let i = 0; i < dim; i++) d += (q[i * rank + r] ?? 0) * (q[i * rank + p] ?? 0);
        for (let i = 0; i < dim; i++) q[i * rank + r] = (q[i * rank + r] ?? 0) - d * (q[i * rank + p] ?? 0);
      }
      let s = 0;
      for (let i = 0; i < dim; i++) s += (q[i * rank + r] ?? 0) ** 2;
      s = Math.sqrt(s) || 1;
      for (let i = 0; i < dim; i++) q[i * rank + r] = (q[i * rank + r] ?? 0) / s;
    }
  }
  return Float32Array.from(q);
}

/**
 * Every cartoon face shares one large common component (the bank's mean direction, cosine about
 * 0.5 between random faces). Scored against raw embeddings, a target's component along it is the
 * same for every entry and the rest favours a few off-centre "hub" faces. So the bank stores each
 * entry's direction with the mean direction projected out and renormalised: a target then picks the
 * face whose distinctive part points its way, which spreads targets over many more faces.
 */
export function withoutMeanDirection(x: Float32Array, dim: number): Float32Array {
  const n = x.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] ?? 0) + (x[r * dim + j] ?? 0);
  let norm = 0;
  for (const v of mean) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] ?? 0) / norm;
  const out = new Float32Array(x.length);
  for (let r = 0; r < n; r++) {
    let d = 0;
    for (let j = 0; j < dim; j++) d += (x[r * dim + j] ?? 0) * (mean[j] ?? 0);
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const v = (x[r * dim + j] ?? 0) - d * (mean[j] ?? 0);
      out[r * dim + j] = v;
      s += v * v;
    }
    s = Math.sqrt(s) || 1;
    for (let j = 0; j < dim; j++) out[r * dim + j] = (out[r * dim + j] ?? 0) / s;
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '20000' },
      rank: { type: 'string', default: '128' },
      seed: { type: 'string', default: '7' },
      model: { type: 'string', default: 'server/models/builtin-generator/' },
      recognizer: { type: 'string', default: 'faceres' },
      cache: { type: 'string' },
    },
    strict: true,
  });
  const count = Number(values.count);
  const rank = Number(values.rank);
  const seed = Number(values.seed);
  if (![count, rank, seed].every((v) => Number.isInteger(v) && v >= 0) || count < 1 || rank < 1) throw new Error('--count, --rank and --seed must be non-negative integers (count, rank ≥ 1)');
  const log = (msg: string): void => console.error(`[bank] ${msg}`);
  const dir = resolve(values.model);
  await loadGenderTable();
  const params = Array.from({ length: count }, (_, i) => bankIdentity(seed, i));
  const t0 = Date.now();
  const cache = values.cache ? `${values.cache}-${values.recognizer}-${seed}-${count}.f32` : undefined;
  let embeddings: Float32Array;
  if (cache && existsSync(cache)) {
    const b = await readFile(cache);
    embeddings = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  } else {
    const { builtinModels } = await import('@hyperface/server/runtime/models/catalogue');
    const { createOnnxRecognizer } = await import('@hyperface/server/runtime/backends/onnx');
    const entry = builtinModels().find((m) => m.name === values.recognizer);
    if (!entry) throw new Error(`unknown builtin recognizer ${values.recognizer}`);
    const recognizer = await createOnnxRecognizer(entry);
    embeddings = await embedCanonical(params, recognizer, log);
    await recognizer.dispose();
    if (cache) await writeFile(cache, Buffer.from(embeddings.buffer));
  }
  const embedSeconds = (Date.now() - t0) / 1000;
  const dim = embeddings.length / count;
  const residuals = withoutMeanDirection(embeddings, dim);
  const basis = principalBasis(residuals, dim, rank, seed);
  const bank = encodeBank(residuals, dim, basis, rank, params);
  // Share of each entry's embedding the projection keeps (cosine between an entry and its code).
  let kept = 0;
  for (let e = 0; e < count; e++) {
    let s = 0;
    for (let r = 0; r < rank; r++) s += ((bank.codes[e * rank + r] ?? 0) * (bank.scales[e] ?? 0)) ** 2;
    kept += Math.sqrt(s);
  }
  const source = {
    command: `node tools/dist/train-builtin-generator/bank.js ${argv.join(' ')}`,
    sampler: `quantiseParams(randomFaceParams(Rng.derive(${seed}, 'bank/i')))`,
    render: 'canonical (no variation), 112x112',
    recognizer: values.recognizer,
    embedSeconds: Math.round(embedSeconds),
    meanProjectionCosine: Number((kept / count).toFixed(4)),
  };
  log(JSON.stringify(source));
  const manifestPath = join(dir, 'model.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ModelManifest;
  manifest.bank = await saveBank(dir, bank, source);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
