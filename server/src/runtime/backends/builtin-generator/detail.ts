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
  { name: 'eye.size', range: [0.8, 1.2] },
  { name: 'eyebrow.size', range: [0.8, 1.2] },
  { name: 'mouth.size', range: [0.75, 1.25] },
  // SVG units of facesjs' 400x600 canvas (eyes at y 310, brows 270, nose 370, mouth 440)
  { name: 'eyebrow.dy', range: [-14, 14] },
  { name: 'nose.dy', range: [-14, 14] },
  { name: 'mouth.dy', range: [-16, 16] },
  { name: 'face.length', range: [0.9, 1.1] },
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

/** Feature sizes (facesjs scales a feature about its own centre when it has `size`). */
export function withDetailSizes(c: FaceConfig, detail: Float32Array | undefined): FaceConfig {
  if (!detail) return c;
  return {
    ...c,
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

/**
 * Moves brows, nose and mouth vertically by the identity's details in facesjs' SVG (`face`, the
 * output of faceToSvgString for `c`): facesjs writes each drawn feature as three lines
 * (`<g …>`, its one-line SVG, `</g>`), which are wrapped in a translate.
 */
export function shiftFeatures(face: string, c: FaceConfig, detail: Float32Array | undefined): string {
  if (!detail) return face;
  const dy: Record<string, number> = { eyebrow: detailValue(detail, 'eyebrow.dy'), nose: detailValue(detail, 'nose.dy'), mouth: detailValue(detail, 'mouth.dy') };
  const lines = face.split('\n');
  const names = drawnFeatures(c);
  if (lines.length !== 2 + 3 * names.length) throw new Error(`facesjs wrote ${lines.length} lines for ${names.length} features; identity details cannot place them`);
  const out = [lines[0] ?? ''];
  names.forEach((name, k) => {
    const block = lines.slice(1 + 3 * k, 4 + 3 * k).join('\n');
    const d = dy[name];
    out.push(d ? `<g transform="translate(0 ${round3(d)})">\n${block}\n</g>` : block);
  });
  out.push(lines[lines.length - 1] ?? '');
  return out.join('\n');
}
