// Dataset readers for evaluation: ImageFolder or insightface RecordIO, with or without our
// manifest.jsonl (without one: ImageFolder is scanned, RecordIO is read through record 0 / idx).

import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, HyperfaceError, InvalidArgumentError, NotFoundError } from '../../shared/errors.js';
import { DEFAULT_READ_LIMITS, MAX_BYTES } from '../files/read-limits.js';
import { clip, FileGuard, type SafePath } from '../files/safe-files.js';
import { isTempName } from '../../util/fs-atomic.js';
import { FileSource } from './byte-source.js';
import { compareRows, MANIFEST_FILE, type ManifestRow } from './manifest.js';
import { RecordFile, unpackIR, IR_HEADER_SIZE } from './recordio.js';
import { readIdxFile, readManifestFile, yieldEvery } from '../fence/files.js';
import { RECORDIO_FILES, type DatasetFormat } from './writer.js';

export interface DatasetEntry {
  identity: number;
  sample: number;
  file: string;
  seed?: number | string;
  cosine?: number;
  /** RecordIO: byte offset of the record in train.rec. */
  offset?: number;
}

export interface DatasetItem extends DatasetEntry {
  encoded: Uint8Array;
}

export interface DatasetReader {
  readonly root: string;
  readonly format: DatasetFormat;
  readonly hasManifest: boolean;
  /** The selected entries, sorted by (identity, sample). */
  readonly entries: readonly DatasetEntry[];
  /** Distinct identities among the entries, ascending. */
  readonly identities: readonly number[];
  read(entry: DatasetEntry): Promise<Uint8Array>;
  /** Yields every selected entry with its encoded bytes. */
  [Symbol.asyncIterator](): AsyncIterator<DatasetItem>;
  close(): Promise<void>;
}

export interface DatasetReaderOptions {
  /** Keep only the first N identities (ascending); 0/undefined = all. */
  maxIdentities?: number;
  /** Keep only the first N samples of each identity; 0/undefined = all. */
  maxSamplesPerIdentity?: number;
  /** Field name for errors. @default 'dataset_path' */
  field?: string;
  /** Confines every file the dataset names (default: unconfined; file type and size rules still hold). */
  files?: FileGuard;
  /** Most images the dataset may list. @default DEFAULT_READ_LIMITS.maxSamples */
  maxSamples?: number;
  signal?: AbortSignal;
}

const exists = (p: string): Promise<boolean> => lstat(p).then(() => true, () => false);

function tooMany(field: string, what: string, n: number | string, max: number): InvalidArgumentError {
  return new InvalidArgumentError({ field, description: `${what} ${n} images, over the limit of ${max} (limits.maxDatasetSamples)` });
}

function select(entries: DatasetEntry[], options: DatasetReaderOptions): DatasetEntry[] {
  entries.sort(compareRows);
  const maxIds = options.maxIdentities || Infinity;
  const maxSamples = options.maxSamplesPerIdentity || Infinity;
  const out: DatasetEntry[] = [];
  let ids = 0;
  let current = -1;
  let inId = 0;
  for (const e of entries) {
    if (e.identity !== current) {
      current = e.identity;
      inId = 0;
      if (++ids > maxIds) break;
    }
    if (inId++ < maxSamples) out.push(e);
  }
  return out;
}

function fromRow(r: ManifestRow): DatasetEntry {
  const e: DatasetEntry = { identity: r.identity, sample: r.sample, file: r.file, seed: r.seed, cosine: r.cosine };
  if (typeof r.offset === 'number') e.offset = r.offset;
  return e;
}

async function scanImageFolder(root: string, maxSamples: number, field: string): Promise<DatasetEntry[]> {
  const dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  const numeric = dirs.every((d) => /^\d+$/.test(d));
  dirs.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const entries: DatasetEntry[] = [];
  for (const [i, dir] of dirs.entries()) {
    const files = (await readdir(join(root, dir))).filter((f) => !isTempName(f) && /\.(png|jpe?g|webp|bmp)$/i.test(f)).sort();
    const identity = numeric ? Number(dir) : i;
    files.forEach((f, k) => entries.push({ identity, sample: k, file: `${dir}/${f}` }));
    if (entries.length > maxSamples) throw tooMany(field, 'the image folders hold more than', maxSamples, maxSamples);
  }
  return entries;
}

async function scanRecordIO(root: SafePath, rec: RecordFile, ctx: { files: FileGuard; maxSamples: number; field: string; signal?: AbortSignal }): Promise<DatasetEntry[]> {
  const { field, maxSamples } = ctx;
  // idx lists the images, one record per identity and record 0: parsed in a fenced worker.
  const idx = await readIdxFile(ctx.files.join(root, RECORDIO_FILES.idx, ctx.field), { files: ctx.files, field, ...(ctx.signal ? { signal: ctx.signal } : {}), maxLines: 2 * maxSamples + 2, tooMany: () => tooMany(field, 'train.idx lists more than', maxSamples, maxSamples) });
  const off0 = idx.get(0);
  let keys: number[];
  if (off0 !== undefined) {
    const { header } = unpackIR(await readRecord(rec, off0));
    if (header.flag > 0 && header.label instanceof Float32Array) {
      // insightface header: label[0] = 1 + number of images. A file controls it: bound it by what
      // the idx really lists and by the configured limit before allocating anything.
      const end = header.label[0]!;
      if (!Number.isInteger(end) || end < 1) throw new InvalidArgumentError({ field, description: `RecordIO header record 0 has label ${end}, not 1 + the number of images` });
      if (end - 1 > maxSamples) throw tooMany(field, 'the RecordIO header claims', end - 1, maxSamples);
      if (end - 1 > idx.size) throw new InvalidArgumentError({ field, description: `the RecordIO header claims ${end - 1} images, train.idx lists ${idx.size} records` });
      keys = [];
      for (let k = 1; k < end; k++) keys.push(k);
    } else keys = [...idx.keys()].sort((a, b) => a - b);
  } else keys = [...idx.keys()].sort((a, b) => a - b);
  if (keys.length > maxSamples) throw tooMany(field, 'train.idx lists', keys.length, maxSamples);
  const counts = new Map<number, number>();
  const entries: DatasetEntry[] = [];
  for (const [i, key] of keys.entries()) {
    await yieldEvery(i, 10_000);
    const offset = idx.get(key);
    if (offset === undefined) continue;
    const { header } = unpackIR(await readRecord(rec, offset));
    const label = typeof header.label === 'number' ? header.label : (header.label[0] ?? 0);
    const identity = Math.trunc(label);
    if (!Number.isSafeInteger(identity)) throw new InvalidArgumentError({ field, description: `record ${key} has label ${label}, not an identity` });
    const sample = counts.get(identity) ?? 0;
    counts.set(identity, sample + 1);
    entries.push({ identity, sample, file: RECORDIO_FILES.rec, offset });
  }
  return entries;
}

