// Opening what an evaluation reads: the four verification sources (insightface .bin, LFW
// pairs.txt + images, .npy embeddings + labels, inline embeddings), generated datasets and
// reference embeddings. Request paths go through the data root's PathPolicy and every file is read
// through its FileGuard (real path inside the root, regular file, size cap, cancellable).
import { basename, extname } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../shared/errors.js';
import { openBin } from '../datasets/insightface-bin.js';
import { lfwImagePath, readLfwPairs } from '../datasets/lfw.js';
import { openDatasetReader, type DatasetReader } from '../datasets/reader.js';
import { readNpyMatrix, type NpyMatrix } from '../files/npy-files.js';
import { readNpyLabelsFile, readSidecarFile } from '../fence/files.js';
import type { PathPolicy, SafePath } from '../files/paths.js';
import { boundCount, DEFAULT_READ_LIMITS, MAX_BYTES, type ReadLimits } from '../files/read-limits.js';
import { clip, sidecarOf, type FileGuard } from '../files/safe-files.js';
import type { AlignedEmbedder, FaceAligner, ImageDecoder } from './embedding.js';

export interface EvaluationDeps {
  /** Required for image sources and datasets. */
  embedder?: AlignedEmbedder;
  /** @default sharpDecoder */
  decode?: ImageDecoder;
  /** Required when `detect` is requested. */
  align?: FaceAligner;
  /** The data root's path policy: request paths resolve against it, and every file read is confined to it. */
  paths?: PathPolicy;
  /** Bounds on counts the files claim. @default DEFAULT_READ_LIMITS */
  limits?: Partial<ReadLimits>;
  /** Picks the judge when none is named: the first registered recognizer other than `recognizer`. */
  pickJudge?: (recognizer: string | undefined) => string | undefined;
  /** Name of the recognizer used when a request names none (to check reference sidecars). */
  defaultRecognizer?: string;
  /** Embeds the largest face of every image under a folder (the leakage audit's real identities). */
  embedFaces?: (dir: SafePath, recognizer: string | undefined, signal: AbortSignal | undefined) => Promise<{ data: Float32Array; rows: number; dim: number; files?: string[] }>;
}

/** A request path through the data root's policy; there is no unconfined way to open one. */
export function requestPath(deps: EvaluationDeps, path: string, field: string): SafePath {
  if (!path) throw new InvalidArgumentError({ field, description: 'required' });
  return policyOf(deps).resolve(path, field);
}

/** The guard every file of a request is read through (confined to the same root). */
export function guardOf(deps: EvaluationDeps): FileGuard {
  return policyOf(deps).files;
}

function policyOf(deps: EvaluationDeps): PathPolicy {
  if (!deps.paths) throw new FailedPreconditionError('an evaluation that reads files needs the data root policy (EvaluationDeps.paths)');
  return deps.paths;
}

export function limitsOf(deps: EvaluationDeps): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...deps.limits };
}

export type VerificationSource =
  | { kind: 'bin'; path: string }
  | { kind: 'lfw'; pairsPath: string; imageDir: string }
  | { kind: 'npy'; embeddingsPath: string; issamePath: string }
  | { kind: 'embeddings'; embeddings: Float32Array; dim: number; issame: readonly boolean[] };

/** An opened verification source: labels, then either embeddings or lazily read images (pair p = images 2p, 2p+1). */
export interface PairsInput {
  name: string;
  sourceLabel: string;
  issame: boolean[];
  embeddings?: { data: Float32Array; dim: number };
  images?: { count: number; encoded(i: number): Promise<Uint8Array>; close(): Promise<void> };
}

