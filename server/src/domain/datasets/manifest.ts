// manifest.jsonl at a dataset root: one JSON object per line and per image. Append-only while a
// dataset is written; a torn last line (crash mid-append) is ignored on read and dropped on reopen.

import { readFile } from 'node:fs/promises';

export const MANIFEST_FILE = 'manifest.jsonl';

export interface ManifestRow {
  identity: number;
  sample: number;
  /** Seed that rendered the sample; a string when it does not fit a JS number exactly. */
  seed: number | string;
  /** Dataset-relative file (`000012/0003.png`, or `train.rec` for RecordIO). */
  file: string;
  /** Cosine to the identity's reference embedding under the generating recognizer; absent (or null in
   * files) when no recognizer scored the sample. Older files wrote 0 for that. */
  cosine?: number;
  /** RecordIO only: the record key in train.idx and its byte offset in train.rec. */
  key?: number;
  offset?: number;
  [extra: string]: unknown;
}

export interface ManifestRead {
  rows: ManifestRow[];
  /** Byte length of the well-formed prefix (complete, parseable lines). */
  validBytes: number;
  /** True when something after the valid prefix was dropped (torn or corrupt tail). */
  truncated: boolean;
}

function isRow(v: unknown): v is ManifestRow {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Number.isInteger(r.identity) &&
    Number.isInteger(r.sample) &&
    typeof r.file === 'string' &&
    (typeof r.seed === 'number' || typeof r.seed === 'string')
  );
}

/** Longest manifest line read (bytes): our rows are ~150 bytes; a longer line is refused before JSON.parse sees it. */
export const MANIFEST_MAX_LINE_BYTES = 4096;

/** The fields a row keeps; anything else in a line is dropped, so a line cannot make the daemon hold more. */
function keep(v: Record<string, unknown>): ManifestRow {
  const row: ManifestRow = { identity: v.identity as number, sample: v.sample as number, seed: v.seed as number | string, file: v.file as string };
  if (typeof v.cosine === 'number') row.cosine = v.cosine;
  if (typeof v.key === 'number') row.key = v.key;
  if (typeof v.offset === 'number') row.offset = v.offset;
  return row;
}

export interface ManifestParse extends ManifestRead {
  /** The first line over MANIFEST_MAX_LINE_BYTES (1-based), where parsing stopped. */
  longLine?: { line: number; bytes: number };
}

/** Parses manifest bytes line by line; each line is capped before it is decoded. Runs in a parse worker for request files. */
export function parseManifestBytes(bytes: Uint8Array, maxLineBytes = MANIFEST_MAX_LINE_BYTES): ManifestParse {
  const rows: ManifestRow[] = [];
  const dec = new TextDecoder();
  let pos = 0;
  let line = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(10, pos);
    const end = nl < 0 ? bytes.length : nl;
    line++;
    if (end - pos > maxLineBytes) return { rows, validBytes: pos, truncated: true, longLine: { line, bytes: end - pos } };
    const text = dec.decode(bytes.subarray(pos, end));
    if (nl < 0) return { rows, validBytes: pos, truncated: text.trim().length > 0 };
    if (text.trim().length > 0) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { rows, validBytes: pos, truncated: true };
      }
      if (!isRow(parsed)) return { rows, validBytes: pos, truncated: true };
      rows.push(keep(parsed));
    }
    pos = nl + 1;
  }
  return { rows, validBytes: pos, truncated: false };
}

/** Parses manifest text (our own files; request files go through the parse worker). */
export function parseManifest(text: string): ManifestRead {
  const { rows, validBytes, truncated } = parseManifestBytes(Buffer.from(text, 'utf8'), Infinity);
  return { rows, validBytes, truncated };
}

/** Reads the manifest; a missing file reads as empty. */
export async function readManifest(root: string): Promise<ManifestRead & { exists: boolean }> {
  let text: string;
  try {
    text = await readFile(`${root}/${MANIFEST_FILE}`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], validBytes: 0, truncated: false, exists: false };
    throw error;
  }
  return { ...parseManifest(text), exists: true };
}

export function manifestLine(row: ManifestRow): string {
  return JSON.stringify(row) + '\n';
}

export function sampleKey(identity: number, sample: number): string {
  return `${identity}:${sample}`;
}

export function compareRows(a: { identity: number; sample: number }, b: { identity: number; sample: number }): number {
  return a.identity - b.identity || a.sample - b.sample;
}

/** Seeds are uint64 in the protocol; keep them exact in JSON. */
export function seedForJson(seed: number | bigint | string): number | string {
  if (typeof seed === 'bigint') return seed <= BigInt(Number.MAX_SAFE_INTEGER) && seed >= 0n ? Number(seed) : seed.toString();
  return seed;
}
