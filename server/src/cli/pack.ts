import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { collectPack, writeNpy, type PackRequest } from '@hyperface/sdk';
import { connect, intOption, numberOption, parseCommand, printJson, Progress, say, UsageError } from './common.js';

export const PACK_USAGE = `hyperface pack --identities N (--dim D | --recognizer NAME) --out FILE.npy
  [--gallery none|builtin|builtin:SIZE|FILE.npy|IMAGE_DIR] [--mode paper|stochastic|fast|random|random-gallery|code]
  [--init gallery|random|code] [--alpha A] [--lr LR] [--iterations T] [--batch-size B] [--max-seconds S] [--seed S]
  [--device cpu|gpu] [--checkpoint-every K] [--address HOST:PORT] [--data-dir DIR] [--json]
  [--exclude FILE.npy|IMAGE_DIR [--exclude-min-angle DEG]] [--extend EXISTING.npy]

  loss = mean_i max_j cos(x_i, x_j) + alpha * mean_i (1 - max_g cos(x_i, g))   (HyperFace, ICLR 2025)
  modes (default: paper up to 20,000 identities, stochastic above):
    paper           the paper's Algorithm 1: full-batch Adam on that loss, projection to the sphere
                    after every step; returns the final iterate
    stochastic      the paper's Algorithm 2: the loss over a random batch of identities each step,
                    Adam on all rows (rows outside the batch move by their momentum)
    fast            NOT the paper's objective: maximises the smallest pairwise angle (the worst pair)
                    with an annealed soft maximum; same gallery term, so --alpha means the same
    random          uniform random identities (baseline, no optimisation)
    random-gallery  gallery rows drawn at random (baseline, no optimisation)
    code            no optimisation, gallery-free: an algebraic spherical code (binary BCH-dual codewords,
                    randomly rotated) with EXACT min/mean-NN angles. N <= 2D: 90°; D = 512: 86.52° up to
                    262,144 identities, 82.92° up to 4,194,304; --batch-size = rows per rotated block
                    (docs/packing.md, "Algebraic spherical codes")
  --init code starts fast/paper/stochastic from mode code's points (then the gallery term pulls them)
  defaults: alpha 1, lr 0.01, builtin gallery of 1000 faces, iterations per N (docs/packing.md)
  --exclude keeps every packed identity at least DEG (default: the recognizer's FAR 1e-3 angle among the
  excluded identities) from every excluded row; --extend packs N new identities among fixed existing ones
  and writes only the new rows (docs/privacy.md). Both run in paper or stochastic mode.`;

