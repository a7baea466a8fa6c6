// The per-image preprocessing steps run inside pool workers: decode (sharp) → detect faces and
// five landmarks → warp each face onto the ArcFace template (or resize an already-aligned crop) →
// optional mirror for flip test-time augmentation. Errors are returned as data (workers cannot
// throw typed errors across the thread boundary).

import sharp from 'sharp';
import { alignFace, flipHorizontal } from './align.js';
import { detectFaces } from './detect.js';

export interface RawImageInput {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: number;
  data: Uint8Array;
}

export interface PrepareTask {
  encoded?: Uint8Array;
  raw?: RawImageInput;
  /** The image is an aligned crop: only resize it (must be square). */
  aligned: boolean;
  largestFace: boolean;
  /** Also return each crop mirrored. */
  flip: boolean;
  /** Output crop side (the recognizer's input size); the five-point template is scaled to it. */
  size: number;
  /** Largest width × height decoded (limits.maxImagePixels). @default MAX_PIXELS */
  maxPixels?: number;
}

export interface PreparedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: number[];
  /** size x size x 3 uint8 RGB. */
  crop: Uint8Array;
  flipped?: Uint8Array;
}

export type PrepareResult =
  | { ok: true; width: number; height: number; alignment: 'five-point' | 'none'; faces: PreparedFace[]; ms: { decode: number; detect: number; align: number } }
  | { ok: false; code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'INTERNAL'; field?: string; message: string };

/** Default largest decoded image (pixels): the default of limits.maxImagePixels. */
export const MAX_PIXELS = 25_000_000;

function tooLarge(field: string, width: number, height: number, max: number): PrepareError {
  return new PrepareError('INVALID_ARGUMENT', field, `the image is ${width}x${height} = ${width * height} pixels, more than limits.maxImagePixels (${max})`);
}

export async function decodeImage(task: Pick<PrepareTask, 'encoded' | 'raw' | 'maxPixels'>): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const maxPixels = task.maxPixels ?? MAX_PIXELS;
  if (task.raw) {
    const { width, height, channels, data } = task.raw;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new PrepareError('INVALID_ARGUMENT', 'image.raw', `bad raw image size ${width}x${height}`);
    if (width * height > maxPixels) throw tooLarge('image.raw', width, height, maxPixels);
    if (channels !== 1 && channels !== 3 && channels !== 4) throw new PrepareError('INVALID_ARGUMENT', 'image.raw.channels', `must be 1, 3 or 4, got ${channels}`);
    if (data.length !== width * height * channels) throw new PrepareError('INVALID_ARGUMENT', 'image.raw.data', `expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${data.length}`);
    if (channels === 3) return { rgb: data, width, height };
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * channels + (channels === 1 ? 0 : c)] ?? 0;
    }
    return { rgb, width, height };
  }
  if (!task.encoded || task.encoded.length === 0) throw new PrepareError('INVALID_ARGUMENT', 'image', 'no image data');
  // The header says how large the decoded image would be: refuse before decoding anything.
  let header: { width?: number; height?: number };
  try {
    header = await sharp(task.encoded, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PrepareError('INVALID_ARGUMENT', 'image.encoded', `not a decodable image: ${(error as Error).message}`);
  }
  if ((header.width ?? 0) * (header.height ?? 0) > maxPixels) throw tooLarge('image.encoded', header.width ?? 0, header.height ?? 0, maxPixels);
  try {
    const { data, info } = await sharp(task.encoded, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw new PrepareError('INVALID_ARGUMENT', 'image.encoded', `not a decodable image: ${(error as Error).message}`);
  }
}

export class PrepareError extends Error {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'INTERNAL',
    readonly field: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function resizeSquare(rgb: Uint8Array, side: number, size: number): Promise<Uint8Array> {
  if (side === size) return rgb;
  const out = await sharp(rgb, { raw: { width: side, height: side, channels: 3 } }).resize(size, size, { kernel: 'cubic' }).raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export async function prepare(task: PrepareTask): Promise<PrepareResult> {
  try {
    const t0 = performance.now();
    const { rgb, width, height } = await decodeImage(task);
    const t1 = performance.now();
    if (!Number.isInteger(task.size) || task.size < 8 || task.size > 1024) throw new PrepareError('INVALID_ARGUMENT', 'size', `bad crop size ${task.size}`);
    if (task.aligned) {
      if (width !== height) throw new PrepareError('INVALID_ARGUMENT', 'image', `an aligned crop must be square, got ${width}x${height}`);
      const crop = await resizeSquare(rgb, width, task.size);
      const face: PreparedFace = { box: { x: 0, y: 0, width, height }, score: 1, landmarks: [], crop };
      if (task.flip) face.flipped = flipHorizontal(crop, task.size);
      return { ok: true, width, height, alignment: 'none', faces: [face], ms: { decode: t1 - t0, detect: 0, align: performance.now() - t1 } };
    }
    const detected = await detectFaces(rgb, width, height);
    const t2 = performance.now();
    if (detected.length === 0) throw new PrepareError('NOT_FOUND', undefined, `no face found in the ${width}x${height} image`);
    const chosen = task.largestFace ? detected.slice(0, 1) : detected;
    const faces = chosen.map(({ box, score, landmarks }): PreparedFace => {
      const { crop } = alignFace(rgb, width, height, landmarks, task.size);
      const face: PreparedFace = { box, score, landmarks, crop };
      if (task.flip) face.flipped = flipHorizontal(crop, task.size);
      return face;
    });
    return { ok: true, width, height, alignment: 'five-point', faces, ms: { decode: t1 - t0, detect: t2 - t1, align: performance.now() - t2 } };
  } catch (error) {
    if (error instanceof PrepareError) return { ok: false, code: error.code, ...(error.field ? { field: error.field } : {}), message: error.message };
    return { ok: false, code: 'INTERNAL', message: (error as Error).message };
  }
}
