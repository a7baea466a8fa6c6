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

export function parseManifest(text: string): ManifestRead {
  const rows: ManifestRow[] = [];
  let pos = 0;
  let validBytes = 0;
  let truncated = false;
  const enc = new TextEncoder();
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      truncated = text.slice(pos).trim().length > 0;
      break;
    }
    const line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.trim().length === 0) {
      validBytes += enc.encode(line).length + 1;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      truncated = true;
      break;
    }
    if (!isRow(parsed)) {
      truncated = true;
      break;
    }
    if (typeof parsed.cosine !== 'number') delete parsed.cosine;
    rows.push(parsed);
    validBytes += enc.encode(line).length + 1;
  }
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
