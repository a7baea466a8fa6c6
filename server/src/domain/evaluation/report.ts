// Self-contained HTML reports (inline SVG plots, inline base64 thumbnails) and result.json.

import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import type { RocPoint } from './protocol.js';
import type { Histogram } from './quality.js';

export const COLORS = ['#e6194b', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd'] as const;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toFixed(digits);
}

export interface Curve {
  label: string;
  points: readonly RocPoint[];
  color?: string;
}

/** ROC: TAR against FAR on a log axis (FAR from 1e-6, or the smallest reachable, to 1). */
export function svgRoc(curves: readonly Curve[], title = 'ROC'): string {
  const W = 520;
  const H = 380;
  const m = { l: 56, r: 16, t: 28, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  let minFar = 1;
  for (const c of curves) for (const p of c.points) if (p.far > 0) minFar = Math.min(minFar, p.far);
  const lo = Math.max(-6, Math.floor(Math.log10(minFar)));
  const decades = Math.max(1, -lo);
  const x = (far: number): number => m.l + ((Math.log10(Math.max(far, 10 ** lo)) - lo) / decades) * pw;
  const y = (tar: number): number => m.t + (1 - tar) * ph;
  let s = `<svg class="plot roc" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`;
  s += `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`;
  s += `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`;
  for (let d = lo; d <= 0; d++) {
    const gx = x(10 ** d);
    s += `<line x1="${gx}" y1="${m.t}" x2="${gx}" y2="${m.t + ph}" stroke="#ddd"/>`;
    s += `<text x="${gx}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11">1e${d}</text>`;
  }
  for (let t = 0; t <= 10; t += 2) {
    const gy = y(t / 10);
    s += `<line x1="${m.l}" y1="${gy}" x2="${m.l + pw}" y2="${gy}" stroke="#ddd"/>`;
    s += `<text x="${m.l - 6}" y="${gy + 4}" text-anchor="end" font-size="11">${(t / 10).toFixed(1)}</text>`;
  }
  s += `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`;
  s += `<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="12">FAR</text>`;
  s += `<text x="14" y="${m.t + ph / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${m.t + ph / 2})">TAR</text>`;
  curves.forEach((c, i) => {
    const color = c.color ?? COLORS[i % COLORS.length]!;
    const pts = c.points.filter((p) => p.far >= 10 ** lo || p.far === 0).map((p) => `${x(p.far).toFixed(1)},${y(p.tar).toFixed(1)}`);
    if (pts.length > 0) s += `<polyline fill="none" stroke="${color}" stroke-width="3" points="${pts.join(' ')}"/>`;
    s += `<rect x="${m.l + pw - 170}" y="${m.t + ph - 20 - 18 * i}" width="12" height="12" fill="${color}"/>`;
    s += `<text x="${m.l + pw - 152}" y="${m.t + ph - 10 - 18 * i}" font-size="12">${escapeHtml(c.label)}</text>`;
  });
  return s + '</svg>';
}

export interface HistSeries {
  label: string;
  hist: Histogram;
  color?: string;
}

/** Overlaid histograms (normalised to densities so series of different sizes compare). */
export function svgHistogram(series: readonly HistSeries[], title: string, xLabel = 'cosine similarity'): string {
  const W = 520;
  const H = 300;
  const m = { l: 44, r: 16, t: 28, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const dens = series.map((se) => {
    const total = se.hist.counts.reduce((a, b) => a + b, 0) || 1;
    return se.hist.counts.map((c) => c / total);
  });
  const peak = Math.max(1e-9, ...dens.flat());
  const first = series[0]?.hist ?? { min: -1, max: 1, counts: [] };
  let s = `<svg class="plot hist" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`;
  s += `<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`;
  s += `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`;
  for (let k = 0; k <= 4; k++) {
    const v = first.min + ((first.max - first.min) * k) / 4;
    const gx = m.l + (pw * k) / 4;
    s += `<line x1="${gx}" y1="${m.t}" x2="${gx}" y2="${m.t + ph}" stroke="#eee"/>`;
    s += `<text x="${gx}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11">${v.toFixed(1)}</text>`;
  }
  series.forEach((se, i) => {
    const color = se.color ?? COLORS[i % COLORS.length]!;
    const n = se.hist.counts.length;
    const bw = pw / Math.max(1, n);
    dens[i]!.forEach((d, b) => {
      if (d === 0) return;
      const h = (d / peak) * ph;
      s += `<rect x="${(m.l + b * bw).toFixed(1)}" y="${(m.t + ph - h).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}" fill-opacity="0.55"/>`;
    });
    s += `<rect x="${m.l + 8}" y="${m.t + 6 + 18 * i}" width="12" height="12" fill="${color}"/>`;
    s += `<text x="${m.l + 26}" y="${m.t + 16 + 18 * i}" font-size="12">${escapeHtml(se.label)}</text>`;
  });
  s += `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`;
  s += `<text x="${m.l + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(xLabel)}</text>`;
  return s + '</svg>';
}

export interface Thumb {
  /** data: URI (image/png or image/jpeg). */
  src: string;
  caption?: string;
}

export function dataUri(bytes: Uint8Array): string {
  const mime = bytes[0] === 0x89 && bytes[1] === 0x50 ? 'image/png' : bytes[0] === 0xff && bytes[1] === 0xd8 ? 'image/jpeg' : 'application/octet-stream';
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

/** Rows of thumbnails, each row with a label. */
export function htmlGrid(rows: ReadonlyArray<{ label: string; thumbs: readonly Thumb[] }>): string {
  let s = '<table class="grid">';
  for (const r of rows) {
    s += `<tr><th>${escapeHtml(r.label)}</th><td>`;
    for (const t of r.thumbs) {
      s += `<figure><img src="${t.src}" width="72" height="72" alt=""/>${t.caption ? `<figcaption>${escapeHtml(t.caption)}</figcaption>` : ''}</figure>`;
    }
    s += '</td></tr>';
  }
  return s + '</table>';
}

export function htmlTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return `<table class="metrics"><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}
.sub{color:#666;font-size:13px}.plots{display:flex;flex-wrap:wrap;gap:16px}
.plot{border:1px solid #ccc;background:#fff}
table.metrics{border-collapse:collapse;font-size:13px;background:#fff}
table.metrics td,table.metrics th{border:1px solid #ccc;padding:4px 10px;text-align:right}
table.metrics th{background:#f0f0f0}table.metrics td:first-child{text-align:left}
table.grid th{text-align:left;font-size:12px;padding-right:8px;white-space:nowrap}
figure{display:inline-block;margin:2px;text-align:center}figcaption{font-size:10px;color:#555}
img{image-rendering:auto;border:1px solid #ddd}
</style></head><body>
${body}
</body></html>
`;
}

/** Writes report.html and result.json into `dir` (atomically) and returns their paths. */
export async function writeReport(dir: string, html: string, result: unknown): Promise<{ reportPath: string; resultPath: string }> {
  const reportPath = join(dir, 'report.html');
  const resultPath = join(dir, 'result.json');
  await writeFileAtomic(resultPath, JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  await writeFileAtomic(reportPath, html);
  return { reportPath, resultPath };
}
