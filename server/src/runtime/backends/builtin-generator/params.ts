// The identity parameter space of the builtin generator: a fixed list of numeric parameters (each
// normalised to [0, 1]) and categorical heads over facesjs' feature ids. The MLP predicts these from
// an embedding; a seeded sampler draws random identities from the same space for training and for
// the builtin gallery.
import { svgsIndex, type FaceConfig } from 'facesjs';
import type { Rng } from '../../../util/rng.js';
import { drawDetail, loadFeatureSvgs, withDetailSizes } from './detail.js';

export type Gender = 'male' | 'female';

export interface NumericSpec {
  name: string;
  /** Value range over both genders; the normalised parameter maps [0, 1] onto it. */
  range: readonly [number, number];
  /** Range facesjs draws from per gender (random identities only). */
  byGender: Record<Gender, readonly [number, number]>;
}

export const NUMERIC: readonly NumericSpec[] = [
  { name: 'fatness', range: [0, 1], byGender: { female: [0, 0.4], male: [0, 1] } },
  { name: 'ear.size', range: [0.5, 1.5], byGender: { female: [0.5, 1], male: [0.5, 1.5] } },
  { name: 'eye.angle', range: [-10, 15], byGender: { female: [-10, 15], male: [-10, 15] } },
  { name: 'eyebrow.angle', range: [-15, 20], byGender: { female: [-15, 20], male: [-15, 20] } },
  { name: 'nose.size', range: [0.5, 1.25], byGender: { female: [0.5, 1], male: [0.5, 1.25] } },
  { name: 'smileLine.size', range: [0.25, 2.25], byGender: { female: [0.25, 2.25], male: [0.25, 2.25] } },
  { name: 'skinTone', range: [0, 1], byGender: { female: [0, 1], male: [0, 1] } },
  { name: 'head.shave', range: [0, 0.2], byGender: { female: [0, 0], male: [0, 0.2] } },
];

// facesjs' race palettes (generate.ts `colors`; not exported by the package).
const facesjsColors: Record<string, { skin: string[]; hair: string[] }> = {
  white: { skin: ['#f2d6cb', '#ddb7a0'], hair: ['#272421', '#3D2314', '#5A3825', '#CC9966', '#2C1608', '#B55239', '#e9c67b', '#D7BF91'] },
  asian: { skin: ['#fedac7', '#f0c5a3', '#eab687'], hair: ['#272421', '#0f0902'] },
  brown: { skin: ['#bb876f', '#aa816f', '#a67358'], hair: ['#272421', '#1c1008'] },
  black: { skin: ['#ad6453', '#74453d', '#5c3937'], hair: ['#272421'] },
};

/** Skin colours of every facesjs palette, light to dark; `skinTone` interpolates along them. */
export const SKIN_RAMP: readonly string[] = sortByLightness(
  [...new Set(Object.values(facesjsColors).flatMap((p) => p.skin))],
  true,
);
export const HAIR_COLORS: readonly string[] = [...new Set(Object.values(facesjsColors).flatMap((p) => p.hair))];

type SvgFeature = keyof typeof svgsIndex;
const ids = (f: SvgFeature): readonly string[] => svgsIndex[f];

export interface CategoricalSpec {
  name: string;
  options: readonly string[];
}

export const CATEGORICAL: readonly CategoricalSpec[] = [
  { name: 'head', options: ids('head') },
  { name: 'eye', options: ids('eye') },
  { name: 'eyebrow', options: ids('eyebrow') },
  { name: 'nose', options: ids('nose') },
  { name: 'mouth', options: ids('mouth') },
  { name: 'hair', options: ids('hair') },
  { name: 'hairColor', options: HAIR_COLORS },
  { name: 'facialHair', options: ids('facialHair') },
  { name: 'eyeLine', options: ids('eyeLine') },
  { name: 'smileLine', options: ids('smileLine') },
  { name: 'miscLine', options: ids('miscLine') },
  { name: 'ear', options: ids('ear') },
  { name: 'hairBg', options: ids('hairBg') },
  { name: 'body', options: ids('body') },
  { name: 'nose.flip', options: ['false', 'true'] },
  { name: 'mouth.flip', options: ['false', 'true'] },
  { name: 'hair.flip', options: ['false', 'true'] },
];

