// The builtin generator's training data: seeded random facesjs identities, one varied render each,
// embedded by the recognizer whose space the generator reads. Cached on disk, keyed by everything
// that decides the data, because embedding thousands of renders is the slow part.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Recognizer, VariationSettings } from '@hyperface/server/runtime/models/types';
import { type FaceParams, loadGenderTable, randomFaceParams } from '@hyperface/server/runtime/backends/builtin-generator/params';
import { renderFace } from '@hyperface/server/runtime/backends/builtin-generator/render';
import { drawVariation } from '@hyperface/server/runtime/backends/builtin-generator/variation';
import { writeFileAtomic } from '@hyperface/server/util/fs-atomic';
import { hashWords, Rng } from '@hyperface/server/util/rng';

/** The default variation of `Generate` (what held-out consistency is measured with). */
export const TRAIN_VARIATION: VariationSettings = { beta: 0.02, pose: 0.5, color: 0.5, background: 0.5, accessories: 0.3 };

/**
 * The one view of training identity i: its own seed and an amount a ~ U[0, 1] of every nuisance
 * factor (a = 0.5 is the default variation). The MLP thus sees canonical renders (what packed
 * identities near the builtin gallery look like) as well as strongly varied ones, and learns to read
 * the identity through expression, pose, light, blur and accessories.
 */
export function trainingView(seed: number, i: number, view: number): { seed: number; variation: VariationSettings } {
  const a = Rng.derive(hashWords(seed, i, view), 'amount').next();
  return { seed: hashWords(seed, i, view), variation: { beta: 0.04 * a, pose: a, color: a, background: a, accessories: 0.6 * a } };
}

export interface TrainingSet {
  /** [n, dim] recognizer embeddings of one render per identity. */
  inputs: Float32Array;
  dim: number;
  params: FaceParams[];
}

/** Renders `count` seeded random identities (one view each) and embeds them with `recognizer`. */
export async function buildTrainingSet(
  count: number,
  seed: number,
  recognizer: Recognizer,
  opts: { imageSize?: number; batch?: number; view?: number; log?: (msg: string) => void; params?: FaceParams[] } = {},
): Promise<TrainingSet> {
  await loadGenderTable();
  const size = opts.imageSize ?? 112;
  const batch = opts.batch ?? 16;
  const view = opts.view ?? 1;
  const dim = recognizer.info.dim;
  const inputs = new Float32Array(count * dim);
  const params = opts.params ?? Array.from({ length: count }, (_, i) => randomFaceParams(Rng.derive(seed, `train/${i}`)));
  const t0 = Date.now();
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const images = await Promise.all(
      Array.from({ length: n }, (_, k) => {
        const v = trainingView(seed, start + k, view);
        return renderFace(params[start + k] as FaceParams, drawVariation(v.seed, v.variation), size);
      }),
    );
    const data = new Uint8Array(n * size * size * 3);
    images.forEach((img, k) => data.set(img.data, k * size * size * 3));
    inputs.set(await recognizer.embed({ data, count: n, size }), start * dim);
    if (opts.log && (start / batch) % 20 === 0) opts.log(`embedded ${start + n}/${count} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { inputs, dim, params };
}

/** The set cached at `path`.{f32,json} when its key matches, else built and cached. */
export async function cachedSet(path: string | undefined, build: () => Promise<TrainingSet>, key: string): Promise<TrainingSet> {
  if (path && existsSync(`${path}.json`)) {
    const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { key: string; dim: number; params: { numeric: number[]; categorical: number[]; detail?: number[] }[] };
    if (meta.key === key) {
      const bin = await readFile(`${path}.f32`);
      return {
        dim: meta.dim,
        inputs: new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength)),
        params: meta.params.map((p) => ({ numeric: Float32Array.from(p.numeric), categorical: Int32Array.from(p.categorical), ...(p.detail ? { detail: Float32Array.from(p.detail) } : {}) })),
      };
    }
  }
  const set = await build();
  if (path) {
    await writeFileAtomic(`${path}.f32`, new Uint8Array(set.inputs.buffer, set.inputs.byteOffset, set.inputs.byteLength));
    await writeFileAtomic(`${path}.json`, JSON.stringify({ key, dim: set.dim, params: set.params.map((p) => ({ numeric: [...p.numeric], categorical: [...p.categorical], ...(p.detail ? { detail: [...p.detail] } : {}) })) }));
  }
  return set;
}

