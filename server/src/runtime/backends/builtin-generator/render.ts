// Renders one identity (FaceParams) with per-sample variation to an ArcFace-aligned RGB crop.
// facesjs always draws the eyes at (140,310)/(260,310) of its 400x600 canvas; we pick the SVG
// viewBox so that they land on the ArcFace 112x112 template (38.29,51.70)/(73.53,51.50) and let
// librsvg (through sharp) rasterise straight at the output size. Fixed settings, seeded draws:
// byte-identical pixels for the same inputs.
import { faceToSvgString, svgsIndex } from 'facesjs';
import sharp from 'sharp';
import type { RawImageData, VariationSettings } from '../../models/types.js';
import { type Accessories, type FaceParams, NO_ACCESSORIES, toFaceConfig } from './params.js';
import { Rng } from './prng.js';

/** ArcFace 112 template (eye centres, mean) and the facesjs eye positions. */
const ARC_EYE_MID: readonly [number, number] = [(38.2946 + 73.5318) / 2, (51.6963 + 51.5014) / 2];
const ARC_EYE_DIST = 73.5318 - 38.2946;
const FJS_EYE_MID: readonly [number, number] = [200, 310];
const FJS_EYE_DIST = 120;
/** SVG units per output pixel at 112. */
const UNITS_PER_PX = FJS_EYE_DIST / ARC_EYE_DIST;
/** The crop window in facesjs coordinates (same for every output size: it scales with the size). */
export const CROP = {
  x: FJS_EYE_MID[0] - ARC_EYE_MID[0] * UNITS_PER_PX,
  y: FJS_EYE_MID[1] - ARC_EYE_MID[1] * UNITS_PER_PX,
  size: 112 * UNITS_PER_PX,
};

const GLASSES = svgsIndex.glasses.filter((g) => g !== 'none' && g !== 'facemask');
const HEADWEAR = svgsIndex.accessories.filter((a) => a !== 'none' && a !== 'eye-black');

/** Everything the variation settings decide for one sample, drawn from its seed. */
export interface SampleVariation {
  extras: Accessories;
  /** Degrees, SVG units, factor. */
  rotation: number;
  shiftX: number;
  shiftY: number;
  scale: number;
  background: { top: string; bottom: string };
  /** Per-channel gain, contrast, brightness offset (0-255 units). */
  gain: [number, number, number];
  contrast: number;
  brightness: number;
}

function hsvHex(h: number, s: number, v: number): string {
  const f = (n: number): number => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  const c = (x: number): string => Math.round(Math.max(0, Math.min(1, x)) * 255).toString(16).padStart(2, '0');
  return `#${c(f(5))}${c(f(3))}${c(f(1))}`;
}

const NEUTRAL_BG = 0.82;

/**
 * Draws the sample's variation. Every stream draws the same number of values whatever the amounts,
 * so changing one amount never changes the others' draws.
 */
export function drawVariation(seed: number, v: VariationSettings): SampleVariation {
  const pose = Rng.derive(seed, 'pose');
  const color = Rng.derive(seed, 'color');
  const bg = Rng.derive(seed, 'background');
  const acc = Rng.derive(seed, 'accessories');

  const rotation = v.pose * 12 * pose.uniform(-1, 1);
  const shiftX = v.pose * 0.05 * CROP.size * pose.uniform(-1, 1);
  const shiftY = v.pose * 0.05 * CROP.size * pose.uniform(-1, 1);
  const scale = 1 + v.pose * 0.1 * pose.uniform(-1, 1);

  const gain: [number, number, number] = [
    1 + v.color * 0.1 * color.normal(),
    1 + v.color * 0.1 * color.normal(),
    1 + v.color * 0.1 * color.normal(),
  ];
  const contrast = 1 + v.color * 0.15 * color.normal();
  const brightness = v.color * 20 * color.normal();
  const skinJitter = v.color * 0.06 * color.normal();
  const randomTeam = [0, 1, 2].map(() => hsvHex(color.next(), color.uniform(0.3, 1), color.uniform(0.2, 0.9))) as [string, string, string];
  // Clothing / accessory colours vary only with colour variation on.
  const team = v.color > 0 ? randomTeam : NO_ACCESSORIES.teamColors;

  const hue = bg.next();
  const sat = bg.uniform(0, 0.6) * v.background;
  const val1 = NEUTRAL_BG + (bg.uniform(0.25, 1) - NEUTRAL_BG) * v.background;
  const gradient = bg.next() < v.background * 0.5;
  const val2 = gradient ? Math.max(0, Math.min(1, val1 + bg.uniform(-0.3, 0.3))) : (bg.next(), val1);
  const background = { top: hsvHex(hue, sat, val1), bottom: hsvHex(hue, sat, val2) };

  const glassesOn = acc.next() < 0.5 * v.accessories;
  const glasses = acc.choice(GLASSES);
  const hatOn = acc.next() < 0.5 * v.accessories;
  const hat = acc.choice(HEADWEAR);

  return {
    extras: {
      glasses: glassesOn ? glasses : 'none',
      accessories: hatOn ? hat : 'none',
      teamColors: team,
      skinJitter,
    },
    rotation,
    shiftX,
    shiftY,
    scale,
    background,
    gain,
    contrast,
    brightness,
  };
}

