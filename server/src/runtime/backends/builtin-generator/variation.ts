// The nuisance model of the builtin generator: everything that differs between two photos of the
// same person, drawn from the sample's seed. Identity parameters (FaceParams) are never drawn here;
// this only decides how one sample of that identity looks:
//   β (embedding noise)  → expression (smile ↔ neutral, brow raise, eye squint), within-style hair
//                          (parting side, stubble shadow) — amount min(1, β / 0.04)
//   pose                 → head roll, yaw-like asymmetry (foreshortening, sideways shift, nose/mouth
//                          drawn from the other side), scale, shift
//   color                → white balance, contrast, brightness, directional light, slight skin-tone
//                          shift under the light, blur, sensor noise, clothing colours
//   background           → backdrop colour and gradient
//   accessories a        → habits of the person (render.ts picks who and which item from the identity):
//                          glasses: min(0.5, a) of the identities wear glasses, in 1 - a/10 of their
//                          photos (always their own pair, in its frame colour); the others in a/60 of theirs.
//                          Cap or headband: a/4 of the identities wear their own one, in 1 - a/3 of their
//                          photos; the others in a/40 of theirs (≈ a/4 of all photos, as when it was drawn per photo)
// Each factor draws from its own named stream a fixed number of values whatever the amounts, so
// changing one amount never changes another factor's draws.
import { svgsIndex } from 'facesjs';
import type { VariationSettings } from '../../models/types.js';
import { Rng } from '../../../util/rng.js';
import { type Accessories, NO_ACCESSORIES } from './params.js';

export const GLASSES = svgsIndex.glasses.filter((g) => g !== 'none' && g !== 'facemask');
export const HEADWEAR = svgsIndex.accessories.filter((a) => a !== 'none' && a !== 'eye-black' && a !== 'santa-hat');

/** β at which expression and hair changes reach full strength (the default 0.02 gives half). */
export const BETA_FULL = 0.04;

/** An accessory a person wears habitually: who wears it is the identity's, whether this photo shows it is the sample's. */
export interface Habit {
  wearers: number;
  ifWearer: boolean;
  ifNot: boolean;
}

export interface Expression {
  /** Show the identity's partner mouth (its smile when neutral, its neutral mouth when smiling). */
  switchMouth: boolean;
  /** Degrees added to the eyebrow and eye angles. */
  browDelta: number;
  eyeDelta: number;
}

/** Everything the variation settings decide for one sample, drawn from its seed. */
export interface SampleVariation {
  /** Clothing colours, skin shift (glasses and headwear: see `glasses` / `headwear`). */
  extras: Accessories;
  /** Share of identities who wear glasses, and whether this photo shows them for a wearer / a non-wearer. */
  glasses: Habit;
  /** The same for a cap or headband (each wearer has their own). */
  headwear: Habit;
  expression: Expression;
  /** Toggles applied to the identity's own flips (true = drawn mirrored from the identity's). */
  flip: { nose: boolean; mouth: boolean; hair: boolean };
  /** Added to the identity's head shave (stubble / shadow), in facesjs alpha units. */
  shaveDelta: number;
  /** Degrees, SVG units, factor. */
  rotation: number;
  shiftX: number;
  shiftY: number;
  scale: number;
  /** Yaw-like turn in [-1, 1]: horizontal foreshortening of the head. */
  yaw: number;
  background: { top: string; bottom: string };
  /** Directional light: gradient direction (radians) and its opacity at each end. */
  light: { angle: number; strength: number };
  /** Per-channel gain, contrast, brightness offset (0-255 units). */
  gain: [number, number, number];
  contrast: number;
  brightness: number;
  /** Passes of a [1 2 1]/4 blur (0-2) and sensor-noise amplitude (0-255 units). */
  blur: number;
  noise: number;
  noiseSeed: number;
}

export function hsvHex(h: number, s: number, v: number): string {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  const c = (x: number): string => Math.round(Math.max(0, Math.min(1, x)) * 255).toString(16).padStart(2, '0');
  return `#${c(f(5))}${c(f(3))}${c(f(1))}`;
}

