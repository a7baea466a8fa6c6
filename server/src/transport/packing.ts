// PackingService.Pack: decode → PackingApp.start → stream the job's events (and result rows).
import type { PackingServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/PackingService';
import type { PackRequest__Output } from '@hyperface/sdk/gen/hyperface/v1/PackRequest';
import type { PackEvent } from '@hyperface/sdk/gen/hyperface/v1/PackEvent';
import { toTensor } from '@hyperface/sdk/tensor';
import type { PackingApp, PackInput, GallerySpec } from '../domain/services/packing.js';
import type { FixedSpec } from '../domain/services/packing-fixed.js';
import type { FixedSource__Output } from '@hyperface/sdk/gen/hyperface/v1/FixedSource';
import type { JobManager } from '../domain/jobs/manager.js';
import { serverStream, type StreamWriter, type TransportDeps } from './call.js';
import { followJob } from './follow.js';
import { packEventToWire } from './packing-wire.js';
import { Bounds, enumOf, matrixFromWire, MAX_EVERY, type RequestBounds } from './bounds.js';

const CHUNK_BYTES = 1024 * 1024;

export function decodePackRequest(req: PackRequest__Output, bounds: RequestBounds): PackInput {
  new Bounds()
    .check('gallery.builtin_size', req.gallery?.source === 'builtinSize' ? req.gallery.builtinSize : undefined, bounds.maxGallerySize, 'limits.maxGallerySize')
    .check('progress_every', req.progressEvery, MAX_EVERY)
    .check('checkpoint_every', req.checkpointEvery, MAX_EVERY)
    .done();
  const modes = { PACK_MODE_UNSPECIFIED: undefined, PACK_MODE_FAST: 'fast', PACK_MODE_PAPER: 'paper', PACK_MODE_STOCHASTIC: 'stochastic', PACK_MODE_RANDOM: 'random', PACK_MODE_RANDOM_GALLERY: 'random-gallery', PACK_MODE_CODE: 'code' } as const;
  const inits = { PACK_INIT_UNSPECIFIED: undefined, PACK_INIT_GALLERY: 'gallery', PACK_INIT_RANDOM: 'random', PACK_INIT_CODE: 'code' } as const;
  const devices = { DEVICE_UNSPECIFIED: undefined, DEVICE_CPU: 'cpu', DEVICE_GPU: 'gpu' } as const;
  let gallery: GallerySpec | undefined;
  const g = req.gallery;
  switch (g?.source) {
    case 'none':
      gallery = { kind: 'none' };
      break;
    case 'npyPath':
      gallery = { kind: 'npy', path: g.npyPath ?? '' };
      break;
    case 'imageDir':
      gallery = { kind: 'image_dir', path: g.imageDir ?? '' };
      break;
    case 'builtinSize':
      gallery = { kind: 'builtin', size: g.builtinSize ?? 0 };
      break;
    case 'embeddings':
      gallery = { kind: 'inline', ...matrixFromWire(g.embeddings, 'gallery.embeddings') };
      break;
    default:
      gallery = undefined;
  }
  const params: PackInput['params'] = { identities: req.identities, dim: req.dim, seed: req.seed, maxSeconds: req.maxSeconds };
  const mode = enumOf(req.mode, modes, 'mode');
  const init = enumOf(req.init, inits, 'init');
  const device = enumOf(req.device, devices, 'device');
  if (mode) params.mode = mode;
  if (init) params.init = init;
  if (device) params.device = device;
  if (req.alpha !== undefined) params.alpha = req.alpha;
  if (req.learningRate !== undefined) params.learningRate = req.learningRate;
  if (req.iterations !== undefined) params.iterations = req.iterations;
  if (req.batchSize !== undefined) params.batchSize = req.batchSize;
  if (req.progressEvery) params.progressEvery = req.progressEvery;
  if (req.checkpointEvery) params.checkpointEvery = req.checkpointEvery;
  const input: PackInput = { params, recognizer: req.recognizer || undefined, gallery, outputPath: req.outputPath || undefined };
  const exclude = fixedFromWire(req.exclude, 'exclude');
  const extend = fixedFromWire(req.extend, 'extend');
  if (exclude) input.exclude = exclude;
  if (extend) input.extend = extend;
  if (req.excludeMinAngleDeg !== undefined && req.excludeMinAngleDeg !== null) input.excludeMinAngleDeg = req.excludeMinAngleDeg;
  return input;
}

function fixedFromWire(f: FixedSource__Output | null | undefined, role: string): FixedSpec | undefined {
  switch (f?.source) {
    case 'npyPath':
      return { kind: 'npy', path: f.npyPath ?? '' };
    case 'imageDir':
      return { kind: 'image_dir', path: f.imageDir ?? '' };
    case 'embeddings':
      return { kind: 'inline', ...matrixFromWire(f.embeddings, `${role}.embeddings`) };
    default:
      return undefined;
  }
}

export function packingHandlers(deps: TransportDeps, app: PackingApp, jobs: JobManager): PackingServiceHandlers {
  return {
    Pack: serverStream<PackRequest__Output, PackEvent>(deps, 'Pack', async (req, out, ctx) => {
      const job = await app.start(decodePackRequest(req, deps.bounds));
      // Held until the result is sent: retention must not remove the folder it is read from.
      const unhold = jobs.hold(job.id);
      try {
        await streamPackJob(app, jobs, job.id, req, out, ctx.signal);
      } finally {
        unhold();
      }
    }),
  };
}

async function streamPackJob(app: PackingApp, jobs: JobManager, id: string, req: PackRequest__Output, out: StreamWriter<PackEvent>, signal: AbortSignal): Promise<void> {
  await out.write({ accepted: { jobId: id, resumed: false } });
  // The result is sent once the job is durably SUCCEEDED, so a client that holds it can at
  // once name the job elsewhere (Generate's pack_job_id) without racing its bookkeeping.
  let result: PackEvent | undefined;
  // The rows stream from the run's memory (the job file only when the run was not this one's).
  const release = req.streamEmbeddings ? app.wantResult(id) : () => undefined;
  try {
    await followJob(jobs, id, { detach: req.detach, signal }, async (event) => {
      if (event.channel !== 'pack') return;
      const wire = packEventToWire(event.payload);
      if (wire.result) result = wire;
      else await out.write(wire);
    });
    if (!result) return;
    if (req.streamEmbeddings) {
      const m = await app.resultRows(id, signal);
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (m.cols * 4)));
      for (let r = 0; r < m.rows; r += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, m.rows - r);
        await out.write({ chunk: { rowOffset: r, totalRows: m.rows, rows: toTensor(m.data.subarray(r * m.cols, (r + n) * m.cols), [n, m.cols]) } });
      }
    }
  } finally {
    release();
  }
  await out.write(result);
}
