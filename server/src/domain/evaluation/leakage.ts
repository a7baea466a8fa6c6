// Leakage audit of a generated dataset: how close its faces come to real identities, per recognizer
// (the generating one and the judge). For every synthetic image its nearest real identity; per
// synthetic identity the nearest real identity over its images; the distribution of those
// cosines; the share of synthetic images above the recognizer's threshold at FAR 1e-3 and 1e-4;
// and the closest pairs. Thresholds come from impostor pairs among the real identities
// (packing/exclusion-angle.ts: one real row per person, every pair an impostor pair).
import { impostorThresholds } from '../packing/exclusion-angle.js';
import { dataUri, escapeHtml, fmt, htmlTable } from './report.js';

export const LEAKAGE_FARS = [1e-3, 1e-4];
/** Real rows used for the impostor thresholds (evenly spaced): 2048 rows give 2,096,128 pairs. */
const THRESHOLD_ROWS = 2048;
const CLOSEST = 10;

export interface LeakageSide {
  recognizer: string;
  real_identities: number;
  synthetic_images: number;
  synthetic_identities: number;
  /** Per synthetic identity: its nearest real identity and the largest cosine over its images. */
  nearest: Array<{ identity: number; real: number; real_label: string; cosine: number }>;
  /** Quantiles of the per-identity nearest cosines. */
  distribution: { min: number; p50: number; p90: number; p99: number; max: number; mean: number };
  /** Per FAR: the threshold, how it was obtained, and the share of synthetic images above it. */
  thresholds: Array<{ far: number; cosine: number; method: string; images_above: number; share_above: number; identities_above: number }>;
  /** The closest synthetic image / real identity pairs, closest first. */
  closest_pairs: Array<{ image: number; identity: number; file: string; real: number; real_label: string; cosine: number }>;
}

export interface LeakageResult {
  source: string;
  generator: LeakageSide;
  /** Null when the real side is a .npy (one recognizer's embeddings): `judge_note` says why. */
  judge: LeakageSide | null;
  judge_note?: string;
}

function unitCopy(x: Float32Array, rows: number, d: number): Float32Array {
  const out = x.slice(0, rows * d);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = r * d; c < r * d + d; c++) s += out[c]! * out[c]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let c = r * d; c < r * d + d; c++) out[c]! *= inv;
  }
  return out;
}

const quantile = (sorted: Float64Array, q: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]! : Number.NaN);

/** One recognizer's side: synthetic [n, d] (image i of identity identity[i]) against real [m, d]. */
export function leakageSide(
  recognizer: string,
  synthetic: { embeddings: Float32Array; identity: readonly number[]; files: readonly string[] },
  real: { data: Float32Array; rows: number; labels: readonly string[] },
  d: number,
): LeakageSide {
  const n = synthetic.identity.length;
  const m = real.rows;
  const s = unitCopy(synthetic.embeddings, n, d);
  const r = unitCopy(real.data, m, d);
  const nearCos = new Float64Array(n);
  const nearIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let bc = -Infinity;
    let bj = 0;
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let q = 0; q < d; q++) c += s[i * d + q]! * r[j * d + q]!;
      if (c > bc) {
        bc = c;
        bj = j;
      }
    }
    nearCos[i] = bc;
    nearIdx[i] = bj;
  }
  const perId = new Map<number, { real: number; cosine: number }>();
  for (let i = 0; i < n; i++) {
    const id = synthetic.identity[i]!;
    const cur = perId.get(id);
    if (!cur || nearCos[i]! > cur.cosine) perId.set(id, { real: nearIdx[i]!, cosine: nearCos[i]! });
  }
  const nearest = [...perId.entries()].sort((a, b) => a[0] - b[0]).map(([identity, v]) => ({ identity, real: v.real, real_label: real.labels[v.real] ?? String(v.real), cosine: v.cosine }));
  const sorted = Float64Array.from(nearest.map((x) => x.cosine)).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  // Thresholds from real impostor pairs (evenly spaced rows when there are many).
  const step = Math.max(1, Math.ceil(m / THRESHOLD_ROWS));
  const sample: number[] = [];
  for (let j = 0; j < m; j += step) sample.push(j);
  const rows = new Float32Array(sample.length * d);
  sample.forEach((j, k) => rows.set(r.subarray(j * d, j * d + d), k * d));
  const ts = sample.length >= 2 ? impostorThresholds(rows, sample.length, d, LEAKAGE_FARS) : [];
  const thresholds = ts.map((t) => {
    let images = 0;
    for (let i = 0; i < n; i++) if (nearCos[i]! > t.cosine) images++;
    const ids = nearest.filter((x) => x.cosine > t.cosine).length;
    return { far: t.far, cosine: t.cosine, method: t.method, images_above: images, share_above: n ? images / n : 0, identities_above: ids };
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => nearCos[b]! - nearCos[a]!);
  const closest_pairs = order.slice(0, CLOSEST).map((i) => ({
    image: i,
    identity: synthetic.identity[i]!,
    file: synthetic.files[i] ?? '',
    real: nearIdx[i]!,
    real_label: real.labels[nearIdx[i]!] ?? String(nearIdx[i]),
    cosine: nearCos[i]!,
  }));
  return {
    recognizer,
    real_identities: m,
    synthetic_images: n,
    synthetic_identities: perId.size,
    nearest,
    distribution: { min: sorted[0] ?? Number.NaN, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? Number.NaN, mean },
    thresholds,
    closest_pairs,
  };
}

