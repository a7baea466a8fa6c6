// Image encoding and decoding (sharp/libvips) for the domain: generated faces to PNG/JPEG, resizes,
// evaluation decodes and report thumbnails. The domain calls these and never imports sharp itself.
import sharp from 'sharp';
import type { RawImageData } from '../models/types.js';

/** PNG or JPEG bytes of a raw image, with fixed encoder settings: the same pixels always encode to the same bytes. */
export async function encodeImage(image: RawImageData, format: 'png' | 'jpeg', quality: number): Promise<Uint8Array> {
  const s = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  const buf = format === 'png' ? await s.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer() : await s.jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** A raw image resized to size × size (Lanczos), RGB. */
export async function resizeImage(image: RawImageData, size: number): Promise<RawImageData> {
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize(size, size, { kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encoded bytes decoded to sRGB HWC uint8, stretched to size × size. */
export async function decodeRgb(encoded: Uint8Array, size: number): Promise<Uint8Array> {
  const { data, info } = await sharp(encoded).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A size × size JPEG thumbnail (cover crop); throws on bytes that do not decode. */
export async function thumbnailJpeg(encoded: Uint8Array, size: number): Promise<Uint8Array> {
  const jpg = await sharp(encoded).resize(size, size, { fit: 'cover' }).jpeg({ quality: 80 }).toBuffer();
  return new Uint8Array(jpg.buffer, jpg.byteOffset, jpg.byteLength);
}
