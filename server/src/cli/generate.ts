import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeNpyMatrix, toTensor, type GenerateRequest } from '@hyperface/sdk';
import { connect, intOption, numberOption, parseCommand, printJson, Progress, say, UsageError } from './common.js';

export const GENERATE_USAGE = `hyperface generate (--embeddings FILE.npy | --pack-job ID) --images-per-identity K --out DIR
  [--format imagefolder|recordio] [--image-format png|jpeg] [--seed S] [--generator NAME]
  [--beta B] [--pose P] [--color C] [--background B] [--accessories A]
  [--recognizer NAME] [--min-cosine T] [--max-retries R] [--identity-offset I] [--identity-count C]
  [--exclude REAL.npy [--exclude-min-angle DEG]]  (resample faces within DEG of a real identity; docs/privacy.md)
  [--address HOST:PORT] [--json]
  The daemon writes the dataset (with --address, DIR is a path on the daemon's machine). Re-running the
  same command resumes an interrupted run (samples already in DIR/manifest.jsonl are skipped), or follows the
  job that still writes DIR when the daemon resumed it itself.`;

/** Inline embeddings up to this size; larger files are passed by path. */
const INLINE_LIMIT = 3 * 1024 * 1024;

export async function generateCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, GENERATE_USAGE, {
    embeddings: { type: 'string' },
    'pack-job': { type: 'string' },
    'images-per-identity': { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string', default: 'imagefolder' },
    'image-format': { type: 'string', default: 'png' },
    seed: { type: 'string' },
    generator: { type: 'string' },
    beta: { type: 'string' },
    pose: { type: 'string' },
    color: { type: 'string' },
    background: { type: 'string' },
    accessories: { type: 'string' },
    recognizer: { type: 'string' },
    'min-cosine': { type: 'string' },
    exclude: { type: 'string' },
    'exclude-min-angle': { type: 'string' },
    'max-retries': { type: 'string' },
    'identity-offset': { type: 'string' },
    'identity-count': { type: 'string' },
  });
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values.out) throw new UsageError('--out DIR is required');
  if (!values.embeddings && !values['pack-job']) throw new UsageError('--embeddings FILE.npy or --pack-job ID is required');
  const k = intOption(values['images-per-identity'], 'images-per-identity');
  if (!k) throw new UsageError('--images-per-identity K (K >= 1) is required');
  const formats = { imagefolder: 'DATASET_FORMAT_IMAGEFOLDER', recordio: 'DATASET_FORMAT_RECORDIO' } as const;
  const datasetFormat = formats[values.format as keyof typeof formats];
  if (!datasetFormat) throw new UsageError('--format must be imagefolder or recordio');
  const imageFormats = { png: 'IMAGE_FORMAT_PNG', jpeg: 'IMAGE_FORMAT_JPEG', jpg: 'IMAGE_FORMAT_JPEG' } as const;
  const format = imageFormats[values['image-format'] as keyof typeof imageFormats];
  if (!format) throw new UsageError('--image-format must be png or jpeg');

  const request: GenerateRequest = {
    imagesPerIdentity: k,
    seed: intOption(values.seed, 'seed', 0, 'uint64'),
    generator: values.generator ?? '',
    format,
    datasetFormat,
    outputDir: resolve(values.out),
    skipImages: true,
    recognizer: values.recognizer ?? '',
    identityOffset: intOption(values['identity-offset'], 'identity-offset', 0),
    identityCount: intOption(values['identity-count'], 'identity-count', 0),
    maxRetries: intOption(values['max-retries'], 'max-retries', 0),
    variation: {},
  };
  for (const key of ['beta', 'pose', 'color', 'background', 'accessories'] as const) {
    const v = numberOption(values[key], key, 'float');
    if (v !== undefined) request.variation![key] = v;
  }
  const minCosine = numberOption(values['min-cosine'], 'min-cosine', 'float');
  if (minCosine !== undefined) {
    request.minCosine = minCosine;
    request.includeEmbedding = true;
  }
  if (values.exclude) request.excludePath = resolve(values.exclude);
  const angle = numberOption(values['exclude-min-angle'], 'exclude-min-angle');
  if (angle !== undefined) {
    if (!values.exclude) throw new UsageError('--exclude-min-angle needs --exclude');
    request.excludeMinAngleDeg = angle;
  }
  if (values['pack-job']) request.packJobId = values['pack-job'];
  else {
    const path = resolve(values.embeddings!);
    if ((await stat(path)).size <= INLINE_LIMIT) {
      const m = decodeNpyMatrix(new Uint8Array(await readFile(path)));
      request.embeddings = toTensor(m.data, [m.rows, m.cols]);
    } else request.embeddingsPath = path;
  }

  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: 'all', quiet: values.quiet });
  const progress = new Progress(values.quiet || values.json);
  try {
    await conn.client.waitForReady({ service: 'hyperface.v1.GenerationService', timeoutMs: 600_000 });
    let summary: Record<string, unknown> | undefined;
    for await (const event of conn.client.generate(request)) {
      if (event.progress) progress.update(event.progress.done, event.progress.total, `${event.progress.done}/${event.progress.total} faces, ${event.progress.facesPerSecond.toFixed(1)}/s${event.progress.skipped ? `, ${event.progress.skipped} already done` : ''}`);
      else if (event.summary) {
        const s = event.summary;
        summary = {
          job_id: s.jobId,
          samples: s.samples,
          identities: s.identities,
          skipped: s.skipped,
          below_threshold: s.belowThreshold,
          ...(values.exclude ? { rejected_near_real: Number(s.rejectedNearReal), dropped_near_real: Number(s.droppedNearReal), exclude_min_angle_deg: s.excludeMinAngleDeg } : {}),
          mean_cosine: s.meanCosine,
          elapsed_seconds: s.elapsedSeconds,
          out: s.outputDir,
          manifest: s.manifestPath,
        };
      }
    }
    progress.done();
    if (!summary) throw new Error('the Generate stream ended without a summary');
    say(values.json, values.quiet, `generated ${String(summary.samples)} faces (${String(summary.skipped)} already there) for ${String(summary.identities)} identities → ${String(summary.out)}`);
    if (values.json) printJson(summary);
    return 0;
  } finally {
    progress.done();
    await conn.close();
  }
}
