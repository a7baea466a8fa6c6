// What a parse worker can be asked to do. Each task takes bytes (or a file handle) and returns
// compact, structured-clone-friendly results: typed arrays rather than millions of small objects,
// so that receiving the result does not block the main thread either.
import type { FileHandle } from 'node:fs/promises';
import { decodeNpy, decodeNpyMatrix } from '../../util/npy.js';
import { FileSource } from '../datasets/byte-source.js';
import { binContents, maxOpsFor } from '../datasets/insightface-bin.js';
import { parseLfwPairs, type LfwPairs } from '../datasets/lfw.js';
import { MANIFEST_MAX_LINE_BYTES, parseManifestBytes } from '../datasets/manifest.js';
import { BytesRef, unpickle } from '../datasets/pickle.js';
import { parseIdx } from '../datasets/recordio.js';

export interface ManifestColumns {
  identity: Float64Array;
  sample: Float64Array;
  /** NaN where the seed is a string (then in seedText). */
  seed: Float64Array;
  seedText: Array<[number, string]>;
  file: string[];
  /** NaN = absent. */
  cosine: Float64Array;
  key: Float64Array;
  offset: Float64Array;
  validBytes: number;
  truncated: boolean;
  longLine?: { line: number; bytes: number };
}

export interface BinScan {
  issame: Uint8Array;
  /** Images kept inline (short byte strings), by index. */
  inline: Array<[number, Uint8Array]>;
  /** Images left in the file: offset and length, NaN where inline. */
  offsets: Float64Array;
  lengths: Float64Array;
}

interface Tasks {
  manifest: { in: { bytes: ArrayBuffer; maxLineBytes?: number }; out: ManifestColumns };
  idx: { in: { bytes: ArrayBuffer; maxLines: number }; out: { keys: Float64Array; offsets: Float64Array; lines: number } };
  lfw: { in: { bytes: ArrayBuffer; field: string; maxPairs: number }; out: LfwPairs };
  npyMatrix: { in: { bytes: ArrayBuffer }; out: { data: Float32Array; rows: number; cols: number } };
  npyLabels: { in: { bytes: ArrayBuffer }; out: Uint8Array };
  bin: { in: { handle: FileHandle; size: number; field: string; maxPairs: number }; out: BinScan };
  sidecar: { in: { bytes: ArrayBuffer }; out: { recognizer: string | null | undefined } };
}

export type TaskName = keyof Tasks;
export type TaskInput<N extends TaskName> = Tasks[N]['in'];
export type TaskOutput<N extends TaskName> = Tasks[N]['out'];
export type WorkerReply<N extends TaskName> = { ok: TaskOutput<N> } | { error: string };

function manifest({ bytes, maxLineBytes }: TaskInput<'manifest'>): ManifestColumns {
  const m = parseManifestBytes(new Uint8Array(bytes), maxLineBytes ?? MANIFEST_MAX_LINE_BYTES);
  const n = m.rows.length;
  const col = (): Float64Array => new Float64Array(n).fill(NaN);
  const out: ManifestColumns = { identity: col(), sample: col(), seed: col(), seedText: [], file: new Array<string>(n), cosine: col(), key: col(), offset: col(), validBytes: m.validBytes, truncated: m.truncated, ...(m.longLine ? { longLine: m.longLine } : {}) };
  m.rows.forEach((r, i) => {
    out.identity[i] = r.identity;
    out.sample[i] = r.sample;
    if (typeof r.seed === 'number') out.seed[i] = r.seed;
    else out.seedText.push([i, r.seed]);
    out.file[i] = r.file;
    if (r.cosine !== undefined) out.cosine[i] = r.cosine;
    if (r.key !== undefined) out.key[i] = r.key;
    if (r.offset !== undefined) out.offset[i] = r.offset;
  });
  return out;
}

function idx({ bytes, maxLines }: TaskInput<'idx'>): TaskOutput<'idx'> {
  const u8 = new Uint8Array(bytes);
  let lines = 1;
  for (let i = u8.indexOf(10); i >= 0; i = u8.indexOf(10, i + 1)) if (++lines > maxLines) return { keys: new Float64Array(0), offsets: new Float64Array(0), lines };
  const map = parseIdx(new TextDecoder().decode(u8));
  return { keys: Float64Array.from(map.keys()), offsets: Float64Array.from(map.values()), lines };
}

async function bin({ handle, size, field, maxPairs }: TaskInput<'bin'>): Promise<BinScan> {
  const src = FileSource.fromHandle(handle, size);
  try {
    const root = await unpickle(src, { lazyBytesThreshold: 256, maxOps: maxOpsFor(maxPairs) });
    const { refs, issame } = binContents(root, field, maxPairs);
    const scan: BinScan = { issame: Uint8Array.from(issame, Number), inline: [], offsets: new Float64Array(refs.length).fill(NaN), lengths: new Float64Array(refs.length).fill(NaN) };
    refs.forEach((r, i) => {
      if (r instanceof BytesRef) {
        scan.offsets[i] = r.offset;
        scan.lengths[i] = r.length;
      } else scan.inline.push([i, r.slice()]);
    });
    return scan;
  } finally {
    await src.close();
  }
}

/** Runs one task (inside the worker). */
export async function runTask<N extends TaskName>(name: N, input: TaskInput<N>): Promise<TaskOutput<N>> {
  const run = {
    manifest,
    idx,
    bin,
    lfw: ({ bytes, field, maxPairs }: TaskInput<'lfw'>) => parseLfwPairs(new TextDecoder().decode(bytes), field, maxPairs),
    npyMatrix: ({ bytes }: TaskInput<'npyMatrix'>) => decodeNpyMatrix(new Uint8Array(bytes)),
    // A JSON sidecar: only the recognizer it records comes back (a string, null when none, undefined when absent).
    sidecar: ({ bytes }: TaskInput<'sidecar'>) => {
      const v = JSON.parse(new TextDecoder().decode(bytes)) as { recognizer?: unknown } | null;
      const r = typeof v === 'object' && v !== null ? v.recognizer : undefined;
      return { recognizer: typeof r === 'string' ? r : r === null ? null : undefined };
    },
    npyLabels: ({ bytes }: TaskInput<'npyLabels'>) => Uint8Array.from(decodeNpy(new Uint8Array(bytes)).data as ArrayLike<number>, (v) => (Number(v) !== 0 ? 1 : 0)),
  } as unknown as Record<TaskName, (input: unknown) => unknown>;
  return (await run[name](input)) as TaskOutput<N>;
}

/** Transferables in a task's output (moved, not copied, back to the main thread). */
export function transferablesOf(out: unknown): ArrayBuffer[] {
  if (out instanceof Float32Array || out instanceof Uint8Array || out instanceof Float64Array) return out.buffer instanceof ArrayBuffer ? [out.buffer] : [];
  if (typeof out !== 'object' || out === null) return [];
  const list: ArrayBuffer[] = [];
  for (const v of Object.values(out)) if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !list.includes(v.buffer)) list.push(v.buffer);
  return list;
}
