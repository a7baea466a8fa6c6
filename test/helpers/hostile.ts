// Hostile fixtures for tests that probe the daemon the way a careless or malicious client would:
// a data root with a sibling "outside" folder, symlinks out of it, FIFOs, device links, and files
// whose headers claim absurd counts (RecordIO, insightface .bin, .npy, LFW pairs.txt).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { encodeNpyFloat32, npyHeader } from '@hyperface/sdk/npy';
import { formatIdx, framedSize, frameRecord, packIR, PICKLE } from '@hyperface/server/domain/datasets/index';
import { tempDir } from './daemon.js';

export interface HostileRoot {
  /** The daemon's data root. */
  root: string;
  /** A sibling of root: nothing here may ever be read or written by the daemon. */
  outside: string;
  /** A valid PNG outside the root (a symlink or `..` name pointing here must be refused). */
  outsidePng: string;
}

/** A fresh temp folder holding `root/` and `outside/` (with outside/x.png). */
export async function hostileRoot(): Promise<HostileRoot> {
  const base = tempDir('hf-hostile-');
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const outsidePng = join(outside, 'x.png');
  writeFileSync(outsidePng, await png(1));
  return { root, outside, outsidePng };
}

/** A small valid PNG whose colour depends on `seed`. */
export async function png(seed: number, size = 24): Promise<Buffer> {
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (seed * 37 + i * 13) & 0xff;
  return sharp(data, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

function ensureDir(path: string): string {
  mkdirSync(dirname(path), { recursive: true });
  return path;
}

/** A named pipe at `path` (nothing ever writes to it: opening it for reading blocks forever). */
export function fifo(path: string): string {
  execFileSync('mkfifo', [ensureDir(path)]);
  return path;
}

/** `path` -> `target` (a symlink; target may be outside the root). */
export function link(target: string, path: string): string {
  symlinkSync(target, ensureDir(path));
  return path;
}

/** A symlink to /dev/zero (endless bytes). */
export function devZeroLink(path: string): string {
  return link('/dev/zero', path);
}

/** An ImageFolder dataset `dir/<identity>/<sample>.png` with real PNGs. */
export async function imageFolder(dir: string, identities: number, samples: number): Promise<string> {
  for (let i = 0; i < identities; i++) {
    for (let k = 0; k < samples; k++) writeFileSync(ensureDir(join(dir, String(i).padStart(6, '0'), `${String(k).padStart(4, '0')}.png`)), await png(i * 100 + k));
  }
  return dir;
}

/**
 * An insightface RecordIO dataset whose header record 0 claims `claimed` images (label
 * [claimed + 1, claimed + 2]) while the file holds `real` images.
 */
export async function recordIOCountBomb(dir: string, claimed = 1e9, real = 2): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const records: Uint8Array[] = [frameRecord(packIR({ label: [claimed + 1, claimed + 2], id: 0 }))];
  for (let k = 1; k <= real; k++) records.push(frameRecord(packIR({ label: 0, id: k }, await png(k))));
  return writeRecordIO(dir, records);
}

/** A RecordIO dataset whose idx points at garbage (bad magic, offsets past the end, truncated records). */
export function corruptRecordIO(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const good = frameRecord(packIR({ label: 0, id: 1 }, new Uint8Array(40)));
  const rec = Buffer.concat([Buffer.from(good), Buffer.from('this is not a RecordIO record at all')]);
  writeFileSync(join(dir, 'train.rec'), rec);
  writeFileSync(join(dir, 'train.idx'), formatIdx([{ key: 1, offset: 0 }, { key: 2, offset: good.length }, { key: 3, offset: 1 << 30 }]));
  return dir;
}

function writeRecordIO(dir: string, records: Uint8Array[]): string {
  const idx: Array<{ key: number; offset: number }> = [];
  let offset = 0;
  records.forEach((r, key) => {
    idx.push({ key, offset });
    offset += framedSize(r.length - 8);
  });
  writeFileSync(join(dir, 'train.rec'), Buffer.concat(records.map((r) => Buffer.from(r))));
  writeFileSync(join(dir, 'train.idx'), formatIdx(idx));
  return dir;
}

/** A protocol-4 pickle `([b'', b'', ...], [True, ...])` with `images` empty byte strings: a .bin count bomb. */
export function binCountBomb(path: string, images: number): string {
  const parts: Buffer[] = [Buffer.from([...PICKLE.PROTO4, PICKLE.EMPTY_LIST])];
  const item = Buffer.from([0x43, 0]); // SHORT_BINBYTES, length 0
  for (let i = 0; i < images; i += 1000) {
    const n = Math.min(1000, images - i);
    parts.push(Buffer.from([PICKLE.MARK]), Buffer.alloc(n * 2).fill(item), Buffer.from([PICKLE.APPENDS]));
  }
  parts.push(Buffer.from([PICKLE.EMPTY_LIST, PICKLE.TUPLE2, PICKLE.STOP]));
  writeFileSync(ensureDir(path), Buffer.concat(parts));
  return path;
}

/** A .npy whose header claims `shape` while holding `floats` values. */
export function npyShapeBomb(path: string, shape: number[] = [1e9, 512], floats = 16): string {
  writeFileSync(ensureDir(path), Buffer.concat([Buffer.from(npyHeader('float32', shape)), Buffer.alloc(floats * 4)]));
  return path;
}

/**
 * A .npy with exactly this header and body: `descr` and `shape` as written (e.g. '<f4', '(4, 8)'),
 * since a hostile file needs headers that any writer would refuse.
 */
export function rawNpy(descr: string, shape: string, body: Uint8Array): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}

/** A shape as numpy writes it: `(a, b)`, `(a,)`. */
export const npyShape = (shape: number[]): string => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/** A valid [rows, dim] float32 .npy of unit-ish rows. */
export function npy(path: string, rows: number, dim: number): string {
  const data = new Float32Array(rows * dim).map((_, i) => Math.sin(i + 1));
  writeFileSync(ensureDir(path), encodeNpyFloat32(data, rows, dim));
  return path;
}

/** An LFW pairs.txt (headerless) with the given lines. */
export function lfwPairs(path: string, lines: string[]): string {
  writeFileSync(ensureDir(path), lines.join('\n') + '\n');
  return path;
}

/** Open file descriptors of a process (default: this one; Linux). */
export function openFds(pid?: number): number {
  return readdirSync(`/proc/${pid ?? 'self'}/fd`).length;
}
