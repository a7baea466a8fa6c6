// insightface verification benchmarks (`lfw.bin`, `cfp_fp.bin`, `agedb_30.bin`, ...): a pickle of
// (list of encoded images, list of issame booleans), images 2p and 2p+1 forming pair p. Read with
// a restricted pickle VM (Python 2 protocol-2 `str`, Python 3 `bytes` at any protocol, numpy bool
// arrays); written at protocol 4 so `pickle.load(f, encoding='bytes')` reads it back.

import { InvalidArgumentError } from '../../shared/errors.js';
import { AtomicFileWriter } from '../../util/fs-atomic.js';
import { DEFAULT_READ_LIMITS, MAX_BYTES } from '../files/read-limits.js';
import { FileGuard, type SafePath } from '../files/safe-files.js';
import { FileSource, BufferSource, type ByteSource } from './byte-source.js';
import { scanBinFile } from '../fence/files.js';
import { BytesRef, NdArray, PyTuple, PICKLE, boolListOps, ndarrayValues, pickleBytesOp, unpickle, type PyValue } from './pickle.js';

export interface BinBenchmark {
  /** Number of images (2 x pairs). */
  readonly count: number;
  /** One label per pair. */
  readonly issame: boolean[];
  /** The encoded bytes (JPEG/PNG) of image i; read lazily from the file. */
  image(index: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface BinReadOptions {
  /** Proto field name used in errors. @default 'bin_path' */
  field?: string;
  /** Confines the file (default: unconfined; file type and size rules still hold). */
  files?: FileGuard;
  /** Most pairs the file may hold (images: twice that). @default DEFAULT_READ_LIMITS.maxPairs */
  maxPairs?: number;
  signal?: AbortSignal;
}

/** Opcodes a .bin of `maxPairs` pairs can need: per image a bytes op and a memo op, per label one, plus batching. */
export function maxOpsFor(maxPairs: number): number {
  return 6 * maxPairs + 10_000;
}

function invalid(field: string, description: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError({ field, description }, cause === undefined ? undefined : { cause });
}

function toBool(v: PyValue, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  throw invalid(field, `issame entries must be booleans, got ${v === null ? 'None' : typeof v}`);
}

/** The images (inline bytes or references into the file) and labels of an unpickled .bin. */
export function binContents(root: PyValue, field: string, maxPairs: number): { refs: Array<Uint8Array | BytesRef>; issame: boolean[] } {
  const items = root instanceof PyTuple ? root.items : Array.isArray(root) ? root : undefined;
  if (!items || items.length !== 2) throw invalid(field, 'not an insightface .bin (expected a pickled pair (images, issame))');
  const [bins, issameValue] = items as [PyValue, PyValue];
  const list = bins instanceof PyTuple ? bins.items : bins;
  if (!Array.isArray(list)) throw invalid(field, 'the first element of the .bin pickle is not a list of images');
  if (list.length > 2 * maxPairs) throw invalid(field, `${list.length} images: more than 2 x ${maxPairs} pairs (limits.maxEvaluationPairs)`);
  const refs: Array<Uint8Array | BytesRef> = list.map((b, i) => {
    if (b instanceof Uint8Array || b instanceof BytesRef) return b;
    throw invalid(field, `image ${i} is not a bytes object`);
  });
  let issame: boolean[];
  if (issameValue instanceof NdArray) issame = ndarrayValues(issameValue).map((v) => toBool(v, field));
  else if (Array.isArray(issameValue)) issame = issameValue.map((v) => toBool(v, field));
  else if (issameValue instanceof PyTuple) issame = issameValue.items.map((v) => toBool(v, field));
  else throw invalid(field, 'the second element of the .bin pickle is not a list of booleans');
  if (refs.length !== 2 * issame.length) {
    throw invalid(field, `${refs.length} images for ${issame.length} pairs (expected exactly 2 images per pair)`);
  }
  return { refs, issame };
}

async function interpret(root: PyValue, src: ByteSource, field: string, maxPairs: number): Promise<BinBenchmark> {
  const { refs, issame } = binContents(root, field, maxPairs);
  return benchmarkOf(refs, issame, src, field);
}

/** Lazy access to a .bin's images: inline bytes, or reads at the references' offsets. */
export function benchmarkOf(refs: ReadonlyArray<Uint8Array | BytesRef>, issame: boolean[], src: ByteSource, field: string): BinBenchmark {
  return {
    count: refs.length,
    issame,
    async image(index: number): Promise<Uint8Array> {
      const r = refs[index];
      if (r === undefined) throw new RangeError(`image ${index} out of range`);
      if (r instanceof Uint8Array) return r;
      if (r.length > MAX_BYTES.image) throw invalid(field, `image ${index} is ${r.length} bytes, over the limit of ${MAX_BYTES.image}`);
      return src.readAt(r.offset, r.length);
    },
    close: () => src.close(),
  };
}

/** Opens a `.bin` for streaming: the pickle is scanned once, in a fenced worker; image bytes stay on disk until asked for. */
export async function openBin(path: SafePath, options: BinReadOptions = {}): Promise<BinBenchmark> {
  const field = options.field ?? 'bin_path';
  const files = options.files ?? new FileGuard(undefined);
  const maxPairs = options.maxPairs ?? DEFAULT_READ_LIMITS.maxPairs;
  const sig = options.signal ? { signal: options.signal } : {};
  const scan = await scanBinFile(path, { files, field, maxPairs, ...sig });
  const refs: Array<Uint8Array | BytesRef> = Array.from(scan.offsets, (offset, i) => new BytesRef(offset, scan.lengths[i]!));
  for (const [i, bytes] of scan.inline) refs[i] = bytes;
  const handle = await files.openRead(path, { maxBytes: MAX_BYTES.streamed, field, ...sig });
  let src: FileSource;
  try {
    src = FileSource.fromHandle(handle, (await handle.stat()).size, options.signal);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return benchmarkOf(refs, Array.from(scan.issame, (v) => v !== 0), src, field);
}

/** Parses an in-memory `.bin`. */
export async function parseBin(bytes: Uint8Array, options: BinReadOptions = {}): Promise<{ images: Uint8Array[]; issame: boolean[] }> {
  const field = options.field ?? 'bin_path';
  const src = new BufferSource(bytes);
  let bench: BinBenchmark;
  try {
    bench = await interpret(await unpickle(src), src, field, options.maxPairs ?? DEFAULT_READ_LIMITS.maxPairs);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw invalid(field, `not an insightface .bin: ${(error as Error).message}`, error);
  }
  const images: Uint8Array[] = [];
  for (let i = 0; i < bench.count; i++) images.push(await bench.image(i));
  return { images, issame: bench.issame };
}

/** Reads a whole `.bin` into memory. */
export async function readBin(path: SafePath, options: BinReadOptions = {}): Promise<{ images: Uint8Array[]; issame: boolean[] }> {
  const bench = await openBin(path, options);
  try {
    const images: Uint8Array[] = [];
    for (let i = 0; i < bench.count; i++) images.push(await bench.image(i));
    return { images, issame: bench.issame };
  } finally {
    await bench.close();
  }
}

/**
 * Writes a `.bin` (pickle protocol 4) atomically, streaming the images: `images` must yield
 * exactly 2 x issame.length encoded images, pair p being images 2p and 2p+1.
 */
export async function writeBin(
  path: string,
  images: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  issame: readonly boolean[],
): Promise<void> {
  const out = await AtomicFileWriter.open(path);
  try {
    await out.write(Uint8Array.of(...PICKLE.PROTO4, PICKLE.EMPTY_LIST));
    let n = 0;
    for await (const img of images) {
      if (n % 1000 === 0) {
        if (n > 0) await out.write(Uint8Array.of(PICKLE.APPENDS));
        await out.write(Uint8Array.of(PICKLE.MARK));
      }
      await out.write(pickleBytesOp(img));
      n++;
    }
    if (n > 0) await out.write(Uint8Array.of(PICKLE.APPENDS));
    if (n !== 2 * issame.length) throw new InvalidArgumentError({ field: 'images', description: `${n} images for ${issame.length} pairs (need 2 per pair)` });
    await out.write(boolListOps(issame));
    await out.write(Uint8Array.of(PICKLE.TUPLE2, PICKLE.STOP));
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}