/** One identity: numeric parameters in [0, 1] and one option index per categorical head. */
export interface FaceParams {
  numeric: Float32Array;
  categorical: Int32Array;
  /** Continuous details within the face (detail.ts); absent = facesjs' own geometry (the MLP decoder). */
  detail?: Float32Array;
}

export const NUMERIC_COUNT = NUMERIC.length;
export const CATEGORICAL_SIZES: readonly number[] = CATEGORICAL.map((c) => c.options.length);

function hexToRgb(hex: string): [number, number, number] {
  const v = Number.parseInt(hex.replace('#', ''), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

export function rgbToHex(r: number, g: number, b: number): string {
  const c = (x: number): string => Math.max(0, Math.min(255, Math.round(x))).toString(16).padStart(2, '0');
  return `#${c(r)}${c(g)}${c(b)}`;
}

function sortByLightness(list: string[], descending: boolean): string[] {
  const l = (h: string): number => {
    const [r, g, b] = hexToRgb(h);
    return 0.299 * r + 0.587 * g + 0.114 * b;
  };
  return list.sort((a, b) => (descending ? l(b) - l(a) : l(a) - l(b)));
}

/** Skin colour for tone t in [0, 1] (0 = lightest facesjs skin), optionally shifted by `jitter`. */
export function skinColor(t: number, jitter = 0): string {
  const ramp = SKIN_RAMP;
  const x = Math.max(0, Math.min(1, t + jitter)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(ramp[i] ?? '#000000');
  const b = hexToRgb(ramp[i + 1] ?? '#000000');
  return rgbToHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

// --- gender compatibility for random identities (facesjs' own tables, read lazily) -----------------

type GenderTable = Partial<Record<SvgFeature, readonly string[]>>;
let genderTable: GenderTable | undefined;
let genderLoad: Promise<GenderTable> | undefined;

/** facesjs' svgsGenders (not re-exported by the package; loaded from its build folder). */
export async function loadGenderTable(): Promise<GenderTable> {
  await loadFeatureSvgs();
  if (genderTable) return genderTable;
  genderLoad ??= (async () => {
    const url = new URL('./svgs-index.js', import.meta.resolve('facesjs'));
    const mod = (await import(url.href)) as { svgsGenders?: GenderTable };
    genderTable = mod.svgsGenders ?? {};
    return genderTable;
  })();
  return genderLoad;
}

const CATEGORY_FEATURE: Record<string, SvgFeature | undefined> = {
  head: 'head',
  eye: 'eye',
  eyebrow: 'eyebrow',
  nose: 'nose',
  mouth: 'mouth',
  hair: 'hair',
  facialHair: 'facialHair',
  eyeLine: 'eyeLine',
  smileLine: 'smileLine',
  miscLine: 'miscLine',
  ear: 'ear',
  hairBg: 'hairBg',
  body: 'body',
};

/**
 * Draws a random identity the way facesjs' `generate` does (gender, race palette, feature
 * probabilities), but from a seeded Rng. Call `loadGenderTable()` once before (else every feature
 * id is allowed for both genders).
 */
export function randomFaceParams(rng: Rng): FaceParams {
  const gender: Gender = rng.next() < 0.5 ? 'male' : 'female';
  const numeric = new Float32Array(NUMERIC_COUNT);
  NUMERIC.forEach((spec, i) => {
    const [lo, hi] = spec.byGender[gender];
    const v = rng.uniform(lo, hi);
    numeric[i] = (v - spec.range[0]) / (spec.range[1] - spec.range[0]);
  });
  // head.shave: only a quarter of males shave.
  const shaveIdx = NUMERIC.findIndex((s) => s.name === 'head.shave');
  if (gender === 'female' || rng.next() >= 0.25) numeric[shaveIdx] = 0;
  const raceSkin = rng.int(4);
  // skinTone: a band per race on the light→dark ramp, so tone correlates with hair colours as in facesjs.
  numeric[NUMERIC.findIndex((s) => s.name === 'skinTone')] = Math.min(1, (raceSkin + rng.next()) / 4);

  const prob: Record<string, number> = {
    hairBg: gender === 'male' ? 0.1 : 0.9,
    eyeLine: 0.75,
    smileLine: gender === 'male' ? 0.75 : 0.1,
    miscLine: 0.5,
    facialHair: gender === 'male' ? 0.5 : 0,
  };
  const table = genderTable ?? {};
  const categorical = new Int32Array(CATEGORICAL.length);
  CATEGORICAL.forEach((spec, h) => {
    const feature = CATEGORY_FEATURE[spec.name];
    let pick: string;
    if (spec.name === 'hairColor') {
      // dark hair is the most common in every facesjs palette
      pick = rng.next() < 0.55 ? '#272421' : rng.choice(HAIR_COLORS);
    } else if (!feature) {
      pick = rng.next() < 0.5 ? 'true' : 'false';
    } else {
      const p = prob[spec.name];
      const noneAllowed = spec.options.includes('none');
      if (p !== undefined && noneAllowed && rng.next() >= p) {
        pick = 'none';
      } else {
        const genders = table[feature];
        const valid = spec.options.filter(
          (id, k) => id !== 'none' && (!genders || genders[k] === 'both' || genders[k] === gender),
        );
        pick = rng.choice(valid.length > 0 ? valid : spec.options);
      }
    }
    categorical[h] = Math.max(0, spec.options.indexOf(pick));
  });
  // drawn last, so the facesjs part of an identity is the same as before details existed
  return { numeric, categorical, detail: drawDetail(rng) };
}

function numericValue(params: FaceParams, name: string): number {
  const i = NUMERIC.findIndex((s) => s.name === name);
  const spec = NUMERIC[i];
  if (!spec) throw new Error(`unknown numeric parameter ${name}`);
  const t = Math.max(0, Math.min(1, params.numeric[i] ?? 0));
  return spec.range[0] + t * (spec.range[1] - spec.range[0]);
}

function option(params: FaceParams, name: string): string {
  const h = CATEGORICAL.findIndex((c) => c.name === name);
  const spec = CATEGORICAL[h];
  if (!spec) throw new Error(`unknown categorical parameter ${name}`);
  return spec.options[params.categorical[h] ?? 0] ?? spec.options[0] ?? 'none';
}

export interface Accessories {
  glasses: string;
  accessories: string;
  teamColors: [string, string, string];
  /** Added to skinTone (colour variation). */
  skinJitter: number;
}

export const NO_ACCESSORIES: Accessories = {
  glasses: 'none',
  accessories: 'none',
  teamColors: ['#89bfd3', '#7a1319', '#07364f'],
  skinJitter: 0,
};

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** The facesjs FaceConfig for an identity plus the per-sample extras. */
export function toFaceConfig(params: FaceParams, extras: Accessories = NO_ACCESSORIES): FaceConfig {
  const shave = round2(numericValue(params, 'head.shave'));
  return withDetailSizes({
    fatness: round2(numericValue(params, 'fatness')),
    teamColors: extras.teamColors,
    hairBg: { id: option(params, 'hairBg') },
    body: { id: option(params, 'body'), color: skinColor(numericValue(params, 'skinTone'), extras.skinJitter), size: 1 },
    jersey: { id: 'jersey' },
    ear: { id: option(params, 'ear'), size: round2(numericValue(params, 'ear.size')) },
    head: { id: option(params, 'head'), shave: `rgba(0,0,0,${shave})` },
    eyeLine: { id: option(params, 'eyeLine') },
    smileLine: { id: option(params, 'smileLine'), size: round2(numericValue(params, 'smileLine.size')) },
    miscLine: { id: option(params, 'miscLine') },
    facialHair: { id: option(params, 'facialHair') },
    eye: { id: option(params, 'eye'), angle: Math.round(numericValue(params, 'eye.angle')) },
    eyebrow: { id: option(params, 'eyebrow'), angle: Math.round(numericValue(params, 'eyebrow.angle')) },
    hair: { id: option(params, 'hair'), color: option(params, 'hairColor'), flip: option(params, 'hair.flip') === 'true' },
    mouth: { id: option(params, 'mouth'), flip: option(params, 'mouth.flip') === 'true' },
    nose: { id: option(params, 'nose'), flip: option(params, 'nose.flip') === 'true', size: round2(numericValue(params, 'nose.size')) },
    glasses: { id: extras.glasses },
    accessories: { id: extras.accessories },
  }, params.detail);
}
