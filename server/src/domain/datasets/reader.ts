// Dataset readers for evaluation: ImageFolder or insightface RecordIO, with or without our
// manifest.jsonl (without one: ImageFolder is scanned, RecordIO is read through record 0 / idx).

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, NotFoundError } from '../../errors.js';
import { isTempName } from '../../util/fs-atomic.js';
import { compareRows, readManifest, type ManifestRow } from './manifest.js';
import { RecordFile, parseIdx, unpackIR } from './recordio.js';
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
}

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

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

async function scanImageFolder(root: string): Promise<DatasetEntry[]> {
  const dirs = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  const numeric = dirs.every((d) => /^\d+$/.test(d));
  dirs.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const entries: DatasetEntry[] = [];
  for (const [i, dir] of dirs.entries()) {
    const files = (await readdir(join(root, dir))).filter((f) => !isTempName(f) && /\.(png|jpe?g|webp|bmp)$/i.test(f)).sort();
    const identity = numeric ? Number(dir) : i;
    files.forEach((f, k) => entries.push({ identity, sample: k, file: `${dir}/${f}` }));
  }
  return entries;
}

async function scanRecordIO(root: string, rec: RecordFile): Promise<DatasetEntry[]> {
  const idx = parseIdx(await readFile(join(root, RECORDIO_FILES.idx), 'utf8'));
  const off0 = idx.get(0);
  let keys: number[];
  if (off0 !== undefined) {
    const { header } = unpackIR(await rec.read(off0));
    if (header.flag > 0 && header.label instanceof Float32Array) {
      const end = Math.trunc(header.label[0]!);
      keys = [];
      for (let k = 1; k < end; k++) keys.push(k);
    } else keys = [...idx.keys()].sort((a, b) => a - b);
  } else keys = [...idx.keys()].sort((a, b) => a - b);
  const counts = new Map<number, number>();
  const entries: DatasetEntry[] = [];
  for (const key of keys) {
    const offset = idx.get(key);
    if (offset === undefined) continue;
    const { header } = unpackIR(await rec.read(offset));
    const label = typeof header.label === 'number' ? header.label : (header.label[0] ?? 0);
    const identity = Math.trunc(label);
    const sample = counts.get(identity) ?? 0;
    counts.set(identity, sample + 1);
    entries.push({ identity, sample, file: RECORDIO_FILES.rec, offset });
  }
  return entries;
}

export async function openDatasetReader(root: string, options: DatasetReaderOptions = {}): Promise<DatasetReader> {
  const field = options.field ?? 'dataset_path';
  if (!(await exists(root))) throw new NotFoundError(`${field} ${root}`);
  const manifest = await readManifest(root);
  const isRecordIO = await exists(join(root, RECORDIO_FILES.rec));
  const format: DatasetFormat = isRecordIO ? 'recordio' : 'imagefolder';
  let rec: RecordFile | undefined;
  let all: DatasetEntry[];
  if (isRecordIO) {
    rec = await RecordFile.open(join(root, RECORDIO_FILES.rec));
    if (manifest.rows.length > 0) all = manifest.rows.filter((r) => typeof r.offset === 'number').map(fromRow);
    else if (await exists(join(root, RECORDIO_FILES.idx))) all = await scanRecordIO(root, rec);
    else {
      await rec.close();
      throw new FailedPreconditionError(`${root}: train.rec without train.idx or manifest.jsonl`);
    }
  } else {
    all = manifest.rows.length > 0 ? manifest.rows.map(fromRow) : await scanImageFolder(root);
  }
  if (all.length === 0) {
    await rec?.close();
    throw new FailedPreconditionError(`${field} ${root} holds no images`);
  }
  const entries = select(all, options);
  const identities = [...new Set(entries.map((e) => e.identity))];
  const read = async (e: DatasetEntry): Promise<Uint8Array> => {
    if (rec) {
      if (e.offset === undefined) throw new FailedPreconditionError(`RecordIO entry ${e.identity}/${e.sample} has no offset`);
      return unpackIR(await rec.read(e.offset)).payload;
    }
    try {
      return new Uint8Array(await readFile(join(root, e.file)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${join(root, e.file)} (listed in the manifest)`, { cause: error });
      throw error;
    }
  };
  return {
    root,
    format,
    hasManifest: manifest.rows.length > 0,
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
