// The generation service: identities x K samples → faces, pulled lazily in (identity, sample) order,
// with the optional identity-consistency filter. Transport-agnostic: the gRPC handler, the CLI and
// the dataset job all iterate `generateSamples`.
import { InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import type { Generator, RawImageData, Recognizer, RenderItem } from '../../runtime/models/types.js';
import { type GenerateParams, identityRange, sampleSeed } from './params.js';
import { dot, normalizeRows } from '../../util/vec.js';

/** What the service needs from the model repository (structural: any repository with these works). */
export interface GenerationModels {
  generator(name?: string): Generator | Promise<Generator>;
  recognizer(name?: string): Recognizer | Promise<Recognizer>;
}

export interface GenerationDeps {
  models: GenerationModels;
  /** Return true for samples already produced (resume): they are neither rendered nor yielded. */
  skip?: (identity: number, sample: number) => boolean;
}

export interface GenerateOptions {
  signal?: AbortSignal;
  /** Samples rendered per generator call (the most buffered ahead of the consumer). @default 16 */
  batchSize?: number;
}

export interface GeneratedSample {
  /** Global identity row. */
  identity: number;
  sample: number;
  /** The seed of the kept attempt. */
  seed: number;
  image: RawImageData;
  /** Recognizer embedding of the kept image (includeEmbedding or minCosine). */
  embedding?: Float32Array;
  /** Cosine of that embedding to the identity's reference; 0 when not computed (see `scored`). */
  cosine: number;
  /** A recognizer scored the sample against a reference, so `cosine` means something. */
  scored: boolean;
  /** Renders used (1 = first try). */
  attempts: number;
  /** The filter never reached minCosine; the best attempt was kept. */
  belowThreshold: boolean;
  /** Attempts the privacy guard rejected (within the exclusion angle of a real identity). */
  rejectedNearReal: number;
  /** Every attempt was rejected by the guard: the sample must not be written. */
  droppedNearReal: boolean;
}

interface Pending {
  identity: number;
  sample: number;
  attempts: number;
  rejected: number;
  /** `ok`: not rejected by the privacy guard. */
  best?: { seed: number; image: RawImageData; embedding?: Float32Array; cosine: number; scored: boolean; ok: boolean };
}

/** Largest cosine between an embedding (any norm) and unit rows [count, d]. */
function nearestRealCos(e: Float32Array, rows: Float32Array, count: number, d: number): number {
  const inv = 1 / Math.sqrt(dot(e, 0, e, 0, d) || 1);
  let best = -Infinity;
  for (let r = 0; r < count; r++) best = Math.max(best, dot(e, 0, rows, r * d, d) * inv);
  return best;
}

function unitRow(m: GenerateParams['identities'], row: number): Float32Array {
  return normalizeRows(m.data.slice(row * m.dim, (row + 1) * m.dim), 1, m.dim);
}

/** Stacks same-sized square RGB renders into one uint8 HWC batch. */
export function stackImages(images: RawImageData[]): { data: Uint8Array; size: number } {
  const first = images[0];
  if (!first) return { data: new Uint8Array(0), size: 0 };
  const size = first.width;
  const per = size * size * 3;
  const data = new Uint8Array(images.length * per);
  images.forEach((img, i) => {
    if (img.width !== size || img.height !== size) throw new Error(`generator returned mixed image sizes (${img.width}x${img.height} vs ${size})`);
    data.set(img.data.subarray(0, per), i * per);
  });
  return { data, size };
}

/**
 * Renders the plan lazily: each batch is rendered only when the consumer has taken every sample of
 * the previous one. Reference embedding for the cosine: the identity embedding itself when the
 * generator's and recognizer's dims match (the generator conditions on that recognizer's space);
 * otherwise the recognizer's embedding of a variation-free render of the identity (seed
 * sampleSeed(seed, i, 0xffffffff, 0)), i.e. the identity projected into the recognizer's space.
 */
export async function* generateSamples(params: GenerateParams, deps: GenerationDeps, options: GenerateOptions = {}): AsyncGenerator<GeneratedSample> {
  const { signal } = options;
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  const generator = await deps.models.generator(params.generator);
  if (generator.info.dim !== params.identities.dim) {
    throw new InvalidArgumentError({
      field: 'embeddings',
      description: `identities are ${params.identities.dim}-d but generator ${generator.info.name} takes ${generator.info.dim}-d embeddings`,
    });
  }
  const filter = params.minCosine !== undefined;
  const guard = params.exclude;
  const needEmbedding = filter || params.includeEmbedding || guard !== undefined;
  const recognizer = needEmbedding ? await deps.models.recognizer(params.recognizer) : undefined;
  if (guard && recognizer && recognizer.info.dim !== guard.dim) {
    throw new InvalidArgumentError({ field: 'exclude_path', description: `rows have ${guard.dim} dimensions, recognizer ${recognizer.info.name} embeds into ${recognizer.info.dim}` });
  }
  const guardCos = guard ? Math.cos((guard.minAngleDeg * Math.PI) / 180) : Infinity;
  const sameSpace = recognizer !== undefined && recognizer.info.dim === generator.info.dim;
  const { start, end } = identityRange(params);
  const K = params.imagesPerIdentity;
  const minCos = params.minCosine ?? -Infinity;

  const identityCache = new Map<number, { embedding: Float32Array; reference?: Float32Array }>();
  const identityOf = async (row: number): Promise<{ embedding: Float32Array; reference?: Float32Array }> => {
    let hit = identityCache.get(row);
    if (hit) return hit;
    const embedding = unitRow(params.identities, row);
    hit = { embedding };
    if (recognizer) {
      if (sameSpace) {
        hit.reference = embedding;
      } else {
        const [img] = await generator.render(
          [{ embedding, seed: sampleSeed(params.seed, row, 0xffffffff, 0), variation: { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 } }],
          { signal },
        );
        const { data, size } = stackImages(img ? [img] : []);
        hit.reference = await recognizer.embed({ data, count: 1, size }, { signal });
      }
    }
    // Identity-major order: only the identities of the current batch are ever needed.
    if (identityCache.size > batchSize + 1) {
      const oldest = identityCache.keys().next().value;
      if (oldest !== undefined) identityCache.delete(oldest);
    }
    identityCache.set(row, hit);
    return hit;
  };

  const renderRound = async (list: Pending[]): Promise<void> => {
    const items: RenderItem[] = [];
    for (const p of list) {
      const id = await identityOf(p.identity);
      items.push({ embedding: id.embedding, seed: sampleSeed(params.seed, p.identity, p.sample, p.attempts), variation: params.variation });
    }
    throwIfAborted(signal);
    const images = await generator.render(items, { signal });
    let embeddings: Float32Array | undefined;
    let d = 0;
    if (recognizer) {
      const { data, size } = stackImages(images);
      embeddings = await recognizer.embed({ data, count: images.length, size }, { signal });
      d = recognizer.info.dim;
    }
    for (let i = 0; i < list.length; i++) {
      const p = list[i] as Pending;
      const image = images[i];
      if (!image) throw new Error(`generator ${generator.info.name} returned ${images.length} images for ${list.length} items`);
      const seed = (items[i] as RenderItem).seed;
      p.attempts++;
      let cosine = 0;
      let embedding: Float32Array | undefined;
      let scored = false;
      if (embeddings) {
        embedding = embeddings.slice(i * d, (i + 1) * d);
        const ref = (await identityOf(p.identity)).reference;
        cosine = ref ? dot(embeddings, i * d, ref, 0, d) : 0;
        scored = ref !== undefined;
      }
      const ok = !guard || !embedding || nearestRealCos(embedding, guard.rows, guard.count, d) <= guardCos;
      if (!ok) p.rejected++;
      // An attempt the guard accepts beats any it rejected; then the better consistency.
      if (!p.best || (ok && !p.best.ok) || (ok === p.best.ok && cosine > p.best.cosine)) p.best = { seed, image, cosine, scored, ok, ...(embedding ? { embedding } : {}) };
    }
  };

  let identity = start;
  let sample = 0;
  while (identity < end) {
    throwIfAborted(signal);
    // Next batch of (identity, sample) pairs, in order, skipping what a previous run produced.
    const batch: Pending[] = [];
    while (batch.length < batchSize && identity < end) {
      if (!deps.skip?.(identity, sample)) batch.push({ identity, sample, attempts: 0, rejected: 0 });
      if (++sample >= K) {
        sample = 0;
        identity++;
      }
    }
    if (batch.length === 0) continue;
    await renderRound(batch);
    if (filter || guard) {
      for (let retry = 0; retry < params.maxRetries; retry++) {
        const failing = batch.filter((p) => (p.best?.cosine ?? -Infinity) < minCos || p.best?.ok === false);
        if (failing.length === 0) break;
        await renderRound(failing);
      }
    }
    for (const p of batch) {
      const best = p.best;
      if (!best) continue;
      const out: GeneratedSample = {
        identity: p.identity,
        sample: p.sample,
        seed: best.seed,
        image: best.image,
        cosine: best.cosine,
        scored: best.scored,
        attempts: p.attempts,
        belowThreshold: filter && best.cosine < minCos,
        rejectedNearReal: p.rejected,
        droppedNearReal: !best.ok,
      };
      if (best.embedding && needEmbedding) out.embedding = best.embedding;
      p.best = undefined;
      yield out;
    }
  }
}
