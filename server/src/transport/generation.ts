// GenerationService.Generate: decode → GenerationApp.start → samples through the job's live sink
// (backpressured), progress and summary from the job log.
import type { GenerationServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/GenerationService';
import type { GenerateRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/GenerateRequest';
import type { GenerateEvent } from '@hyperface/sdk/gen/hyperface/v1/GenerateEvent';
import { InvalidArgumentError } from '../errors.js';
import type { GenerationApp, GenerateInput, IdentitySource } from '../domain/app/generation.js';
import type { JobManager } from '../domain/jobs/manager.js';
import type { InteractiveGeneration } from '../domain/app/interactive-generation.js';
import { serverStream, type TransportDeps } from './call.js';
import { followJob } from './follow.js';
import { faceSampleToWire, generateEventToWire } from './generation-wire.js';
import { enumOf, matrixFromWire } from './bounds.js';

export function decodeGenerateRequest(req: GenerateRequest__Output): GenerateInput {
  let identities: IdentitySource;
  switch (req.identities) {
    case 'embeddingsPath':
      identities = { kind: 'npy', path: req.embeddingsPath ?? '' };
      break;
    case 'packJobId':
      identities = { kind: 'pack_job', jobId: req.packJobId ?? '' };
      break;
    case 'embeddings':
      identities = { kind: 'inline', ...matrixFromWire(req.embeddings, 'embeddings') };
      break;
    default:
      throw new InvalidArgumentError({ field: 'identities', description: 'set one of embeddings_path, pack_job_id or embeddings' });
  }
  const v = req.variation;
  const variation: Record<string, number> = {};
  for (const key of ['beta', 'pose', 'color', 'background', 'accessories'] as const) {
    const x = v?.[key];
    if (x !== undefined && x !== null) variation[key] = x;
  }
  const formats = { IMAGE_FORMAT_UNSPECIFIED: 'png', IMAGE_FORMAT_PNG: 'png', IMAGE_FORMAT_JPEG: 'jpeg', IMAGE_FORMAT_RAW: 'raw' } as const;
  const datasets = { DATASET_FORMAT_NONE: 'none', DATASET_FORMAT_IMAGEFOLDER: 'imagefolder', DATASET_FORMAT_RECORDIO: 'recordio' } as const;
  const params: GenerateInput['params'] = {
    imagesPerIdentity: req.imagesPerIdentity,
    seed: req.seed,
    variation,
    identityOffset: req.identityOffset,
    identityCount: req.identityCount,
    includeEmbedding: req.includeEmbedding || req.minCosine !== undefined,
    maxRetries: req.maxRetries,
  };
  if (req.generator) params.generator = req.generator;
  if (req.recognizer) params.recognizer = req.recognizer;
  if (req.minCosine !== undefined && req.minCosine !== null) params.minCosine = req.minCosine;
  if (req.imagesPerIdentity === 0) throw new InvalidArgumentError({ field: 'images_per_identity', description: 'must be >= 1' });
  return {
    identities,
    params,
    format: enumOf(req.format, formats, 'format'),
    jpegQuality: req.jpegQuality || 90,
    imageSize: req.imageSize,
    outputDir: req.outputDir || undefined,
    datasetFormat: enumOf(req.datasetFormat, datasets, 'dataset_format'),
    skipImages: req.skipImages,
    ...(req.excludePath ? { excludePath: req.excludePath } : {}),
    ...(req.excludeMinAngleDeg !== undefined && req.excludeMinAngleDeg !== null ? { excludeMinAngleDeg: req.excludeMinAngleDeg } : {}),
  };
}

export function generationHandlers(deps: TransportDeps, app: GenerationApp, jobs: JobManager, interactive?: InteractiveGeneration): GenerationServiceHandlers {
  return {
    Generate: serverStream<GenerateRequest__Output, GenerateEvent>(deps, 'Generate', async (req, out, ctx) => {
      const input = decodeGenerateRequest(req);
      // Small and writing no dataset: an interactive request, not a job (no job id).
      const opened = interactive ? await interactive.open(input, req.detach) : {};
      if (opened.interactive) {
        const summary = await opened.interactive.run({
          caller: ctx.principal,
          signal: ctx.signal,
          // Nothing is written before the slot is held: a refusal (queue full) is the call's only
          // answer, so a client's retry policy can retry it.
          admitted: () => out.write({ accepted: { jobId: '', resumed: false } }),
          deliver: (sample) => out.write({ sample: faceSampleToWire(sample) }),
        });
        await out.write(generateEventToWire({ summary }));
        return;
      }
      let markAccepted!: () => void;
      const accepted = new Promise<void>((resolve) => (markAccepted = resolve));
      let jobId = '';
      const job = await app.start(input, {
        sink: async (sample) => {
          await accepted;
          try {
            await out.write({ sample: faceSampleToWire(sample) });
          } catch {
            // The stream went away: the job goes on (detach) or is being cancelled by followJob.
            jobs.detach(jobId);
          }
        },
      }, opened.checked);
      jobId = job.id;
      // resumed: an identical job already wrote this folder; this stream follows it.
      await out.write({ accepted: { jobId: job.id, resumed: job.attached === true } });
      markAccepted();
      await followJob(jobs, job.id, { detach: req.detach, signal: ctx.signal }, async (event) => {
        if (event.channel === 'generate') await out.write(generateEventToWire(event.payload));
      });
    }),
  };
}
