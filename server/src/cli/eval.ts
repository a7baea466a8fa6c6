import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeNpy, decodeNpyMatrix, toTensor, type EvaluateVerificationRequest, type EvaluationEvent__Output, type HyperfaceClient } from '@hyperface/sdk';
import { connect, intOption, parseCommand, printJson, Progress, say, UsageError } from './common.js';

export const EVAL_USAGE = `hyperface eval verify (--bin FILE.bin | --pairs pairs.txt --images DIR | --embeddings E.npy --issame L.npy)
    [--recognizer NAME] [--no-flip] [--detect] [--folds 10] [--name NAME] [--report DIR] [--json]
hyperface eval dataset DIR [--recognizer NAME] [--judge NAME] [--compare DIR2] [--max-identities N]
    [--pairs P] [--seed S] [--report DIR] [--leakage REAL.npy|PHOTO_DIR] [--json]`;

const INLINE_LIMIT = 3 * 1024 * 1024;

export async function evalCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'verify') return verify(rest);
  if (sub === 'dataset') return dataset(rest);
  process.stdout.write(EVAL_USAGE + '\n');
  return sub === '--help' || sub === '-h' ? 0 : 2;
}

async function drain(stream: AsyncIterable<EvaluationEvent__Output>, progress: Progress): Promise<EvaluationEvent__Output> {
  let last: EvaluationEvent__Output | undefined;
  for await (const event of stream) {
    if (event.progress) progress.update(event.progress.done, event.progress.total, `${event.progress.phase} ${event.progress.done}/${event.progress.total}`);
    else if (event.verification || event.dataset) last = event;
  }
  progress.done();
  if (!last) throw new Error('the evaluation stream ended without a result');
  return last;
}

async function ready(client: HyperfaceClient): Promise<void> {
  await client.waitForReady({ service: 'hyperface.v1.EvaluationService', timeoutMs: 600_000 });
}

async function verify(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, EVAL_USAGE, {
    bin: { type: 'string' },
    pairs: { type: 'string' },
    images: { type: 'string' },
    embeddings: { type: 'string' },
    issame: { type: 'string' },
    recognizer: { type: 'string' },
    'no-flip': { type: 'boolean', default: false },
    detect: { type: 'boolean', default: false },
    folds: { type: 'string' },
    name: { type: 'string' },
    report: { type: 'string' },
  });
  if (!parsed) return 0;
  const { values } = parsed;
  const request: EvaluateVerificationRequest = {
    recognizer: values.recognizer ?? '',
    noFlip: values['no-flip'],
    detect: values.detect,
    folds: intOption(values.folds, 'folds', 0),
    name: values.name ?? '',
    reportDir: values.report ? resolve(values.report) : '',
  };
  let needsModels = true;
  if (values.bin) request.binPath = resolve(values.bin);
  else if (values.pairs) {
    if (!values.images) throw new UsageError('--pairs needs --images DIR');
    request.lfw = { pairsPath: resolve(values.pairs), imageDir: resolve(values.images) };
  } else if (values.embeddings) {
    if (!values.issame) throw new UsageError('--embeddings needs --issame L.npy');
    needsModels = false;
    const e = resolve(values.embeddings);
    const l = resolve(values.issame);
    if ((await stat(e)).size <= INLINE_LIMIT) {
      const m = decodeNpyMatrix(new Uint8Array(await readFile(e)));
      const labels = decodeNpy(new Uint8Array(await readFile(l)));
      request.embeddings = { embeddings: toTensor(m.data, [m.rows, m.cols]), issame: Array.from(labels.data as ArrayLike<number | bigint>, (v) => Number(v) !== 0) };
    } else request.npy = { embeddingsPath: e, issamePath: l };
    request.name ||= 'embeddings';
  } else throw new UsageError('give --bin, --pairs with --images, or --embeddings with --issame');

  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: needsModels ? 'all' : 'none', quiet: values.quiet });
  try {
    if (needsModels) await ready(conn.client);
    const last = await drain(conn.client.evaluateVerification(request), new Progress(values.quiet || values.json));
    const v = last.verification!;
    const summary = JSON.parse(v.json || '{}') as Record<string, unknown>;
    say(values.json, values.quiet, `${v.name}: accuracy ${(v.accuracyMean * 100).toFixed(2)}% ± ${(v.accuracyStd * 100).toFixed(2)} over ${v.pairs} pairs, EER ${(v.eer * 100).toFixed(2)}%, AUC ${v.auc.toFixed(4)}${v.reportPath ? `; report ${v.reportPath}` : ''}`);
    if (values.json) printJson({ job_id: v.jobId, name: v.name, pairs: v.pairs, report: v.reportPath || undefined, ...summary });
    return 0;
  } finally {
    await conn.close();
  }
}

async function dataset(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, EVAL_USAGE, {
    recognizer: { type: 'string' },
    judge: { type: 'string' },
    compare: { type: 'string' },
    'max-identities': { type: 'string' },
    'max-samples': { type: 'string' },
    pairs: { type: 'string' },
    seed: { type: 'string' },
    report: { type: 'string' },
    leakage: { type: 'string' },
  }, true);
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  const [dir] = positionals;
  if (!dir) throw new UsageError('give the dataset DIR');
  // Numbers are checked before anything is started or contacted.
  const request = {
    datasetPath: resolve(dir),
    recognizer: values.recognizer ?? '',
    judgeRecognizer: values.judge ?? '',
    comparePath: values.compare ? resolve(values.compare) : '',
    maxIdentities: intOption(values['max-identities'], 'max-identities', 0),
    maxSamplesPerIdentity: intOption(values['max-samples'], 'max-samples', 0),
    pairs: intOption(values.pairs, 'pairs', 0),
    seed: intOption(values.seed, 'seed', 0, 'uint64'),
    reportDir: values.report ? resolve(values.report) : '',
    leakagePath: values.leakage ? resolve(values.leakage) : '',
  };
  const conn = await connect(values, { dataDir: values['data-dir'], configFile: values.config, models: 'all', quiet: values.quiet });
  try {
    await ready(conn.client);
    const last = await drain(
      conn.client.evaluateDataset(request),
      new Progress(values.quiet || values.json),
    );
    const d = last.dataset!;
    const s = d.dataset;
    say(values.json, values.quiet, `${s?.identities} identities, ${s?.samples} samples: consistency ${s?.identityConsistencyMean.toFixed(3)} (judge ${s?.judgeConsistencyMean.toFixed(3)}), nearest impostor ${s?.nearestImpostorMean.toFixed(3)}, EER ${((s?.verificationEer ?? 0) * 100).toFixed(2)}%${d.reportPath ? `; report ${d.reportPath}` : ''}`);
    const full = JSON.parse(d.json || '{}') as Record<string, unknown> & { leakage?: { generator: { recognizer: string; thresholds: { far: number; share_above: number }[]; distribution: { max: number } } } };
    if (full.leakage) {
      const g = full.leakage.generator;
      say(values.json, values.quiet, `leakage (${g.recognizer}): closest synthetic↔real cosine ${g.distribution.max.toFixed(3)}; ${g.thresholds.map((t) => `${(t.share_above * 100).toFixed(2)}% of images above the FAR ${t.far} threshold`).join(', ')}`);
    }
    if (values.json) printJson({ job_id: d.jobId, report: d.reportPath || undefined, ...full });
    return 0;
  } finally {
    await conn.close();
  }
}
