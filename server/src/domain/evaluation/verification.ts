// Verification benchmarks: open the source, embed its images (with the flip test) unless it holds
// embeddings, run the insightface protocol, write report.html + result.json.
import { FailedPreconditionError, HyperfaceError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import { clip } from '../files/safe-files.js';
import { embedAll, sharpDecoder, type EvaluationProgress } from './embedding.js';
import { renderVerificationHtml } from './pages.js';
import { evaluatePairs, type VerificationMetrics } from './protocol.js';
import { writeReport } from './report.js';
import { toJson, verificationResult, type VerificationOutcome } from './results.js';
import { openVerificationSource, type EvaluationDeps, type VerificationSource } from './sources.js';

export interface VerificationOptions {
  /** Recognizer for image sources; undefined = the default recognizer. */
  recognizer?: string;
  /** Flip test-time augmentation for image sources. @default true */
  flip?: boolean;
  /** @default 10 */
  folds?: number;
  /** Detect + align before embedding (LFW originals). @default false */
  detect?: boolean;
  /** Benchmark name; default from the file name. */
  name?: string;
  /** Where report.html + result.json go; undefined = no files. */
  reportDir?: string;
  /** Crop side fed to the recognizer. @default 112 */
  imageSize?: number;
  /** @default 64 */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: EvaluationProgress) => void;
}

export async function evaluateVerification(source: VerificationSource, deps: EvaluationDeps, options: VerificationOptions = {}): Promise<VerificationOutcome> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const input = await openVerificationSource(source, deps, options.name, signal);
  const flip = options.flip ?? true;
  const size = options.imageSize ?? 112;
  const folds = options.folds ?? 10;
  const images = input.images;
  try {
    let metrics: VerificationMetrics & { distances: Float64Array; stratified: boolean };
    if (input.embeddings) {
      metrics = evaluatePairs(input.embeddings.data, input.embeddings.dim, input.issame, { folds });
    } else {
      if (!images) throw new FailedPreconditionError('the source holds neither embeddings nor images');
      if (!deps.embedder) throw new FailedPreconditionError('no recognizer available to embed images');
      if (options.detect && !deps.align) throw new FailedPreconditionError('face detection is not available in this daemon (detect = true)');
      const decode = deps.decode ?? sharpDecoder;
      const align = deps.align;
      const load = async (i: number): Promise<Uint8Array> => {
        const enc = await images.encoded(i);
        try {
          return options.detect && align ? await align(enc, size, signal ? { signal } : {}) : await decode(enc, size);
        } catch (error) {
          if (error instanceof HyperfaceError) throw error;
          throw new InvalidArgumentError({ field: source.kind === 'bin' ? 'bin_path' : 'lfw.image_dir', description: `image ${i} cannot be decoded: ${clip((error as Error).message)}` }, { cause: error });
        }
      };
      const [emb] = await embedAll(deps.embedder, { count: images.count, load }, [options.recognizer], {
        size,
        batchSize: options.batchSize ?? 64,
        flip,
        phase: 'embed',
        ...(signal ? { signal } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      onProgress?.({ done: 0, total: 1, phase: 'metrics' });
      metrics = evaluatePairs(emb!.plain, emb!.dim, input.issame, { folds, ...(flip && emb!.flipped ? { flipped: emb!.flipped } : {}) });
    }
    throwIfAborted(signal);
    const { distances } = metrics;
    const result = verificationResult(metrics, {
      name: input.name,
      recognizer: images ? (options.recognizer ?? null) : null,
      flip: images !== undefined && flip,
      source: input.sourceLabel,
      stratified: metrics.stratified,
    });
    const outcome: VerificationOutcome = { result, json: toJson(result), tarAtFar: metrics.tar_at_far_points };
    if (options.reportDir) {
      onProgress?.({ done: 0, total: 1, phase: 'report' });
      const html = await renderVerificationHtml(result, distances, input.issame, images);
      Object.assign(outcome, await writeReport(options.reportDir, html, result));
      onProgress?.({ done: 1, total: 1, phase: 'report' });
    }
    return outcome;
  } finally {
    await images?.close();
  }
}