/** One record, at most an encoded image's size (a file controls the length field). */
async function readRecord(rec: RecordFile, offset: number): Promise<Uint8Array> {
  const len = await rec.recordLength(offset);
  if (len !== undefined && len > MAX_BYTES.image + IR_HEADER_SIZE + 4096) throw new Error(`record at ${offset} is ${len} bytes, over the image limit of ${MAX_BYTES.image}`);
  return rec.read(offset);
}

/** Anything a malformed dataset file makes the parsers throw is the caller's INVALID_ARGUMENT. */
function asInvalid(error: unknown, field: string, root: string): Error {
  if (error instanceof HyperfaceError) return error;
  return new InvalidArgumentError({ field, description: `${clip(root)} is not a readable dataset: ${clip((error as Error).message ?? String(error))}` }, { cause: error });
}

export async function openDatasetReader(root: SafePath, options: DatasetReaderOptions = {}): Promise<DatasetReader> {
  const field = options.field ?? 'dataset_path';
  const files = options.files ?? new FileGuard(undefined);
  const maxSamples = options.maxSamples ?? DEFAULT_READ_LIMITS.maxSamples;
  const signal = options.signal;
  const sig = signal ? { signal } : {};
  const st = await stat(await files.real(root, field)).catch((error: unknown) => {
    throw error instanceof HyperfaceError ? error : new NotFoundError(`${field} ${clip(root)}`, { cause: error });
  });
  if (!st.isDirectory()) throw new InvalidArgumentError({ field, description: `${clip(root)} is not a folder` });
  let manifestRows: ManifestRow[] = [];
  if (await exists(join(root, MANIFEST_FILE))) {
    // Parsed in a fenced worker, each line capped: a JSON bomb fails this job, never the daemon.
    manifestRows = (await readManifestFile(files.join(root, MANIFEST_FILE, field), { files, field, ...sig, strict: true })).rows;
    if (manifestRows.length > maxSamples) throw tooMany(field, 'manifest.jsonl lists more than', maxSamples, maxSamples);
  }
  const isRecordIO = await exists(join(root, RECORDIO_FILES.rec));
  const format: DatasetFormat = isRecordIO ? 'recordio' : 'imagefolder';
  let rec: RecordFile | undefined;
  let all: DatasetEntry[];
  try {
    if (isRecordIO) {
      const handle = await files.openRead(files.join(root, RECORDIO_FILES.rec, field), { maxBytes: MAX_BYTES.streamed, field, ...sig });
      rec = RecordFile.fromSource(FileSource.fromHandle(handle, (await handle.stat()).size, signal));
      if (manifestRows.length > 0) all = manifestRows.filter((r) => typeof r.offset === 'number').map(fromRow);
      else if (await exists(join(root, RECORDIO_FILES.idx))) all = await scanRecordIO(root, rec, { files, maxSamples, field, ...sig });
      else throw new FailedPreconditionError(`${clip(root)}: train.rec without train.idx or manifest.jsonl`);
    } else {
      all = manifestRows.length > 0 ? manifestRows.map(fromRow) : await scanImageFolder(root, maxSamples, field);
    }
    if (all.length === 0) throw new FailedPreconditionError(`${field} ${clip(root)} holds no images`);
  } catch (error) {
    await rec?.close();
    throw asInvalid(error, field, root);
  }
  const entries = select(all, options);
  const identities = [...new Set(entries.map((e) => e.identity))];
  const read = async (e: DatasetEntry): Promise<Uint8Array> => {
    if (rec) {
      if (e.offset === undefined) throw new FailedPreconditionError(`RecordIO entry ${e.identity}/${e.sample} has no offset`);
      try {
        return unpackIR(await readRecord(rec, e.offset)).payload;
      } catch (error) {
        throw asInvalid(error, field, `${root} (identity ${e.identity}, sample ${e.sample})`);
      }
    }
    const path = files.join(root, e.file, `${field} manifest file`);
    const buf = await files.read(path, { maxBytes: MAX_BYTES.image, field, ...sig });
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  };
  return {
    root,
    format,
    hasManifest: manifestRows.length > 0,
    entries,
    identities,
    read,
    async *[Symbol.asyncIterator](): AsyncGenerator<DatasetItem> {
      for (const e of entries) yield { ...e, encoded: await read(e) };
    },
    close: async () => {
      await rec?.close();
    },
  };
}