export async function openVerificationSource(source: VerificationSource, deps: EvaluationDeps, name?: string, signal?: AbortSignal): Promise<PairsInput> {
  const stem = (p: string): string => basename(p, extname(p));
  // Inline embeddings read no file: the guard is only asked for when a path is opened.
  const files = (): FileGuard => guardOf(deps);
  const { maxPairs } = limitsOf(deps);
  const sig = signal ? { signal } : {};
  switch (source.kind) {
    case 'bin': {
      const path = requestPath(deps, source.path, 'bin_path');
      const bench = await openBin(path, { field: 'bin_path', files: files(), maxPairs, ...sig });
      return { name: name || stem(path), sourceLabel: path, issame: bench.issame, images: { count: bench.count, encoded: (i) => bench.image(i), close: () => bench.close() } };
    }
    case 'lfw': {
      const pairsPath = requestPath(deps, source.pairsPath, 'lfw.pairs_path');
      const dir = requestPath(deps, source.imageDir, 'lfw.image_dir');
      await files().real(dir, 'lfw.image_dir');
      const { pairs, folds, pairsPerFold } = await readLfwPairs(pairsPath, { files: files(), maxPairs, ...sig });
      if (folds === 1) {
        // View 1 is a development split: its protocol picks the threshold on pairsDevTrain and reports
        // once on pairsDevTest. Ten folds inside one of its files would be some other number.
        throw new InvalidArgumentError({
          field: 'lfw.pairs_path',
          description: `an LFW View 1 file (header "${pairsPerFold}": pairsDevTrain.txt / pairsDevTest.txt); its protocol chooses the threshold on DevTrain and reports once on DevTest, which this service does not run. Use View 2 pairs.txt (header "10 300") for the 10-fold protocol`,
        });
      }
      const images = pairs.flatMap((p) => [lfwImagePath(dir, p.a, 'jpg', files()), lfwImagePath(dir, p.b, 'jpg', files())]);
      return {
        name: name || 'lfw',
        sourceLabel: pairsPath,
        issame: pairs.map((p) => p.issame),
        images: {
          count: images.length,
          encoded: (i) => files().read(images[i]!, { maxBytes: MAX_BYTES.image, field: 'lfw.image_dir', ...sig }),
          close: async () => undefined,
        },
      };
    }
    case 'npy': {
      const ePath = requestPath(deps, source.embeddingsPath, 'npy.embeddings_path');
      const lPath = requestPath(deps, source.issamePath, 'npy.issame_path');
      const m = await readNpyMatrix(files(), ePath, 'npy.embeddings_path', signal);
      const labels = await readNpyLabelsFile(lPath, { files: files(), field: 'npy.issame_path', ...sig });
      boundCount(labels.length, maxPairs, 'npy.issame_path', 'pairs', 'limits.maxEvaluationPairs');
      if (m.rows !== 2 * labels.length) {
        throw new InvalidArgumentError({ field: 'npy.issame_path', description: `${labels.length} labels for ${m.rows} embedding rows (need rows = 2 x labels)` });
      }
      return { name: name || stem(ePath), sourceLabel: ePath, issame: labels, embeddings: { data: m.data, dim: m.cols } };
    }
    case 'embeddings': {
      const { embeddings, dim, issame } = source;
      if (!Number.isInteger(dim) || dim <= 0) throw new InvalidArgumentError({ field: 'embeddings.embeddings', description: 'needs shape [2P, D]' });
      if (embeddings.length !== 2 * issame.length * dim) {
        throw new InvalidArgumentError({ field: 'embeddings.issame', description: `${issame.length} labels for ${embeddings.length / dim} embedding rows (need rows = 2 x labels)` });
      }
      return { name: name || 'embeddings', sourceLabel: 'inline', issame: [...issame], embeddings: { data: embeddings, dim } };
    }
  }
}

/** A generated dataset (ImageFolder or RecordIO), confined and bounded like every other source. */
export function openDataset(deps: EvaluationDeps, root: SafePath, field: string, options: { maxIdentities?: number; maxSamplesPerIdentity?: number; signal?: AbortSignal }): Promise<DatasetReader> {
  return openDatasetReader(root, {
    field,
    files: guardOf(deps),
    maxSamples: limitsOf(deps).maxSamples,
    ...(options.maxIdentities ? { maxIdentities: options.maxIdentities } : {}),
    ...(options.maxSamplesPerIdentity ? { maxSamplesPerIdentity: options.maxSamplesPerIdentity } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

export interface References {
  /** Row `identity` of the reference matrix, when the references are usable. */
  reference?: (identity: number) => Float32Array | undefined;
  /** Why a references file was not used, or how it was matched. */
  note?: string;
}

/**
 * Reference identity embeddings [N, D] (row = identity) for a dataset. They are usable only in the
 * space of the recognizer that embeds the dataset: the recognizer recorded in the sidecar
 * (`<file>.json`, as `hyperface pack` writes it) must be that one; without a sidecar only the width
 * can be checked. A missing file is no references. For an explicit `references_path` a mismatch is
 * the caller's error; for the dataset's own identities.npy it falls back (with a note).
 */
export async function loadReferences(
  deps: EvaluationDeps,
  path: SafePath,
  ctx: { field: string; explicit: boolean; recognizer: string | undefined; dim: number; signal?: AbortSignal },
): Promise<References> {
  const files = guardOf(deps);
  let m: NpyMatrix;
  try {
    m = await readNpyMatrix(files, path, ctx.field, ctx.signal);
  } catch (error) {
    if (error instanceof NotFoundError && !ctx.explicit) return {};
    throw error;
  }
  const refuse = (why: string): References => {
    if (ctx.explicit) throw new InvalidArgumentError({ field: ctx.field, description: why });
    return { note: `${basename(path)} not used: ${why}` };
  };
  const sidecarPath = sidecarOf(path);
  let recorded: string | null | undefined;
  try {
    const sidecar = await readSidecarFile(sidecarPath, { files, field: ctx.field, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    recorded = typeof sidecar.recognizer === 'string' && sidecar.recognizer !== '' ? sidecar.recognizer : null;
  } catch (error) {
    if (!(error instanceof NotFoundError)) return refuse(`its sidecar ${basename(sidecarPath)} cannot be read: ${clip((error as Error).message)}`);
  }
  const expected = ctx.recognizer;
  if (recorded === null) return refuse('its sidecar records no recognizer (pure geometry): not in any recognizer\'s space');
  if (recorded !== undefined && expected !== undefined && recorded !== expected) return refuse(`made for recognizer ${clip(recorded, 80)}, the dataset is embedded with ${clip(expected, 80)}`);
  if (m.cols !== ctx.dim) return refuse(`${m.cols} columns, the recognizer embeds into ${ctx.dim}`);
  const reference = (id: number): Float32Array | undefined => (id >= 0 && id < m.rows ? m.data.subarray(id * m.cols, (id + 1) * m.cols) : undefined);
  return recorded === undefined ? { reference, note: `${basename(path)} has no sidecar: matched by width only` } : { reference };
}
