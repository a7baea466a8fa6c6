// `hyperface demo --out DIR`: the whole HyperFace pipeline on the embedded defaults —
// pack identities in the default recognizer's space (regularised by the builtin gallery),
// render them with the builtin generator into an ImageFolder dataset, evaluate the dataset
// under the generating recognizer and an independent judge, and write an HTML report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectPack, writeNpy } from '@hyperface/sdk';
import { connect, intOption, numberOption, parseCommand, printJson, Progress, say, UsageError } from './common.js';

export const DEMO_USAGE = `hyperface demo --out DIR [--identities 24] [--images-per-identity 4] [--gallery-size 200]
  [--pack-seconds 20] [--iterations T] [--seed 0] [--leakage REAL.npy|PHOTO_DIR] [--address HOST:PORT] [--json]
  --iterations fixes the packing's iteration count (default: the mode's own, cut at --pack-seconds), so a
  run reproduces on any machine when --pack-seconds is large enough.`;

export async function demoCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, DEMO_USAGE, {
    out: { type: 'string' },
    identities: { type: 'string' },
    'images-per-identity': { type: 'string' },
    'gallery-size': { type: 'string' },
    'pack-seconds': { type: 'string' },
    iterations: { type: 'string' },
    seed: { type: 'string' },
    leakage: { type: 'string' },
  });
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = resolve(values.out);
  const identities = intOption(values.identities, 'identities', 24)!;
  const k = intOption(values['images-per-identity'], 'images-per-identity', 4)!;
  const gallerySize = intOption(values['gallery-size'], 'gallery-size', 200)!;
  const packSeconds = numberOption(values['pack-seconds'], 'pack-seconds') ?? 20;
  const iterations = intOption(values.iterations, 'iterations', 0);
  const seed = intOption(values.seed, 'seed', 0, 'uint64')!;
  await mkdir(out, { recursive: true });
  const log = (line: string): void => say(values.json, values.quiet, line);
  const conn = await connect(values, { dataDir: values['data-dir'] ?? join(out, '.hyperface-data'), configFile: values.config, models: 'all', quiet: values.quiet });
  const progress = new Progress(values.quiet || values.json);
  const started = Date.now();
  try {
    log('[1/4] loading models (faceres recognizer, faceapi judge, builtin generator)…');
    await conn.client.waitForReady({ timeoutMs: 900_000 });

    log(`[2/4] packing ${identities} identities in the default recognizer's space (builtin gallery of ${gallerySize} faces)…`);
    const packed = await collectPack(
      conn.client.pack({ identities, dim: 0, gallery: { builtinSize: gallerySize }, seed, maxSeconds: packSeconds, ...(iterations ? { iterations } : {}), streamEmbeddings: true }),
      (p) => progress.update(p.iteration, p.iterations, `min angle ${p.metrics?.minAngleDeg.toFixed(2)}°`),
    );
    progress.done();
    if (!packed.embeddings) throw new Error('the daemon sent no embeddings');
    const npy = join(out, 'identities.npy');
    await writeNpy(npy, packed.embeddings);
    const pm = packed.result.metrics!;
    log(`      min angle ${pm.minAngleDeg.toFixed(2)}°, mean nearest ${pm.meanNnAngleDeg.toFixed(2)}°, gallery distance ${pm.meanGalleryDistance.toFixed(3)} → ${npy}`);

    log(`[3/4] generating ${k} faces per identity with the builtin generator…`);
    const datasetDir = join(out, 'dataset');
    let generated = 0;
    for await (const event of conn.client.generate({
      packJobId: packed.jobId,
      imagesPerIdentity: k,
      seed,
      outputDir: datasetDir,
      datasetFormat: 'DATASET_FORMAT_IMAGEFOLDER',
      skipImages: true,
      includeEmbedding: true,
    })) {
      if (event.progress) progress.update(event.progress.done, event.progress.total, `${event.progress.done}/${event.progress.total} faces`);
      if (event.summary) generated = event.summary.samples + event.summary.skipped;
    }
    progress.done();
    log(`      ${generated} faces → ${datasetDir}`);

    log('[4/4] evaluating the dataset (identity consistency, separation, EER; judge: an independent recognizer)…');
    let report: { json: string; reportPath: string } | undefined;
    for await (const event of conn.client.evaluateDataset({ datasetPath: datasetDir, reportDir: join(out, 'report'), seed, leakagePath: values.leakage ? resolve(values.leakage) : '' })) {
      if (event.progress) progress.update(event.progress.done, event.progress.total, event.progress.phase);
      if (event.dataset) report = event.dataset;
    }
    progress.done();
    if (!report) throw new Error('the evaluation ended without a report');
    const quality = JSON.parse(report.json || '{}') as Record<string, unknown>;
    const num = (v: unknown): string => (typeof v === 'number' ? v.toFixed(3) : 'n/a');
    log(`      rank-1 (leave-one-out nearest centroid over all ${identities} identities): ${num(quality.rank1)} generating recognizer, ${num(quality.judge_rank1)} judge`);
    const summary = {
      out,
      identities,
      images_per_identity: k,
      samples: generated,
      pack: { job_id: packed.jobId, min_angle_deg: pm.minAngleDeg, mean_nn_angle_deg: pm.meanNnAngleDeg, mean_gallery_distance: pm.meanGalleryDistance, elapsed_seconds: packed.result.elapsedSeconds },
      embeddings: npy,
      dataset: datasetDir,
      report: report.reportPath,
      quality,
      elapsed_seconds: (Date.now() - started) / 1000,
    };
    await writeFile(join(out, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    log(`done in ${summary.elapsed_seconds.toFixed(0)} s: report ${report.reportPath}`);
    if (values.json) printJson(summary);
    return 0;
  } finally {
    progress.done();
    await conn.close();
  }
}
