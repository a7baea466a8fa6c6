// Continuous identity details of the builtin generator: face proportions facesjs' own sampler keeps
// fixed (feature sizes, the heights of brows, nose and mouth, face length). facesjs draws 1,000
// random people only about as far apart as two photos of one person at the default variation, so the
// identity space needs more than its categorical parts. Every detail is in [0, 1] with 0.5 = facesjs'
// own geometry (an identity without details renders exactly as before). The eyes never move: sizes
// scale about each feature's own centre and face length about the eye line, so the eye centres stay
// on the ArcFace template.
import type { FaceConfig } from 'facesjs';
import type { Rng } from '../../../util/rng.js';

export interface DetailSpec {
  name: string;
  /** Value at 0 and at 1; 0.5 maps to the midpoint, facesjs' default. */
  range: readonly [number, number];
}

export const DETAIL: readonly DetailSpec[] = [
  { name: 'eye.size', range: [0.65, 1.35] },
  { name: 'eyebrow.size', range: [0.65, 1.35] },
  { name: 'mouth.size', range: [0.65, 1.35] },
  // SVG units of facesjs' 400x600 canvas (eyes at y 310, brows 270, nose 370, mouth 440)
  { name: 'eyebrow.dy', range: [-25, 25] },
  { name: 'nose.dy', range: [-20, 20] },
  { name: 'mouth.dy', range: [-28, 28] },
  { name: 'face.length', range: [0.82, 1.18] },
  // horizontal / vertical scale about the feature's own centre (eye shape: narrow ↔ round)
  { name: 'nose.width', range: [0.65, 1.35] },
  { name: 'mouth.width', range: [0.7, 1.3] },
  { name: 'eye.height', range: [0.7, 1.3] },
  // hair (and brow) colour mixed towards black (< 0) or towards grey (> 0): shade and greying
  { name: 'hair.shade', range: [-0.6, 0.6] },
];
export const DETAIL_COUNT = DETAIL.length;

/** A random identity's details (uniform over each range). */
export function drawDetail(rng: Rng): Float32Array {
  return Float32Array.from(DETAIL, () => rng.next());
}

