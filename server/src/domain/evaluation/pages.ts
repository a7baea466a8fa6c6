// The HTML report pages of evaluations (verification, dataset quality) and their thumbnails, built
// from the primitives in report.ts.
import { basename } from 'node:path';
import { thumbnailJpeg } from '../../runtime/images/codec.js';
import type { DatasetEntry, DatasetReader } from '../datasets/reader.js';
import { rocCurve } from './protocol.js';
import { histogram, type QualityStats } from './quality.js';
import { dataUri, escapeHtml, fmt, htmlGrid, htmlPage, htmlTable, svgHistogram, svgRoc, type Thumb } from './report.js';
import type { DatasetEvaluation, DatasetStats, VerificationResult } from './results.js';
import type { PairsInput } from './sources.js';

export interface GridRow {
  label: string;
  thumbs: Thumb[];
}

export async function thumbnail(encoded: Uint8Array, caption?: string): Promise<Thumb> {
  try {
    return { src: dataUri(await thumbnailJpeg(encoded, 72)), ...(caption ? { caption } : {}) };
  } catch {
    return { src: dataUri(encoded), ...(caption ? { caption } : {}) };
  }
}

/** report.html of a verification benchmark; `images` (pair p = images 2p, 2p+1) adds the hardest pairs as thumbnails. */
export async function renderVerificationHtml(r: VerificationResult, dist: Float64Array, issame: readonly boolean[], images?: PairsInput['images']): Promise<string> {
  const roc = rocCurve(dist, issame);
  const step = Math.max(1, Math.floor(roc.length / 500));
  const rocPts = roc.filter((_, i) => i % step === 0 || i === roc.length - 1);
  const gen: number[] = [];
  const imp: number[] = [];
  dist.forEach((d, p) => (issame[p] ? gen : imp).push(1 - d / 2));
  // Names, sources and recognizers come from the request: escaped like everything else.
  const sub = `${r.pairs} pairs · ${r.folds} folds · source ${r.source}${r.recognizer ? ` · recognizer ${r.recognizer}` : ''}${r.flip ? ' · flip' : ''}${r.stratified_folds ? ' · stratified folds' : ''}`;
  let body = `<h1>Verification: ${escapeHtml(r.name)}</h1><div class="sub">${escapeHtml(sub)}</div>`;
  body += '<h2>Summary</h2>';
  const rows: string[][] = [
    ['accuracy', `${fmt(r.accuracy_mean * 100, 2)}% ± ${fmt(r.accuracy_std * 100, 2)}`],
    ['best threshold (squared L2)', fmt(r.best_threshold, 3)],
    ['EER', fmt(r.eer)],
    ['AUC', fmt(r.auc)],
    ['VAL @ FAR 1e-3 (insightface)', `${fmt(r.val_at_far_1e_3)} ± ${fmt(r.val_std)}`],
    ...Object.entries(r.tar_at_far).map(([k, v]) => [`TAR @ FAR ${k}`, fmt(v)]),
  ];
  body += htmlTable(['metric', 'value'], rows);
  body += `<h2>Plots</h2><div class="plots">${svgRoc([{ label: r.name, points: rocPts }])}${svgHistogram(
    [
      { label: 'genuine', hist: histogram(gen), color: '#2ca02c' },
      { label: 'impostor', hist: histogram(imp), color: '#e6194b' },
    ],
    'Pair similarity',
  )}</div>`;
  body += '<h2>Folds</h2>' + htmlTable(['fold', 'accuracy'], r.fold_accuracies.map((a, i) => [String(i + 1), fmt(a)]));
  if (images) {
    // Hardest errors at the mean chosen threshold.
    const t = r.best_threshold;
    const idx = Array.from(dist.keys());
    const fr = idx.filter((p) => issame[p] && dist[p]! >= t).sort((a, b) => dist[b]! - dist[a]!).slice(0, 6);
    const fa = idx.filter((p) => !issame[p] && dist[p]! < t).sort((a, b) => dist[a]! - dist[b]!).slice(0, 6);
    const okPairs = idx.filter((p) => (issame[p] ? dist[p]! < t : dist[p]! >= t)).slice(0, 6);
    const pairRow = async (label: string, ps: number[]): Promise<{ label: string; thumbs: Thumb[] }> => {
      const thumbs: Thumb[] = [];
      for (const p of ps) {
        thumbs.push(await thumbnail(await images.encoded(2 * p), `#${p}`));
        thumbs.push(await thumbnail(await images.encoded(2 * p + 1), `d=${dist[p]!.toFixed(2)}`));
      }
      return { label, thumbs };
    };
    body += '<h2>Sample pairs</h2>' + htmlGrid([await pairRow('correct', okPairs), await pairRow('false rejects', fr), await pairRow('false accepts', fa)].filter((x) => x.thumbs.length > 0));
  }
  return htmlPage(`Verification ${r.name}`, body);
}


