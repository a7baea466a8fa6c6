// Held-out identity consistency of a fitted builtin generator, under one or more judges.
import { dot } from '@hyperface/server/domain/packing/objective';
import type { Recognizer } from '@hyperface/server/runtime/models/types';
import { builtinGeneratorFromWeights } from '@hyperface/server/runtime/backends/builtin-generator/index';
import type { MlpWeights } from '@hyperface/server/runtime/backends/builtin-generator/model';
import type { FaceParams } from '@hyperface/server/runtime/backends/builtin-generator/params';
import { renderFace } from '@hyperface/server/runtime/backends/builtin-generator/render';
import { drawVariation } from '@hyperface/server/runtime/backends/builtin-generator/variation';
import { hashWords } from '@hyperface/server/util/rng';
import { TRAIN_VARIATION, trainingView } from './data.js';

export interface ConsistencyReport {
  recognizer: string;
  /** Embedding noise of the generated faces. */
  beta: number;
  identities: number;
  /** Mean cosine of a generated face (from the reference embedding) to the reference. */
  generated: number;
  /** Mean cosine of a fresh render of the true identity (new variation) to the reference. */
  trueIdentity: number;
  /** Mean cosine of a generated face to another identity's reference. */
  impostor: number;
  /** Fraction of generated faces whose nearest reference (among the evaluated) is their own. */
  rank1: number;
}

/**
 * Held-out consistency at the default variation: identity i's reference is its training view (whose
 * `conditioning` embedding is the generator's input). A generated face (new seed) and a fresh render
 * of the true identity with that seed (the ceiling) are embedded by each judge and compared with the
 * judge's embedding of the reference view. `heldOut.offset` is the first held-out identity's index.
 */
export async function measureConsistency(
  weights: MlpWeights,
  heldOut: { params: FaceParams[]; inputs: Float32Array; offset: number },
  seed: number,
  judges: Recognizer[],
): Promise<ConsistencyReport[]> {
  const size = 112;
  const n = heldOut.params.length;
  const dim = weights.dim;
  const gen = await builtinGeneratorFromWeights(weights);
  const generated: Uint8Array[] = [];
  const truth: Uint8Array[] = [];
  const viewA: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const p = heldOut.params[i] as FaceParams;
    const seedB = hashWords(seed, heldOut.offset + i, 2);
    const [g] = await gen.render([{ embedding: heldOut.inputs.slice(i * dim, (i + 1) * dim), seed: seedB, variation: TRAIN_VARIATION }]);
    generated.push((g as { data: Uint8Array }).data);
    truth.push((await renderFace(p, drawVariation(seedB, TRAIN_VARIATION), size)).data);
    const a = trainingView(seed, heldOut.offset + i, 1);
    viewA.push((await renderFace(p, drawVariation(a.seed, a.variation), size)).data);
  }
  const stack = (list: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(list.length * size * size * 3);
    list.forEach((d, i) => out.set(d, i * size * size * 3));
    return out;
  };
  const reports: ConsistencyReport[] = [];
  for (const judge of judges) {
    const d = judge.info.dim;
    const embed = async (list: Uint8Array[]): Promise<Float32Array> => {
      const out = new Float32Array(list.length * d);
      for (let s = 0; s < list.length; s += 16) {
        const part = list.slice(s, s + 16);
        out.set(await judge.embed({ data: stack(part), count: part.length, size }), s * d);
      }
      return out;
    };
    const ref = await embed(viewA);
    const eg = await embed(generated);
    const et = await embed(truth);
    let g = 0;
    let t = 0;
    let imp = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      g += dot(eg, i * d, ref, i * d, d);
      t += dot(et, i * d, ref, i * d, d);
      imp += dot(eg, i * d, ref, ((i + 1) % n) * d, d);
      let best = -1;
      let bestJ = -1;
      for (let j = 0; j < n; j++) {
        const c = dot(eg, i * d, ref, j * d, d);
        if (c > best) [best, bestJ] = [c, j];
      }
      if (bestJ === i) hits++;
    }
    reports.push({ recognizer: judge.info.name, beta: TRAIN_VARIATION.beta, identities: n, generated: g / n, trueIdentity: t / n, impostor: imp / n, rank1: hits / n });
  }
  return reports;
}