export async function packCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, PACK_USAGE, {
    identities: { type: 'string' },
    dim: { type: 'string' },
    recognizer: { type: 'string' },
    gallery: { type: 'string' },
    mode: { type: 'string' },
    init: { type: 'string' },
    alpha: { type: 'string' },
    lr: { type: 'string' },
    iterations: { type: 'string' },
    'batch-size': { type: 'string' },
    'max-seconds': { type: 'string' },
    seed: { type: 'string' },
    device: { type: 'string' },
    'checkpoint-every': { type: 'string' },
    out: { type: 'string' },
    exclude: { type: 'string' },
    'exclude-min-angle': { type: 'string' },
    extend: { type: 'string' },
  });
  if (!parsed) return 0;
  const { values } = parsed;
  if (!values.out) throw new UsageError('--out FILE.npy is required');
  if (!values.identities) throw new UsageError('--identities N is required');
  const request: PackRequest = {
    identities: intOption(values.identities, 'identities'),
    dim: intOption(values.dim, 'dim', 0),
    recognizer: values.recognizer ?? '',
    seed: intOption(values.seed, 'seed', 0, 'uint64'),
    maxSeconds: numberOption(values['max-seconds'], 'max-seconds') ?? 0,
    streamEmbeddings: true,
  };
  const gallery = values.gallery ?? ((values.dim && !values.recognizer) || values.mode === 'code' ? 'none' : 'builtin');
  if (gallery === 'none') request.gallery = { none: true };
  else if (gallery === 'builtin') request.gallery = { builtinSize: 0 };
  else if (gallery.startsWith('builtin:')) request.gallery = { builtinSize: intOption(gallery.slice('builtin:'.length), 'gallery builtin:SIZE') ?? 0 };
  else if (existsSync(gallery) && statSync(gallery).isDirectory()) request.gallery = { imageDir: resolve(gallery) };
  else request.gallery = { npyPath: resolve(gallery) };
  const enumOf = <T extends string>(v: string | undefined, name: string, allowed: Record<string, T>): T | undefined => {
    if (v === undefined) return undefined;
    const e = allowed[v];
    if (!e) throw new UsageError(`--${name} must be one of ${Object.keys(allowed).join(', ')}`);
    return e;
  };
  request.mode = enumOf(values.mode, 'mode', { fast: 'PACK_MODE_FAST', paper: 'PACK_MODE_PAPER', stochastic: 'PACK_MODE_STOCHASTIC', random: 'PACK_MODE_RANDOM', 'random-gallery': 'PACK_MODE_RANDOM_GALLERY', code: 'PACK_MODE_CODE' } as const);
  request.init = enumOf(values.init, 'init', { gallery: 'PACK_INIT_GALLERY', random: 'PACK_INIT_RANDOM', code: 'PACK_INIT_CODE' } as const);
  request.device = enumOf(values.device, 'device', { cpu: 'DEVICE_CPU', gpu: 'DEVICE_GPU' } as const);
  const alpha = numberOption(values.alpha, 'alpha', 'float');
  if (alpha !== undefined) request.alpha = alpha;
  const lr = numberOption(values.lr, 'lr', 'float');
  if (lr !== undefined) request.learningRate = lr;
  const iterations = intOption(values.iterations, 'iterations');
  if (iterations !== undefined) request.iterations = iterations;
  const batch = intOption(values['batch-size'], 'batch-size');
  if (batch !== undefined) request.batchSize = batch;
  request.checkpointEvery = intOption(values['checkpoint-every'], 'checkpoint-every', 0);
  const fixedSource = (p: string) => (existsSync(p) && statSync(p).isDirectory() ? { imageDir: resolve(p) } : { npyPath: resolve(p) });
  if (values.exclude) request.exclude = fixedSource(values.exclude);
  if (values.extend) request.extend = { npyPath: resolve(values.extend) };
  const angle = numberOption(values['exclude-min-angle'], 'exclude-min-angle');
  if (angle !== undefined) {
    if (!values.exclude) throw new UsageError('--exclude-min-angle needs --exclude');
    request.excludeMinAngleDeg = angle;
  }

  const needsModels = gallery !== 'none' || request.dim === 0 || request.exclude?.imageDir !== undefined;
  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: needsModels ? 'all' : 'none', quiet: values.quiet });
  const progress = new Progress(values.quiet || values.json);
  try {
    const outcome = await collectPack(conn.client.pack(request), (p) =>
      progress.update(p.iteration, p.iterations, `it ${p.iteration}/${p.iterations} min angle ${p.metrics?.minAngleDeg.toFixed(2)}° (${p.metricsExact ? 'exact' : 'candidates, ≥ exact'}) best ${p.bestMinAngleDeg.toFixed(2)}° ${p.phase}`),
    );
    progress.done();
    if (!outcome.embeddings) throw new Error('the daemon sent no embeddings');
    const out = resolve(values.out);
    await mkdir(dirname(out), { recursive: true });
    await writeNpy(out, outcome.embeddings);
    const sidecarPath = out.replace(/\.npy$/i, '') + '.json';
    let sidecar: unknown;
    if (conn.inProcess && outcome.result.sidecarPath) sidecar = JSON.parse(await readFile(outcome.result.sidecarPath, 'utf8'));
    else {
      const job = await conn.client.getJob(outcome.jobId);
      sidecar = { request: JSON.parse(job.requestJson || '{}'), result: outcome.result };
    }
    await writeFile(sidecarPath, JSON.stringify(sidecar, null, 2) + '\n');
    const m = outcome.result.metrics;
    const summary = {
      job_id: outcome.jobId,
      out,
      sidecar: sidecarPath,
      shape: outcome.result.shape,
      min_angle_deg: m?.minAngleDeg,
      mean_nn_angle_deg: m?.meanNnAngleDeg,
      max_cosine: m?.maxCosine,
      mean_gallery_distance: m?.meanGalleryDistance,
      loss: m?.loss,
      iterations_run: outcome.result.iterationsRun,
      elapsed_seconds: outcome.result.elapsedSeconds,
      stop_reason: outcome.result.stopReason,
      provider: outcome.result.provider,
      ...(outcome.result.exclusion ? { exclusion: fixedSummary(outcome.result.exclusion) } : {}),
      ...(outcome.result.extension ? { extension: fixedSummary(outcome.result.extension) } : {}),
    };
    say(values.json, values.quiet, `packed ${summary.shape.join('×')} → ${out}: min angle ${m?.minAngleDeg.toFixed(3)}°, mean nearest ${m?.meanNnAngleDeg.toFixed(3)}° (${summary.stop_reason}, ${summary.elapsed_seconds.toFixed(1)} s on ${summary.provider})`);
    if (summary.exclusion) say(values.json, values.quiet, `exclusion: ${summary.exclusion.rows} rows, closest ${summary.exclusion.min_angle_deg.toFixed(3)}° (required ${summary.exclusion.required_min_angle_deg.toFixed(3)}°: ${summary.exclusion.angle_source})`);
    if (summary.extension) say(values.json, values.quiet, `extension: ${summary.extension.rows} existing rows, closest new↔existing ${summary.extension.min_angle_deg.toFixed(3)}°, among new ${m?.minAngleDeg.toFixed(3)}°`);
    if (values.json) printJson(summary);
    return 0;
  } finally {
    progress.done();
    await conn.close();
  }
}

function fixedSummary(r: { rows: number; minAngleDeg: number; meanNearestAngleDeg: number; requiredMinAngleDeg: number; angleSource: string }) {
  return { rows: r.rows, min_angle_deg: r.minAngleDeg, mean_nearest_angle_deg: r.meanNearestAngleDeg, required_min_angle_deg: r.requiredMinAngleDeg, angle_source: r.angleSource };
}
