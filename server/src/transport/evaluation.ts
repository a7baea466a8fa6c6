// EvaluationService: decode → EvaluationApp → stream the job's events.
import type { EvaluationServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/EvaluationService';
import type { EvaluateVerificationRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/EvaluateVerificationRequest';
import type { EvaluateDatasetRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/EvaluateDatasetRequest';
import type { EvaluationEvent } from '@hyperface/sdk/gen/hyperface/v1/EvaluationEvent';
import { InvalidArgumentError } from '../shared/errors.js';
import type { EvaluationApp, VerifyInput } from '../domain/services/evaluation.js';
import type { JobManager } from '../domain/jobs/manager.js';
import type { JobRecord } from '../domain/jobs/types.js';
import { serverStream, type CallContext, type StreamWriter, type TransportDeps } from './call.js';
import { evaluationEventToWire } from './evaluation-wire.js';
import { followJob } from './follow.js';
import { Bounds, matrixFromWire, MAX_FOLDS } from './bounds.js';

export function decodeVerifyRequest(req: EvaluateVerificationRequest__Output): VerifyInput {
  new Bounds().check('folds', req.folds, MAX_FOLDS).done();
  let source: VerifyInput['source'];
  switch (req.source) {
    case 'binPath':
      source = { kind: 'bin', path: req.binPath ?? '' };
      break;
    case 'lfw':
      source = { kind: 'lfw', pairsPath: req.lfw?.pairsPath ?? '', imageDir: req.lfw?.imageDir ?? '' };
      break;
    case 'npy':
      source = { kind: 'npy', embeddingsPath: req.npy?.embeddingsPath ?? '', issamePath: req.npy?.issamePath ?? '' };
      break;
    case 'embeddings': {
      const t = matrixFromWire(req.embeddings?.embeddings, 'embeddings.embeddings');
      for (const v of t.data) if (!Number.isFinite(v)) throw new InvalidArgumentError({ field: 'embeddings.embeddings', description: 'contains NaN or infinite values' });
      source = { kind: 'embeddings', embeddings: t.data, dim: t.dim, issame: req.embeddings?.issame ?? [] };
      break;
    }
    default:
      throw new InvalidArgumentError({ field: 'source', description: 'set one of bin_path, lfw, npy or embeddings' });
  }
  return {
    source,
    recognizer: req.recognizer || undefined,
    flip: !req.noFlip,
    folds: req.folds,
    detect: req.detect,
    name: req.name || undefined,
    reportDir: req.reportDir || undefined,
  };
}

async function stream(jobs: JobManager, job: JobRecord, detach: boolean, out: StreamWriter<EvaluationEvent>, ctx: CallContext): Promise<void> {
  await out.write({ accepted: { jobId: job.id, resumed: false } });
  await followJob(jobs, job.id, { detach, signal: ctx.signal }, async (event) => {
    if (event.channel === 'evaluation') await out.write(evaluationEventToWire(event.payload));
  });
}

export function evaluationHandlers(deps: TransportDeps, app: EvaluationApp, jobs: JobManager): EvaluationServiceHandlers {
  return {
    EvaluateVerification: serverStream<EvaluateVerificationRequest__Output, EvaluationEvent>(deps, 'EvaluateVerification', async (req, out, ctx) => {
      const job = await app.startVerification(decodeVerifyRequest(req));
      await stream(jobs, job, req.detach, out, ctx);
    }),
    EvaluateDataset: serverStream<EvaluateDatasetRequest__Output, EvaluationEvent>(deps, 'EvaluateDataset', async (req, out, ctx) => {
      const { bounds } = deps;
      new Bounds()
        .check('max_identities', req.maxIdentities, bounds.maxIdentities, 'limits.maxIdentities')
        .check('max_samples_per_identity', req.maxSamplesPerIdentity, bounds.maxImagesPerIdentity, 'limits.maxImagesPerIdentity')
        .check('pairs', req.pairs, bounds.maxPairs, 'limits.maxEvaluationPairs')
        .check('seed', req.seed, Number.MAX_SAFE_INTEGER)
        .done();
      const job = await app.startDataset({
        path: req.datasetPath,
        comparePath: req.comparePath || undefined,
        leakagePath: req.leakagePath || undefined,
        recognizer: req.recognizer || undefined,
        judgeRecognizer: req.judgeRecognizer || undefined,
        maxIdentities: req.maxIdentities,
        maxSamplesPerIdentity: req.maxSamplesPerIdentity,
        pairs: req.pairs,
        seed: req.seed,
        reportDir: req.reportDir || undefined,
      });
      await stream(jobs, job, req.detach, out, ctx);
    }),
  };
}