const NEUTRAL_BG = 0.82;
const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));

export function drawVariation(seed: number, v: VariationSettings): SampleVariation {
  const expr = Rng.derive(seed, 'expression');
  const pose = Rng.derive(seed, 'pose');
  const color = Rng.derive(seed, 'color');
  const bg = Rng.derive(seed, 'background');
  const acc = Rng.derive(seed, 'accessories');

  // Expression and within-style hair: a person smiles in some photos, raises the brows, squints,
  // parts the hair on the other side or has not shaved. Never a new mouth, hairstyle or colour.
  const e = clamp(v.beta / BETA_FULL, 0, 1);
  const expression: Expression = {
    switchMouth: expr.next() < 0.25 * e,
    browDelta: e * 4 * expr.normal(),
    eyeDelta: e * 2 * expr.normal(),
  };
  const hairFlip = expr.next() < 0.1 * e;
  const shaveDelta = e * 0.08 * expr.next();

  const rotation = v.pose * 12 * pose.uniform(-1, 1);
  const shiftX = v.pose * 0.05 * pose.uniform(-1, 1);
  const shiftY = v.pose * 0.05 * pose.uniform(-1, 1);
  const scale = 1 + v.pose * 0.1 * pose.uniform(-1, 1);
  const yaw = v.pose * pose.uniform(-1, 1);
  // Seen from the other side, an asymmetric nose or mouth is drawn mirrored.
  const noseFlip = yaw < -0.4;
  const mouthFlip = pose.next() < 0.1 * v.pose;

  const gain: [number, number, number] = [
    1 + v.color * 0.07 * color.normal(),
    1 + v.color * 0.07 * color.normal(),
    1 + v.color * 0.07 * color.normal(),
  ];
  const contrast = 1 + v.color * 0.15 * color.normal();
  const brightness = v.color * 20 * color.normal();
  const skinJitter = v.color * 0.04 * color.normal();
  const light = { angle: color.uniform(0, 2 * Math.PI), strength: v.color * 0.35 * color.next() };
  const blurDraw = color.next();
  const blur = blurDraw < 0.3 * v.color ? 2 : blurDraw < 0.8 * v.color ? 1 : 0;
  const noise = v.color * 8 * color.next();
  const noiseSeed = color.nextU32();
  const randomTeam = [0, 1, 2].map(() => hsvHex(color.next(), color.uniform(0.3, 1), color.uniform(0.2, 0.9))) as [string, string, string];
  // Clothing colours vary only with colour variation on.
  const team = v.color > 0 ? randomTeam : NO_ACCESSORIES.teamColors;

  const hue = bg.next();
  const sat = bg.uniform(0, 0.6) * v.background;
  const val1 = NEUTRAL_BG + (bg.uniform(0.25, 1) - NEUTRAL_BG) * v.background;
  const gradient = bg.next() < v.background * 0.5;
  const val2 = gradient ? clamp(val1 + bg.uniform(-0.3, 0.3), 0, 1) : (bg.next(), val1);
  const background = { top: hsvHex(hue, sat, val1), bottom: hsvHex(hue, sat, val2) };

  // Accessories are habits of the person: people who wear glasses or a cap wear them in most of
  // their photos, their own pair / cap (a per-photo cap made two photos of one person look like two people).
  const g = acc.next();
  const glasses = { wearers: Math.min(0.5, v.accessories), ifWearer: g < 1 - v.accessories / 10, ifNot: g < v.accessories / 60 };
  const hw = acc.next();
  const headwear = { wearers: v.accessories / 4, ifWearer: hw < 1 - v.accessories / 3, ifNot: hw < v.accessories / 40 };

  return {
    extras: { glasses: 'none', accessories: 'none', teamColors: team, skinJitter },
    glasses,
    headwear,
    expression,
    flip: { nose: noseFlip, mouth: mouthFlip, hair: hairFlip },
    shaveDelta,
    rotation,
    shiftX,
    shiftY,
    scale,
    yaw,
    background,
    light,
    gain,
    contrast,
    brightness,
    blur,
    noise,
    noiseSeed,
  };
}
