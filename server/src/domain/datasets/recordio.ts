// MXNet RecordIO as insightface uses it. Each record: uint32 magic 0xced7230a, uint32 lrecord
// (cflag << 29 | length), the payload, zero padding to 4 bytes. train.idx: "key\toffset\n".
// Payload = IRHeader struct 'IfQQ' (flag, label, id, id2; little-endian, 24 bytes), then when
// flag > 0 `flag` float32 labels (mx.recordio.pack puts an array label there and sets label = 0),
// then the encoded image. insightface layout: record 0 has label [N+1, N+1+C] (images are keys
// 1..N, identity records N+1..N+C each with label [first image key, end image key)); image
// records carry the class as the scalar label.

import { FileSource } from './byte-source.js';

export const RECORDIO_MAGIC = 0xced7230a;
export const IR_HEADER_SIZE = 24;

export interface IRHeader {
  flag: number;
  /** Scalar label (flag = 0) or the label array (flag > 0). */
  label: number | Float32Array;
  id: number;
  id2: number;
}

/** mx.recordio.pack: header + payload. An array label sets flag = its length. */
export function packIR(header: { label: number | readonly number[]; id: number; id2?: number }, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const labels = typeof header.label === 'number' ? undefined : Float32Array.from(header.label);
  const extra = labels ? labels.length * 4 : 0;
  const out = new Uint8Array(IR_HEADER_SIZE + extra + payload.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, labels ? labels.length : 0, true);
  v.setFloat32(4, labels ? 0 : (header.label as number), true);
  v.setBigUint64(8, BigInt(header.id), true);
  v.setBigUint64(16, BigInt(header.id2 ?? 0), true);
  if (labels) out.set(new Uint8Array(labels.buffer), IR_HEADER_SIZE);
  out.set(payload, IR_HEADER_SIZE + extra);
  return out;
}

/** mx.recordio.unpack. */
export function unpackIR(record: Uint8Array): { header: IRHeader; payload: Uint8Array } {
  if (record.length < IR_HEADER_SIZE) throw new Error(`record too short for an IRHeader (${record.length} bytes)`);
  const v = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const flag = v.getUint32(0, true);
  let label: number | Float32Array = v.getFloat32(4, true);
  const id = Number(v.getBigUint64(8, true));
  const id2 = Number(v.getBigUint64(16, true));
  let payload = record.subarray(IR_HEADER_SIZE);
  if (flag > 0) {
    if (payload.length < flag * 4) throw new Error('record too short for its label array');
    label = new Float32Array(payload.slice(0, flag * 4).buffer);
    payload = payload.subarray(flag * 4);
  }
  return { header: { flag, label, id, id2 }, payload };
}

/** Frames one record: magic, lrecord, data, padding. */
export function frameRecord(data: Uint8Array): Uint8Array {
  if (data.length >= 1 << 29) throw new Error('record too large for a single RecordIO chunk');
  const padded = (data.length + 3) & ~3;
  const out = new Uint8Array(8 + padded);
  const v = new DataView(out.buffer);
  v.setUint32(0, RECORDIO_MAGIC, true);
  v.setUint32(4, data.length, true); // cflag 0: a whole record
  out.set(data, 8);
  return out;
}

export function framedSize(dataLength: number): number {
  return 8 + ((dataLength + 3) & ~3);
}

export function formatIdx(entries: Iterable<{ key: number; offset: number }>): string {
  let s = '';
  for (const e of entries) s += `${e.key}\t${e.offset}\n`;
  return s;
}

export function parseIdx(text: string): Map<number, number> {
  const map = new Map<number, number>();
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length !== 2) continue;
    const key = Number(t[0]);
    const off = Number(t[1]);
    if (Number.isInteger(key) && Number.isInteger(off)) map.set(key, off);
  }
  return map;
}

/** Random access to a .rec file. */
export class RecordFile {
  private constructor(private readonly src: FileSource) {}
  static async open(path: string): Promise<RecordFile> {
    return new RecordFile(await FileSource.open(path));
  }
  /** Over a source opened through FileGuard (request-controlled files). */
  static fromSource(src: FileSource): RecordFile {
    return new RecordFile(src);
  }
  get size(): number {
    return this.src.size;
  }
  /** Length of the record's data at `offset`, or undefined when there is no valid whole record there. */
  async recordLength(offset: number): Promise<number | undefined> {
    if (offset < 0 || offset + 8 > this.src.size) return undefined;
    const head = await this.src.readAt(offset, 8);
    const v = new DataView(head.buffer);
    if (v.getUint32(0, true) !== RECORDIO_MAGIC) return undefined;
    const lrec = v.getUint32(4, true);
    if (lrec >>> 29 !== 0) return undefined; // multi-chunk records are never written by us
    const len = lrec & ((1 << 29) - 1);
    if (offset + framedSize(len) > this.src.size) return undefined;
    return len;
  }
  async read(offset: number): Promise<Uint8Array> {
    const len = await this.recordLength(offset);
    if (len === undefined) throw new Error(`no valid RecordIO record at offset ${offset}`);
    return this.src.readAt(offset + 8, len);
  }
  close(): Promise<void> {
    return this.src.close();
  }
}
