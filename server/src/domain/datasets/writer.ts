// Dataset writers with crash-safe resume. The manifest is the commit log: a sample counts as
// written once its manifest line is complete. ImageFolder files are written atomically (temporary
// file + rename) before their line is appended; RecordIO records are appended to train.rec before
// their line, and on reopen anything in train.rec past the last committed record is truncated.
// RecordIO's record 0, identity records, train.idx and `property` are (re)written by close().

import { constants } from 'node:fs';
import { lstat, mkdir, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '../../shared/errors.js';
import { FileGuard, type SafePath } from '../files/safe-files.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { MANIFEST_FILE, compareRows, manifestLine, sampleKey, seedForJson, type ManifestRead, type ManifestRow } from './manifest.js';
import { readManifestFile } from '../fence/files.js';
import { acquireLease, type Lease } from './lease.js';
import { RECORDIO_FILES, checkDatasetTarget } from './target.js';
import { dedupeRows, reconcileImageFolder } from './reconcile.js';
import { RecordFile, formatIdx, frameRecord, framedSize, packIR } from './recordio.js';

export type DatasetFormat = 'imagefolder' | 'recordio';
export type ImageExt = 'png' | 'jpg';

export interface DatasetSample {
  identity: number;
  sample: number;
  seed: number | bigint | string;
  encoded: Uint8Array;
  ext: ImageExt;
  /** Cosine to the identity's reference embedding; undefined when no recognizer scored the sample. */
  cosine?: number;
  /** Extra manifest fields (attempts, below_threshold, ...). */
  extra?: Record<string, unknown>;
}

export interface DatasetWriter {
  readonly root: string;
  readonly format: DatasetFormat;
  /** Samples already committed (from the manifest at open time plus those written since). */
  readonly count: number;
  has(identity: number, sample: number): boolean;
  /** Commits one sample. A sample that is already committed is skipped (resume). Calls are serialised. */
  write(sample: DatasetSample): Promise<void>;
  /** Flushes; RecordIO also writes record 0, the identity records, train.idx and property. */
  close(): Promise<void>;
}

export interface DatasetWriterOptions {
  /** Image side for RecordIO's `property` file ("classes,H,W"). @default 112 */
  imageSize?: number;
  /** Number of classes for `property`; default max identity + 1. */
  numClasses?: number;
  /** Field name for errors. @default 'output_dir' */
  field?: string;
  /** Who writes (a job id): one writer per folder, see lease.ts. @default this process */
  holder?: string;
  /** What the holder writes, for callers that attach identical requests to a running holder. */
  fingerprint?: string;
  /** Confines every write (no symlink on the way, inside its root). @default the dataset folder itself */
  guard?: FileGuard;
}

export { DATASET_FILES, RECORDIO_FILES } from './target.js';
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;

export function imageFolderFile(identity: number, sample: number, ext: ImageExt): string {
  return `${String(identity).padStart(6, '0')}/${String(sample).padStart(4, '0')}.${ext}`;
}

function validateSample(s: DatasetSample): void {
  if (!Number.isInteger(s.identity) || s.identity < 0) throw new InvalidArgumentError({ field: 'identity', description: 'must be a non-negative integer' });
  if (!Number.isInteger(s.sample) || s.sample < 0) throw new InvalidArgumentError({ field: 'sample', description: 'must be a non-negative integer' });
  if (s.ext !== 'png' && s.ext !== 'jpg') throw new InvalidArgumentError({ field: 'ext', description: 'must be png or jpg' });
}

/** Serialises async operations. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** The manifest of a folder a request names, parsed in a fenced worker; a missing one reads as empty. */
async function readRequestManifest(root: SafePath, guard: FileGuard, field: string): Promise<ManifestRead> {
  const path = guard.join(root, MANIFEST_FILE, field);
  if (!(await lstat(path).then(() => true, () => false))) return { rows: [], validBytes: 0, truncated: false };
  return readManifestFile(path, { files: guard, field, strict: false });
}

/** Reads the manifest and rewrites it without a torn tail. */
async function loadManifest(root: SafePath, guard: FileGuard, field: string): Promise<ManifestRow[]> {
  const m = await readRequestManifest(root, guard, field);
  if (m.truncated) await writeFileAtomic(join(root, MANIFEST_FILE), m.rows.map(manifestLine).join(''));
  return m.rows;
}

abstract class BaseWriter implements DatasetWriter {
  protected readonly rows = new Map<string, ManifestRow>();
  protected manifest!: FileHandle;
  protected readonly queue = new Queue();
  protected closed = false;
  /** Set by openDatasetWriter; released by close(). */
  lease: Lease | undefined;
  abstract readonly format: DatasetFormat;
  constructor(
    readonly root: string,
    protected readonly guard: FileGuard,
    protected readonly field: string,
  ) {}

  get count(): number {
    return this.rows.size;
  }
  has(identity: number, sample: number): boolean {
    return this.rows.has(sampleKey(identity, sample));
  }

  protected async openManifest(rows: ManifestRow[]): Promise<void> {
    for (const r of rows) this.rows.set(sampleKey(r.identity, r.sample), r);
    this.manifest = await this.guard.openWrite(join(this.root, MANIFEST_FILE), APPEND, this.field);
  }

  /** The manifest row of a sample; `cosine` only when a recognizer scored it. */
  protected row(s: DatasetSample, file: string, more: Partial<ManifestRow> = {}): ManifestRow {
    return { ...s.extra, identity: s.identity, sample: s.sample, seed: seedForJson(s.seed), file, ...(typeof s.cosine === 'number' ? { cosine: s.cosine } : {}), ...more };
  }

  protected async commit(row: ManifestRow): Promise<void> {
    await this.manifest.write(manifestLine(row));
    this.rows.set(sampleKey(row.identity, row.sample), row);
  }

  write(sample: DatasetSample): Promise<void> {
    return this.queue.run(async () => {
      validateSample(sample);
      if (this.closed) throw new FailedPreconditionError('dataset writer is closed');
      if (this.has(sample.identity, sample.sample)) return;
      await this.writeOne(sample);
    });
  }

  protected abstract writeOne(sample: DatasetSample): Promise<void>;
  protected async finish(): Promise<void> {}

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      try {
        await this.manifest.sync().catch(() => undefined);
        await this.manifest.close();
        await this.finish();
      } finally {
        await this.lease?.release();
      }
    });
  }
}

