// Request-named files, read through FileGuard on the main thread (confined, regular, size-capped,
// cancellable) and parsed in a fenced worker (fenced.ts). The one way the domain parses bulk data
// a request controls.
import { MANIFEST_MAX_LINE_BYTES, type ManifestRow, type ManifestRead } from '../datasets/manifest.js';
import type { LfwPairs } from '../datasets/lfw.js';
import { InvalidArgumentError } from '../../shared/errors.js';
import { MAX_BYTES } from '../files/read-limits.js';
import { clip, type FileGuard, type SafePath } from '../files/safe-files.js';
import { fenced, fenceHeapMb, ownBuffer, type FenceOptions } from './fenced.js';
import type { BinScan, ManifestColumns } from './tasks.js';

export interface ReadContext {
  files: FileGuard;
  field: string;
  signal?: AbortSignal;
}

async function bytesOf(path: SafePath, ctx: ReadContext, maxBytes: number): Promise<ArrayBuffer> {
  return ownBuffer(await ctx.files.read(path, { maxBytes, field: ctx.field, ...(ctx.signal ? { signal: ctx.signal } : {}) }));
}

/** The fence for parsing `bytes` of `path`: heap scaled to the input (fenceHeapMb). */
const fence = (path: string, ctx: ReadContext, bytes: number): FenceOptions => ({ file: path, field: ctx.field, heapMb: fenceHeapMb(bytes), ...(ctx.signal ? { signal: ctx.signal } : {}) });

/** Yields to the event loop every `every` iterations of a long main-thread loop. */
export async function yieldEvery(i: number, every = 20_000): Promise<void> {
  if (i > 0 && i % every === 0) await new Promise<void>((r) => setImmediate(r));
}

/** Rows from the worker's columns, built in slices so the main thread keeps answering. */
async function rowsOf(c: ManifestColumns): Promise<ManifestRow[]> {
  const text = new Map(c.seedText);
  const rows: ManifestRow[] = new Array<ManifestRow>(c.file.length);
  for (let i = 0; i < rows.length; i++) {
    await yieldEvery(i);
    const row: ManifestRow = { identity: c.identity[i]!, sample: c.sample[i]!, seed: text.get(i) ?? c.seed[i]!, file: c.file[i]! };
    if (!Number.isNaN(c.cosine[i])) row.cosine = c.cosine[i]!;
    if (!Number.isNaN(c.key[i])) row.key = c.key[i]!;
    if (!Number.isNaN(c.offset[i])) row.offset = c.offset[i]!;
    rows[i] = row;
  }
  return rows;
}

/**
 * A manifest.jsonl a request names. `strict`: a line over the per-line cap is INVALID_ARGUMENT
 * (evaluation); otherwise it ends the valid prefix like any corrupt line (a writer resuming).
 */
export async function readManifestFile(path: SafePath, ctx: ReadContext & { strict: boolean }): Promise<ManifestRead> {
  const bytes = await bytesOf(path, ctx, MAX_BYTES.text);
  const c = await fenced('manifest', { bytes }, [bytes], fence(path, ctx, bytes.byteLength));
  if (c.longLine && ctx.strict) {
    throw new InvalidArgumentError({ field: ctx.field, description: `${clip(path)} line ${c.longLine.line} is ${c.longLine.bytes} bytes, over the limit of ${MANIFEST_MAX_LINE_BYTES} bytes per manifest line` });
  }
  return { rows: await rowsOf(c), validBytes: c.validBytes, truncated: c.truncated };
}

/** train.idx: key → offset; more than `maxLines` lines is INVALID_ARGUMENT. */
export async function readIdxFile(path: SafePath, ctx: ReadContext & { maxLines: number; tooMany: () => Error }): Promise<Map<number, number>> {
  const bytes = await bytesOf(path, ctx, MAX_BYTES.text);
  const r = await fenced('idx', { bytes, maxLines: ctx.maxLines }, [bytes], fence(path, ctx, bytes.byteLength));
  if (r.lines > ctx.maxLines) throw ctx.tooMany();
  const map = new Map<number, number>();
  for (let i = 0; i < r.keys.length; i++) {
    await yieldEvery(i);
    map.set(r.keys[i]!, r.offsets[i]!);
  }
  return map;
}

export async function readLfwPairsFile(path: SafePath, ctx: ReadContext & { maxPairs: number }): Promise<LfwPairs> {
  const bytes = await bytesOf(path, ctx, MAX_BYTES.text);
  return fenced('lfw', { bytes, field: ctx.field, maxPairs: ctx.maxPairs }, [bytes], fence(path, ctx, bytes.byteLength));
}

export async function readNpyMatrixFile(path: SafePath, ctx: ReadContext): Promise<{ data: Float32Array; rows: number; cols: number }> {
  const bytes = await bytesOf(path, ctx, MAX_BYTES.npy);
  return fenced('npyMatrix', { bytes }, [bytes], fence(path, ctx, bytes.byteLength));
}

export async function readNpyLabelsFile(path: SafePath, ctx: ReadContext): Promise<boolean[]> {
  const bytes = await bytesOf(path, ctx, MAX_BYTES.npy);
  const u8 = await fenced('npyLabels', { bytes }, [bytes], fence(path, ctx, bytes.byteLength));
  return Array.from(u8, (v) => v !== 0);
}

/** Scans an insightface .bin in a worker (the handle moves there and is closed by it). */
export async function scanBinFile(path: SafePath, ctx: ReadContext & { maxPairs: number }): Promise<BinScan> {
  const handle = await ctx.files.openRead(path, { maxBytes: MAX_BYTES.streamed, field: ctx.field, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch (error) {
    await handle.close();
    throw error;
  }
  return fenced('bin', { handle, size, field: ctx.field, maxPairs: ctx.maxPairs }, [handle], fence(path, ctx, size));
}

/** A JSON sidecar next to a .npy (<= MAX_BYTES.sidecar): parsed in the fence; only its recognizer comes back. */
export async function readSidecarFile(path: SafePath, ctx: ReadContext & { maxBytes?: number }): Promise<{ recognizer: string | null | undefined }> {
  const bytes = await bytesOf(path, ctx, ctx.maxBytes ?? MAX_BYTES.sidecar);
  return fenced('sidecar', { bytes }, [bytes], fence(path, ctx, bytes.byteLength));
}