/** Thumbnails for the closest pairs: the synthetic image, and the real picture when there is one. */
export interface LeakagePictures {
  synthetic(image: number): Promise<Uint8Array | null>;
  /** The real identity's picture, by its label (the file under the folder), or null. */
  real(label: string): Promise<Uint8Array | null>;
}

/** The report section: per recognizer the summary, then the closest pairs side by side. */
export async function renderLeakageHtml(l: LeakageResult, pictures: LeakagePictures): Promise<string> {
  let s = `<h2>Leakage: synthetic faces vs real identities</h2><p>Real identities: ${escapeHtml(l.source)}. Thresholds: the cosine exceeded by that share of impostor pairs among the real identities (one row per person).</p>`;
  const sides = [l.generator, ...(l.judge ? [l.judge] : [])];
  s += htmlTable(
    ['metric', ...sides.map((x) => `${x.recognizer}${x === l.generator ? ' (generator)' : ' (judge)'}`)],
    [
      ['real identities', ...sides.map((x) => String(x.real_identities))],
      ['synthetic identities / images', ...sides.map((x) => `${x.synthetic_identities} / ${x.synthetic_images}`)],
      ['nearest real cosine per synthetic identity: mean', ...sides.map((x) => fmt(x.distribution.mean))],
      ['… median / p90 / p99 / max', ...sides.map((x) => `${fmt(x.distribution.p50)} / ${fmt(x.distribution.p90)} / ${fmt(x.distribution.p99)} / ${fmt(x.distribution.max)}`)],
      ...LEAKAGE_FARS.map((far) => [
        `images above the FAR ${far} threshold`,
        ...sides.map((x) => {
          const t = x.thresholds.find((y) => y.far === far);
          return t ? `${(t.share_above * 100).toFixed(2)}% (${t.images_above}; cosine ${fmt(t.cosine)})` : '–';
        }),
      ]),
    ],
  );
  if (!l.judge && l.judge_note) s += `<p>${escapeHtml(l.judge_note)}</p>`;
  for (const side of sides) {
    s += `<h3>Closest pairs under ${escapeHtml(side.recognizer)}</h3><table class="grid">`;
    for (const p of side.closest_pairs) {
      const a = await pictures.synthetic(p.image);
      const b = await pictures.real(p.real_label);
      const img = (bytes: Uint8Array | null, alt: string) => (bytes ? `<img src="${dataUri(bytes)}" width="96" height="96" alt="${escapeHtml(alt)}">` : `<span>${escapeHtml(alt)}</span>`);
      s += `<tr><th>cosine ${fmt(p.cosine)}</th><td>${img(a, `synthetic identity ${p.identity}`)}<br>identity ${p.identity}</td><td>${img(b, p.real_label)}<br>${escapeHtml(p.real_label)}</td></tr>`;
    }
    s += '</table>';
  }
  return s;
}