const f3 = (x: number): string => (Math.round(x * 1000) / 1000).toString();

/** The full SVG for one sample at `size` x `size` pixels. */
export function sampleSvg(params: FaceParams, variation: SampleVariation, size: number): string {
  const face = faceToSvgString(toFaceConfig(params, variation.extras));
  const open = face.indexOf('>');
  const close = face.lastIndexOf('</svg>');
  const inner = face.slice(open + 1, close < 0 ? undefined : close);
  const [cx, cy] = FJS_EYE_MID;
  const tf =
    `translate(${f3(cx + variation.shiftX)} ${f3(cy + variation.shiftY)}) rotate(${f3(variation.rotation)}) ` +
    `scale(${f3(variation.scale)}) translate(${-cx} ${-cy})`;
  const { x, y, size: w } = CROP;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${size}" height="${size}" ` +
    `viewBox="${f3(x)} ${f3(y)} ${f3(w)} ${f3(w)}" preserveAspectRatio="none">` +
    `<defs><linearGradient id="hfbg" x1="0" y1="0" x2="0" y2="1">` +
    `<stop offset="0" stop-color="${variation.background.top}"/><stop offset="1" stop-color="${variation.background.bottom}"/>` +
    `</linearGradient></defs>` +
    `<rect x="${f3(x - 1)}" y="${f3(y - 1)}" width="${f3(w + 2)}" height="${f3(w + 2)}" fill="url(#hfbg)"/>` +
    `<g transform="${tf}">${inner}</g></svg>`
  );
}

/** Colour jitter on raw RGB, in place (integer output, deterministic). */
export function applyColor(data: Uint8Array, v: SampleVariation): void {
  const { gain, contrast, brightness } = v;
  if (gain[0] === 1 && gain[1] === 1 && gain[2] === 1 && contrast === 1 && brightness === 0) return;
  const luts = gain.map((g) => {
    const lut = new Uint8Array(256);
    for (let i = 0; i < 256; i++) lut[i] = Math.max(0, Math.min(255, Math.round(((i - 128) * contrast + 128 + brightness) * g)));
    return lut;
  }) as [Uint8Array, Uint8Array, Uint8Array];
  for (let i = 0; i < data.length; i += 3) {
    data[i] = luts[0][data[i] ?? 0] ?? 0;
    data[i + 1] = luts[1][data[i + 1] ?? 0] ?? 0;
    data[i + 2] = luts[2][data[i + 2] ?? 0] ?? 0;
  }
}

/** Rasterises one sample: uint8 RGB HWC, `size` x `size`. */
export async function renderFace(params: FaceParams, variation: SampleVariation, size: number): Promise<RawImageData> {
  const svg = sampleSvg(params, variation, size);
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .flatten({ background: '#000000' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size || info.height !== size || info.channels !== 3) {
    throw new Error(`rasteriser returned ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
  }
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  applyColor(pixels, variation);
  return { width: size, height: size, channels: 3, data: pixels };
}