class ImageFolderWriter extends BaseWriter {
  readonly format = 'imagefolder' as const;
  private readonly dirs = new Set<string>();

  static async create(root: SafePath, guard: FileGuard, field: string): Promise<ImageFolderWriter> {
    const w = new ImageFolderWriter(root, guard, field);
    const rows = await loadManifest(root, guard, field);
    const kept = await reconcileImageFolder(root, rows);
    if (kept.length !== rows.length) await writeFileAtomic(join(root, MANIFEST_FILE), kept.map(manifestLine).join(''));
    await w.openManifest(kept);
    return w;
  }

  protected async writeOne(s: DatasetSample): Promise<void> {
    const file = imageFolderFile(s.identity, s.sample, s.ext);
    const dir = file.slice(0, file.indexOf('/'));
    if (!this.dirs.has(dir)) {
      // An identity folder planted as a link would take the images out of the root.
      await this.guard.writable(join(this.root, dir), this.field);
      await mkdir(join(this.root, dir), { recursive: true });
      await this.guard.writable(join(this.root, dir), this.field);
      this.dirs.add(dir);
    }
    // No fsync per image (it costs ~10 ms each): after a power loss, reopen drops a row whose image is
    // missing or torn and renders it again (reconcile.ts).
    await writeFileAtomic(join(this.root, file), s.encoded, { fsync: false });
    await this.commit(this.row(s, file));
  }
}

class RecordIOWriter extends BaseWriter {
  readonly format = 'recordio' as const;
  private rec!: FileHandle;
  private recSize = 0;
  private nextKey = 1;

  private constructor(
    root: string,
    guard: FileGuard,
    field: string,
    private readonly options: DatasetWriterOptions,
  ) {
    super(root, guard, field);
  }

  static async create(root: SafePath, guard: FileGuard, field: string, options: DatasetWriterOptions): Promise<RecordIOWriter> {
    const w = new RecordIOWriter(root, guard, field, options);
    const recPath = join(root, RECORDIO_FILES.rec);
    const loaded = await loadManifest(root, guard, field);
    let rows = dedupeRows(loaded);
    const exists = await stat(recPath).then(
      () => true,
      () => false,
    );
    if (!exists && rows.length > 0) {
      throw new FailedPreconditionError(`${root} has a manifest but no ${RECORDIO_FILES.rec}; remove manifest.jsonl or restore the data`);
    }
    // O_NOFOLLOW: train.rec is extended and truncated in place, never through a link.
    w.rec = await guard.openWrite(recPath, constants.O_RDWR | constants.O_CREAT, field);
    // Keep only rows whose record is whole in train.rec; everything past the last one is dropped.
    let end = 0;
    try {
      if (exists) {
        const rf = await RecordFile.open(recPath);
        try {
          const valid: ManifestRow[] = [];
          for (const r of rows) {
            const len = typeof r.offset === 'number' ? await rf.recordLength(r.offset) : undefined;
            if (len === undefined) continue;
            valid.push(r);
            end = Math.max(end, r.offset! + framedSize(len));
          }
          if (valid.length !== loaded.length) {
            rows = valid;
            await writeFileAtomic(join(root, MANIFEST_FILE), rows.map(manifestLine).join(''));
          }
        } finally {
          await rf.close();
        }
      }
      await w.rec.truncate(end);
    } catch (error) {
      await w.rec.close();
      throw error;
    }
    w.recSize = end;
    w.nextKey = rows.reduce((m, r) => Math.max(m, (r.key ?? 0) + 1), 1);
    await w.openManifest(rows);
    // The index describes committed records only; close() rewrites it with record 0 and identities.
    await writeFileAtomic(join(root, RECORDIO_FILES.idx), formatIdx(rows.map((r) => ({ key: r.key!, offset: r.offset! }))));
    return w;
  }

