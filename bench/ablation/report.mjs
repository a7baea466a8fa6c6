// The ablation's table: per-arm means over seeds and, for every arm, the paired difference against
// the baseline arm (same seed) with its 95 % confidence interval.
import { mean, pairedDifference, sampleSd } from './stats.mjs';

/** Per-arm metrics averaged over seeds (value of row r: get(r)). */
export const METRICS = {
  min_angle_deg: (r) => r.pack.min_angle_deg,
  gallery_distance: (r) => r.pack.mean_gallery_distance,
  target_nn_cos: (r) => r.target_nn_cos,
  distinct_faces: (r) => r.distinct_faces,
  same_face_as_baseline: (r) => r.same_face_as_baseline,
  render_nn_cos: (r) => r.render_nn_cos,
  faceres_rank1: (r) => r.faceres_rank1,
  judge_rank1: (r) => r.judge_rank1,
  consistency: (r) => r.consistency,
  proxy_train_accuracy: (r) => r.fit?.train_accuracy,
  proxy_accuracy: (r) => r.proxy_accuracy,
  proxy_eer: (r) => r.proxy_eer,
};
/** The metrics whose paired differences the table reports. */
export const COMPARED = ['faceres_rank1', 'judge_rank1', 'consistency', 'render_nn_cos', 'proxy_accuracy', 'proxy_eer'];

export function analyse(rows, baseline) {
  const arms = [...new Set(rows.map((r) => r.arm))];
  const summary = {};
  for (const arm of arms) {
    const mine = rows.filter((r) => r.arm === arm);
    summary[arm] = { seeds: mine.map((r) => r.seed) };
    for (const [name, get] of Object.entries(METRICS)) {
      const xs = mine.map(get).filter((v) => typeof v === 'number' && Number.isFinite(v));
      summary[arm][name] = xs.length ? { mean: mean(xs), sd: sampleSd(xs) } : null;
    }
  }
  const differences = {};
  for (const arm of arms.filter((a) => a !== baseline)) {
    differences[arm] = {};
    for (const name of COMPARED) {
      const pairs = rows
        .filter((r) => r.arm === arm)
        .map((r) => [r, rows.find((b) => b.arm === baseline && b.seed === r.seed)])
        .filter(([, b]) => b);
      const d = pairedDifference(pairs.map(([r]) => METRICS[name](r)), pairs.map(([, b]) => METRICS[name](b)));
      differences[arm][name] = { n: d.n, mean: d.mean, ci95: d.ci, p: d.p, per_seed: d.diffs };
    }
  }
  return { baseline, summary, differences };
}

const f = (v, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pts = (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)}` : '–');

export function markdownTable(result) {
  const { summary, differences, baseline } = result;
  const arms = Object.keys(summary);
  const lines = [];
  const raw = result.rows?.find((r) => Number.isFinite(r.raw_accuracy))?.raw_accuracy;
  const { proxy, epochs, head_seeds: heads } = result.config ?? {};
  if (proxy) lines.push(`Training proxy: ${proxy === 'cosface' ? `CosFace MLP head (head.py), ${epochs} epochs${heads > 1 ? `, scores averaged over ${heads} head seeds` : ''}` : 'Fisher LDA (lda.mjs)'} on frozen faceapi features; the raw faceapi features score ${f(raw, 4)} on the same neutral pairs.`, '');
  lines.push('| arm | seeds | min angle of targets | gallery distance | targets: mean NN cos | distinct faces | same face as random-gallery | renders: mean NN cos (faceres) | rank-1 faceres | rank-1 judge | consistency | proxy train acc | proxy accuracy (neutral, 10-fold) | proxy EER |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const arm of arms) {
    const s = summary[arm];
    const m = (name, digits) => f(s[name]?.mean, digits);
    lines.push(`| ${arm} | ${s.seeds.length} | ${m('min_angle_deg', 1)}° | ${m('gallery_distance')} | ${m('target_nn_cos')} | ${m('distinct_faces', 0)} | ${m('same_face_as_baseline')} | ${m('render_nn_cos')} | ${m('faceres_rank1', 4)} | ${m('judge_rank1', 4)} | ${m('consistency')} | ${m('proxy_train_accuracy')} | ${m('proxy_accuracy', 4)} | ${m('proxy_eer', 4)} |`);
  }
  lines.push('');
  lines.push(`Paired differences against ${baseline} (same seed), mean [95 % CI] in points (×100; t with n − 1 df), p of "no difference":`);
  lines.push('');
  lines.push(`| arm − ${baseline} | n | Δ rank-1 faceres | Δ rank-1 judge | Δ consistency | Δ renders NN cos | Δ proxy accuracy | Δ proxy EER |`);
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const [arm, d] of Object.entries(differences)) {
    const c = (name) => `${pts(d[name].mean)} [${pts(d[name].ci95[0])}, ${pts(d[name].ci95[1])}] p${d[name].p < 0.001 ? '<0.001' : `=${f(d[name].p, 3)}`}`;
    lines.push(`| ${arm} | ${d.faceres_rank1.n} | ${c('faceres_rank1')} | ${c('judge_rank1')} | ${c('consistency')} | ${c('render_nn_cos')} | ${c('proxy_accuracy')} | ${c('proxy_eer')} |`);
  }
  return lines.join('\n') + '\n';
}
