// Renders one identity (FaceParams) with one sample's nuisance (variation.ts) to an ArcFace-aligned
// RGB crop.
// facesjs always draws the eyes at (140,310)/(260,310) of its 400x600 canvas; we pick the SVG
// viewBox so that they land on the ArcFace 112x112 template (38.29,51.70)/(73.53,51.50) and let
// librsvg (through sharp) rasterise straight at the output size. Fixed settings, seeded draws:
// byte-identical pixels for the same inputs.
import { type FaceConfig, faceToSvgString } from 'facesjs';
import sharp from 'sharp';
import type { RawImageData } from '../../models/types.js';
import { detailValue, shiftFeatures } from './detail.js';
import { type FaceParams, toFaceConfig } from './params.js';
import { GLASSES, HEADWEAR, type SampleVariation } from './variation.js';

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

const f3 = (x: number): string => (Math.round(x * 1000) / 1000).toString();

const SMILES = ['smile', 'smile2', 'smile3', 'smile4', 'smile-closed'];
const NEUTRALS = ['closed', 'straight', 'mouth', 'mouth2', 'mouth3'];

/** The mouth the same person shows with the other expression (a fixed partner per mouth). */
export function partnerMouth(mouth: string): string {
  let h = 0;
  for (let i = 0; i < mouth.length; i++) h = (h * 31 + mouth.charCodeAt(i)) >>> 0;
  const list = SMILES.includes(mouth) ? NEUTRALS : SMILES;
  return list[h % list.length] ?? mouth;
}

/**
 * A stable number per identity, e.g. to pick the person's own glasses. All of the identity's
 * parameters enter, details included: two people the bank draws from one entry (told apart by their
 * refined details) are two people, with habits of their own.
 */
function identityHash(params: FaceParams): number {
  let h = 0x811c9dc5;
  for (const k of params.categorical) h = Math.imul(h ^ k, 0x01000193) >>> 0;
  for (const x of params.numeric) h = Math.imul(h ^ Math.round(x * 4096), 0x01000193) >>> 0;
  // details at their midpoint are facesjs' own geometry: the same person as without details
  for (const x of params.detail ?? []) if (Math.round((x - 0.5) * 4096) !== 0) h = Math.imul(h ^ Math.round((x - 0.5) * 4096), 0x01000193) >>> 0;
  // FNV's low bits are weak (wearers are picked by h % 1024): 24 % instead of 30 % of decoded identities wore glasses
  return mix32(h);
}

/** murmur3's finaliser: every output bit depends on every input bit. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Frame colours of a person's own glasses: black, browns, tortoiseshell, gold, silver, wine, navy, grey. */
const FRAME_COLORS = ['#1c1c1c', '#4a2c1a', '#7b4a2a', '#8c6239', '#b8962e', '#a9a9a9', '#6e1a24', '#1f3a5f', '#555555'];

/** The colour of the person's own glasses (facesjs would draw them in each photo's clothing colours). */
export function frameColor(params: FaceParams): string {
  return FRAME_COLORS[(Math.imul(identityHash(params), 0x9e3779b1) >>> 24) % FRAME_COLORS.length] ?? '#1c1c1c';
}

/** The identity's FaceConfig with one sample's expression, flips, stubble and accessories applied. */
export function sampleFaceConfig(params: FaceParams, v: SampleVariation): FaceConfig {
  // Glasses and headwear belong to the person: wearers mostly wear their own, others rarely any.
  const h = identityHash(params);
  const wearer = (h % 1024) / 1024 < v.glasses.wearers;
  const glasses = (wearer ? v.glasses.ifWearer : v.glasses.ifNot) ? (GLASSES[(h >>> 10) % GLASSES.length] ?? 'none') : 'none';
  const hh = mix32(h ^ 0x68617473); // independent bits for the headwear habit
  const hatWearer = (hh % 1024) / 1024 < v.headwear.wearers;
  const accessories = (hatWearer ? v.headwear.ifWearer : v.headwear.ifNot) ? (HEADWEAR[(hh >>> 10) % HEADWEAR.length] ?? 'none') : 'none';
  const c = toFaceConfig(params, { ...v.extras, glasses, accessories });
  const shave = /rgba\(0,0,0,([0-9.]+)\)/.exec(c.head.shave)?.[1];
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    ...c,
    head: { ...c.head, shave: `rgba(0,0,0,${round2(Math.min(0.3, Number(shave ?? 0) + v.shaveDelta))})` },
    mouth: { ...c.mouth, id: v.expression.switchMouth ? partnerMouth(c.mouth.id) : c.mouth.id, flip: c.mouth.flip !== v.flip.mouth },
    nose: { ...c.nose, flip: c.nose.flip !== v.flip.nose },
    hair: { ...c.hair, flip: c.hair.flip !== v.flip.hair },
    eyebrow: { ...c.eyebrow, angle: Math.round(c.eyebrow.angle + v.expression.browDelta) },
    eye: { ...c.eye, angle: Math.round(c.eye.angle + v.expression.eyeDelta) },
  };
}