  protected async writeOne(s: DatasetSample): Promise<void> {
    const key = this.nextKey++;
    const framed = frameRecord(packIR({ label: s.identity, id: key }, s.encoded));
    const offset = this.recSize;
    await this.rec.write(framed, 0, framed.length, offset);
    this.recSize += framed.length;
    await this.commit(this.row(s, RECORDIO_FILES.rec, { key, offset }));
  }

  protected override async finish(): Promise<void> {
    try {
      const rows = [...this.rows.values()].sort(compareRows);
      // Images take keys 1..N in (identity, sample) order so that each identity is a key range.
      let renumbered = false;
      rows.forEach((r, i) => {
        if (r.key !== i + 1) {
          r.key = i + 1;
          renumbered = true;
        }
      });
      if (renumbered) await writeFileAtomic(join(this.root, MANIFEST_FILE), rows.map(manifestLine).join(''));
      const n = rows.length;
      const maxId = rows.reduce((m, r) => Math.max(m, r.identity), -1);
      const classes = Math.max(this.options.numClasses ?? 0, maxId + 1);
      const idx: Array<{ key: number; offset: number }> = rows.map((r) => ({ key: r.key!, offset: r.offset! }));
      const chunks: Uint8Array[] = [];
      let offset = this.recSize;
      const append = (key: number, record: Uint8Array): void => {
        const framed = frameRecord(record);
        idx.push({ key, offset });
        chunks.push(framed);
        offset += framed.length;
      };
      // Identity records: key N+1+c, label [first image key, end image key).
      let cursor = 0;
      for (let c = 0; c < classes; c++) {
        const start = cursor;
        while (cursor < n && rows[cursor]!.identity === c) cursor++;
        append(n + 1 + c, packIR({ label: [start + 1, cursor + 1], id: n + 1 + c }));
      }
      // Record 0: [identity start (= images end), identity end].
      append(0, packIR({ label: [n + 1, n + 1 + classes], id: 0 }));
      const tail = Buffer.concat(chunks);
      await this.rec.write(tail, 0, tail.length, this.recSize);
      await this.rec.truncate(this.recSize + tail.length);
      await this.rec.sync();
      idx.sort((a, b) => a.key - b.key);
      await writeFileAtomic(join(this.root, RECORDIO_FILES.idx), formatIdx(idx));
      const size = this.options.imageSize ?? 112;
      await writeFileAtomic(join(this.root, RECORDIO_FILES.property), `${classes},${size},${size}`);
    } finally {
      await this.rec.close();
    }
  }
}

/**
 * Opens (or resumes) a dataset at `root`. An existing manifest.jsonl is read first so `has()`
 * answers for samples written by an earlier, possibly interrupted, run.
 */
export async function openDatasetWriter(root: SafePath, format: DatasetFormat, options: DatasetWriterOptions = {}): Promise<DatasetWriter> {
  const field = options.field ?? 'output_dir';
  if (!root) throw new InvalidArgumentError({ field, description: 'required' });
  if (format !== 'imagefolder' && format !== 'recordio') throw new InvalidArgumentError({ field: 'dataset_format', description: `unknown dataset format ${String(format)}` });
  root = resolve(root) as SafePath; // still confined: resolve() only normalises
  const guard = options.guard ?? new FileGuard(root);
  // No link on the way to the folder or in it, no data that is not ours to overwrite.
  await checkDatasetTarget(root, guard, field);
  await mkdir(root, { recursive: true });
  // Nothing is read, reconciled or truncated before this writer is the folder's only one.
  const lease = await acquireLease(root, options.holder ?? `process-${process.pid}`, options.fingerprint ?? '');
  try {
    const w = await createWriter(root, format, guard, field, options);
    w.lease = lease;
    return w;
  } catch (error) {
    await lease.release();
    throw error;
  }
}

async function createWriter(root: SafePath, format: DatasetFormat, guard: FileGuard, field: string, options: DatasetWriterOptions): Promise<BaseWriter> {
  if (format === 'imagefolder') {
    if (await stat(join(root, RECORDIO_FILES.rec)).then(() => true, () => false)) {
      throw new FailedPreconditionError(`${root} holds a RecordIO dataset; cannot resume it as ImageFolder`);
    }
    return ImageFolderWriter.create(root, guard, field);
  }
  const m = await readRequestManifest(root, guard, field);
  if (m.rows.some((r) => r.file !== RECORDIO_FILES.rec)) {
    throw new FailedPreconditionError(`${root} holds an ImageFolder dataset; cannot resume it as RecordIO`);
  }
  return RecordIOWriter.create(root, guard, field, options);
}