/** The face grid of a dataset report: outliers first, then the first identities. */
export async function datasetGrid(reader: DatasetReader, g: QualityStats, nIds = 12, nSamples = 6): Promise<GridRow[]> {
  const chosen = [...new Set([...g.outlier_identities, ...reader.identities])].slice(0, nIds);
  const byId = new Map<number, DatasetEntry[]>();
  for (const e of reader.entries) {
    const l = byId.get(e.identity) ?? [];
    if (l.length < nSamples) l.push(e);
    byId.set(e.identity, l);
  }
  const per = new Map(g.per_identity.map((p) => [p.identity, p]));
  const grid: GridRow[] = [];
  for (const id of chosen) {
    const thumbs: Thumb[] = [];
    for (const e of byId.get(id) ?? []) thumbs.push(await thumbnail(await reader.read(e), `#${e.sample}`));
    const p = per.get(id);
    const flag = g.outlier_identities.includes(id) ? ' ⚠ outlier' : '';
    grid.push({ label: `identity ${id} (c=${fmt(p?.consistency, 2)})${flag}`, thumbs });
  }
  return grid;
}

/** report.html of one dataset, or two side by side. */
export function renderDatasetHtml(items: ReadonlyArray<{ evaluation: DatasetEvaluation; grid: GridRow[] }>, extraBody = ''): string {
  const names = items.map((it) => basename(it.evaluation.stats.path) || it.evaluation.stats.path);
  let body = `<h1>Dataset quality: ${escapeHtml(names.join(' vs '))}</h1>`;
  const s = items.map((it) => it.evaluation.stats);
  const row = (label: string, f: (x: DatasetStats) => string): string[] => [label, ...s.map(f)];
  body += '<h2>Summary</h2>';
  body += htmlTable(
    ['metric', ...names],
    [
      row('identities', (x) => String(x.identities)),
      row('samples', (x) => String(x.samples)),
      row('identity consistency (mean cosine to reference)', (x) => fmt(x.identity_consistency_mean)),
      row('reference source', (x) => (x.reference_note ? `${x.reference_source} (${x.reference_note})` : x.reference_source)),
      row('centroid consistency (leave-one-out)', (x) => fmt(x.centroid_consistency_mean)),
      row('nearest impostor (mean cosine of a sample to the nearest other identity)', (x) => fmt(x.nearest_impostor_mean)),
      row('verification EER', (x) => fmt(x.verification_eer)),
      row(`judge consistency`, (x) => fmt(x.judge_consistency_mean)),
      row(`judge verification EER`, (x) => fmt(x.judge_verification_eer)),
      row('rank-1 (leave-one-out nearest centroid over all identities)', (x) => fmt(x.rank1)),
      row('judge rank-1', (x) => fmt(x.judge_rank1)),
      row('outlier identities', (x) => (x.outlier_identities.length ? x.outlier_identities.slice(0, 20).join(', ') : 'none')),
      row('recognizer / judge', (x) => `${x.recognizer ?? 'default'} / ${x.judge_recognizer ?? '–'}`),
    ],
  );
  const curves = items.flatMap((it, i) => [
    { label: `${names[i]} (generator)`, points: it.evaluation.generator.roc },
    ...(it.evaluation.judge ? [{ label: `${names[i]} (judge)`, points: it.evaluation.judge.roc }] : []),
  ]);
  body += `<h2>Plots</h2><div class="plots">${svgRoc(curves, 'ROC of drawn pairs')}`;
  items.forEach((it, i) => {
    const g = it.evaluation.generator;
    body += svgHistogram(
      [
        { label: 'genuine', hist: g.histograms.genuine, color: '#2ca02c' },
        { label: 'impostor', hist: g.histograms.impostor, color: '#e6194b' },
      ],
      `${names[i]}: pair similarity`,
    );
    body += svgHistogram(
      [
        { label: 'identity consistency', hist: g.histograms.consistency, color: '#1f77b4' },
        { label: 'nearest impostor', hist: g.histograms.nearest_impostor, color: '#ff7f0e' },
      ],
      `${names[i]}: consistency vs separation`,
    );
  });
  body += '</div>';
  items.forEach((it, i) => {
    body += `<h2>Sample faces: ${escapeHtml(names[i]!)}</h2>` + htmlGrid(it.grid);
  });
  body += extraBody;
  return htmlPage(`Dataset quality ${names.join(' vs ')}`, body);
}
