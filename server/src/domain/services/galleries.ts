// Gallery sources for packing: a folder of face images embedded by a recognizer, or `builtin` =
// embeddings of faces drawn from the default generator (random identities, default variation),
// as the paper builds its gallery from embeddings of generated faces.
import { readdir, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FailedPreconditionError, HyperfaceError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import type { Generator } from '../../runtime/models/types.js';
import type { RecognitionService } from '../recognition/service.js';
import { DEFAULT_VARIATION, sampleSeed, stackImages } from '../generation/index.js';
import { MAX_BYTES } from '../files/read-limits.js';
import type { GalleryBuilder } from './packing.js';
import { Rng } from '../../util/rng.js';
import { normalizeRows } from '../../util/vec.js';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp']);
const BATCH = 16;

export interface GalleryDeps {
  generator(name?: string): Generator;
  recognition(): RecognitionService;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

export function createGalleryBuilder(deps: GalleryDeps): GalleryBuilder {
  return {
    async fromImageDir(dir, recognizer, signal, guard) {
      if (!(await stat(await guard.real(dir, 'gallery.image_dir'))).isDirectory()) throw new InvalidArgumentError({ field: 'gallery.image_dir', description: 'is not a folder' });
      const files = (await readdir(dir, { recursive: true }))
        .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
        .sort();
      const service = deps.recognition();
      const rows: Float32Array[] = [];
      const found: string[] = [];
      let skipped = 0;
      for (const file of files) {
        throwIfAborted(signal);
        // A symlink out of the root, a FIFO or a device fails the job; only undecodable images are skipped.
        const encoded = await guard.read(guard.join(dir, file, 'gallery.image_dir'), { maxBytes: MAX_BYTES.image, field: 'gallery.image_dir', signal });
        if (encoded.length === 0) {
          skipped += 1; // an empty file is no image
          continue;
        }
        try {
          const res = await service.embed({ image: { encoded }, recognizer, aligned: false, largestFace: true, flip: false }, { signal });
          const face = res.faces[0];
          if (face) {
            rows.push(face.embedding);
            found.push(file);
          } else skipped += 1;
        } catch (error) {
          if (!(error instanceof HyperfaceError) || error.code === 'CANCELLED' || error.code === 'DEADLINE_EXCEEDED') throw error;
          skipped += 1;
        }
      }
      if (rows.length === 0) throw new FailedPreconditionError(`no face found in the ${files.length} images under gallery.image_dir`);
      deps.log('gallery embedded from images', { images: files.length, faces: rows.length, skipped });
      return { ...stack(rows), files: found };
    },

    async builtin(size, recognizer, seed, signal) {
      const generator = deps.generator();
      const service = deps.recognition();
      const dim = generator.info.dim;
      const rows: Float32Array[] = [];
      for (let start = 0; start < size; start += BATCH) {
        throwIfAborted(signal);
        const count = Math.min(BATCH, size - start);
        const items = Array.from({ length: count }, (_, j) => ({
          embedding: gaussianUnit(dim, sampleSeed(seed, start + j, 0xfffffffe, 0)),
          seed: sampleSeed(seed, start + j, 0xfffffffd, 0),
          variation: { ...DEFAULT_VARIATION },
        }));
        const images = await generator.render(items, { signal });
        const embeddings = await service.embedAligned(recognizer, { ...stackImages(images), count: images.length }, { signal });
        const d = embeddings.length / count;
        for (let j = 0; j < count; j++) rows.push(embeddings.slice(j * d, (j + 1) * d));
      }
      deps.log('builtin gallery generated', { faces: rows.length, generator: generator.info.name, recognizer });
      return stack(rows);
    },
  };
}

function stack(rows: Float32Array[]): { data: Float32Array; rows: number; dim: number } {
  const dim = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return { data, rows: rows.length, dim };
}

/** A seeded uniform point on the sphere (normalised Gaussian from the project's Rng). */
function gaussianUnit(dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  return normalizeRows(v, 1, dim);
}