/** The value of one detail (facesjs' default when the identity has none). */
export function detailValue(detail: Float32Array | undefined, name: string): number {
  const i = DETAIL.findIndex((d) => d.name === name);
  const spec = DETAIL[i];
  if (!spec) throw new Error(`unknown identity detail ${name}`);
  const t = detail ? Math.max(0, Math.min(1, detail[i] ?? 0.5)) : 0.5;
  return spec.range[0] + t * (spec.range[1] - spec.range[0]);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function mixHex(hex: string, to: readonly [number, number, number], t: number): string {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  const c = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((x, k) => Math.round(x + ((to[k] ?? x) - x) * t));
  return `#${c.map((x) => Math.max(0, Math.min(255, x)).toString(16).padStart(2, '0')).join('')}`;
}

/** Hair colour with the identity's shade applied. */
export function shadeHair(hex: string, detail: Float32Array | undefined): string {
  const s = detailValue(detail, 'hair.shade');
  if (!detail || s === 0 || !/^#[0-9a-fA-F]{6}$/.test(hex)) return hex;
  return s < 0 ? mixHex(hex, [0, 0, 0], -s) : mixHex(hex, [176, 176, 172], s);
}

/** Feature sizes (facesjs scales a feature about its own centre when it has `size`) and hair shade. */
export function withDetailSizes(c: FaceConfig, detail: Float32Array | undefined): FaceConfig {
  if (!detail) return c;
  return {
    ...c,
    hair: { ...c.hair, color: shadeHair(c.hair.color, detail) },
    eye: { ...c.eye, size: round3(detailValue(detail, 'eye.size')) },
    eyebrow: { ...c.eyebrow, size: round3(detailValue(detail, 'eyebrow.size')) },
    mouth: { ...c.mouth, size: round3(detailValue(detail, 'mouth.size')) },
  } as FaceConfig;
}

// --- moving features: facesjs has fixed positions, so its SVG output is edited ----------------------

type Svgs = Record<string, Record<string, string>>;
let svgs: Svgs | undefined;
let svgsLoad: Promise<Svgs> | undefined;

/** facesjs' feature SVGs (which feature ids draw anything); loaded from its build folder. */
export async function loadFeatureSvgs(): Promise<void> {
  svgsLoad ??= (async () => {
    const url = new URL('./svgs.js', import.meta.resolve('facesjs'));
    svgs = (await import(url.href) as { default: Svgs }).default;
    return svgs;
  })();
  await svgsLoad;
}

// facesjs' display order and positions per feature (display.ts `featureInfos`).
const FEATURES: readonly [string, number][] = [
  ['hairBg', 1], ['body', 1], ['jersey', 1], ['ear', 2], ['head', 1], ['eyeLine', 1], ['smileLine', 2], ['miscLine', 1],
  ['facialHair', 1], ['eye', 2], ['eyebrow', 2], ['mouth', 1], ['nose', 1], ['hair', 1], ['glasses', 1], ['accessories', 1],
];
const HATS = ['hat', 'hat2', 'hat3', 'santa-hat'];
const HAT_SHORT = ['afro', 'afro2', 'curly', 'curly2', 'curly3', 'faux-hawk', 'hair', 'high', 'juice', 'messy-short', 'messy', 'middle-part', 'parted', 'shaggy1', 'shaggy2', 'short3', 'spike', 'spike2', 'spike3', 'spike4'];
const HAT_FADE = ['blowoutFade', 'curlyFade1', 'curlyFade2', 'dreads', 'fauxhawk-fade', 'tall-fade'];

/** The feature of each top-level group facesjs writes for `c`, in order (its skipping rules). */
function drawnFeatures(c: FaceConfig): string[] {
  if (!svgs) throw new Error('identity details need facesjs feature SVGs: await loadGenderTable() first');
  const out: string[] = [];
  const face = c as unknown as Record<string, { id?: string } | undefined>;
  for (const [name, positions] of FEATURES) {
    let id = face[name]?.id;
    if (id === undefined || !svgs[name]) continue;
    if (name === 'hair' && HATS.includes(c.accessories.id)) id = HAT_SHORT.includes(id) ? 'short' : HAT_FADE.includes(id) ? 'short-fade' : undefined;
    if (id === undefined || !svgs[name]?.[id]) continue;
    for (let p = 0; p < positions; p++) out.push(name);
  }
  return out;
}

/** The SVG transform a detail adds to one drawn feature (instance `k` of it), or '' for none. */
function featureTransform(name: string, k: number, detail: Float32Array): string {
  // facesjs' positions: eyes (140|260, 310), nose (200, 370), mouth (200, 440)
  const scaleAbout = (x: number, y: number, sx: number, sy: number): string =>
    sx === 1 && sy === 1 ? '' : ` translate(${x} ${y}) scale(${round3(sx)} ${round3(sy)}) translate(${-x} ${-y})`;
  const move = (dy: number): string => (dy === 0 ? '' : `translate(0 ${round3(dy)})`);
  switch (name) {
    case 'eyebrow':
      return move(detailValue(detail, 'eyebrow.dy'));
    case 'nose':
      return (move(detailValue(detail, 'nose.dy')) + scaleAbout(200, 370, detailValue(detail, 'nose.width'), 1)).trim();
    case 'mouth':
      return (move(detailValue(detail, 'mouth.dy')) + scaleAbout(200, 440, detailValue(detail, 'mouth.width'), 1)).trim();
    case 'eye':
      return scaleAbout(k === 0 ? 140 : 260, 310, 1, detailValue(detail, 'eye.height')).trim();
    default:
      return '';
  }
}

/**
 * Moves and reshapes brows, nose, mouth and eyes by the identity's details in facesjs' SVG (`face`,
 * the output of faceToSvgString for `c`), and draws glasses in the `frame` colour: facesjs writes
 * each drawn feature as three lines (`<g …>`, its one-line SVG, `</g>`), which are wrapped in the
 * detail's transform.
 */
export function shiftFeatures(face: string, c: FaceConfig, detail: Float32Array | undefined, frame?: string): string {
  if (!detail && !frame) return face;
  const lines = face.split('\n');
  const names = drawnFeatures(c);
  if (lines.length !== 2 + 3 * names.length) throw new Error(`facesjs wrote ${lines.length} lines for ${names.length} features; identity details cannot place them`);
  const out = [lines[0] ?? ''];
  names.forEach((name, k) => {
    const block = lines.slice(1 + 3 * k, 4 + 3 * k).join('\n');
    const t = detail ? featureTransform(name, names.slice(0, k).filter((n) => n === name).length, detail) : '';
    // glasses: facesjs fills them with the clothing colours; a person's own pair keeps its colour
    const drawn = name === 'glasses' && frame ? c.teamColors.reduce((b, team) => b.split(team).join(frame), block) : block;
    out.push(t ? `<g transform="${t}">\n${drawn}\n</g>` : drawn);
  });
  out.push(lines[lines.length - 1] ?? '');
  return out.join('\n');
}