/** The full SVG for one sample at `size` x `size` pixels. */
export function sampleSvg(params: FaceParams, variation: SampleVariation, size: number): string {
  const config = sampleFaceConfig(params, variation);
  // facesjs rewrites hair.id under a hat: hand it a copy so `config` still says what was asked for
  const face = shiftFeatures(faceToSvgString({ ...config, hair: { ...config.hair } }), config, params.detail, config.glasses.id === 'none' ? undefined : frameColor(params));
  const open = face.indexOf('>');
  const close = face.lastIndexOf('</svg>');
  const inner = face.slice(open + 1, close < 0 ? undefined : close);
  const [cx, cy] = FJS_EYE_MID;
  const { x, y, size: w } = CROP;
  // Yaw-like turn: the head narrows and moves towards the side it turns to.
  const sx = 1 - 0.12 * Math.abs(variation.yaw);
  const tf =
    `translate(${f3(cx + (variation.shiftX + 0.04 * variation.yaw) * w)} ${f3(cy + variation.shiftY * w)}) rotate(${f3(variation.rotation)}) ` +
    `scale(${f3(variation.scale * sx)} ${f3(variation.scale)}) translate(${-cx} ${-cy})` +
    // face length (an identity detail) about the eye line, so the eyes stay on the template
    (params.detail ? ` translate(0 ${cy}) scale(1 ${f3(detailValue(params.detail, 'face.length'))}) translate(0 ${-cy})` : '');
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

/** One pass of a separable [1 2 1]/4 blur on size x size RGB, in place (edges clamped). */
function blurPass(data: Uint8Array, size: number): void {
  const tmp = new Uint16Array(data.length);
  const row = size * 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const l = x > 0 ? -3 : 0;
      const r = x < size - 1 ? 3 : 0;
      for (let c = 0; c < 3; c++) {
        const i = y * row + x * 3 + c;
        tmp[i] = data[i + l]! + 2 * data[i]! + data[i + r]!;
      }
    }
  }
  for (let y = 0; y < size; y++) {
    const u = y > 0 ? -row : 0;
    const d = y < size - 1 ? row : 0;
    for (let i = y * row; i < (y + 1) * row; i++) data[i] = (tmp[i + u]! + 2 * tmp[i]! + tmp[i + d]! + 8) >> 4;
  }
}

/**
 * Directional light and sensor noise in one pass, in place. The light is a white → clear → black
 * ramp of opacity `strength` across the image along `angle`; the noise is seeded triangular noise of
 * amplitude `noise` (0-255 units). Uint8ClampedArray rounds and clamps.
 */
function lightAndNoise(data: Uint8Array, size: number, v: SampleVariation): void {
  const { angle, strength } = v.light;
  const amount = v.noise >= 0.5 ? v.noise / 255 : 0;
  if (strength <= 0 && amount === 0) return;
  const out = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
  const cx = Math.cos(angle) / size;
  const cy = Math.sin(angle) / size;
  let s = v.noiseSeed >>> 0 || 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // position along the light direction: 0 at the lit end, 1 at the dark end
      const t = Math.max(0, Math.min(1, (x + 0.5 - size / 2) * cx + (y + 0.5 - size / 2) * cy + 0.5));
      const white = strength * Math.max(0, 1 - 2 * t);
      const black = strength * Math.max(0, 2 * t - 1);
      const gain = 1 - white - black;
      const offset = 255 * white;
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        let n = 0;
        if (amount > 0) {
          // xorshift32; two bytes of it make a triangular draw in [-1, 1]
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          n = ((s & 255) + ((s >>> 8) & 255) - 255) * amount;
        }
        out[i + c] = data[i + c]! * gain + offset + n;
      }
    }
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
  for (let p = 0; p < variation.blur; p++) blurPass(pixels, size);
  lightAndNoise(pixels, size, variation);
  return { width: size, height: size, channels: 3, data: pixels };
}
