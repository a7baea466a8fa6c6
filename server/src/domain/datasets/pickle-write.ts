// A protocol-4 pickle writer for insightface `.bin` payloads: (list[bytes], list[bool]).

/** Opcode bytes for one Python `bytes` object (protocol >= 3). */
export function pickleBytesOp(data: Uint8Array): Uint8Array {
  const n = data.length;
  let head: Uint8Array;
  if (n < 256) head = Uint8Array.of(0x43, n);
  else if (n <= 0xffffffff) {
    head = new Uint8Array(5);
    head[0] = 0x42;
    new DataView(head.buffer).setUint32(1, n, true);
  } else {
    head = new Uint8Array(9);
    head[0] = 0x8e;
    new DataView(head.buffer).setBigUint64(1, BigInt(n), true);
  }
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(data, head.length);
  return out;
}

export const PICKLE = {
  PROTO4: Uint8Array.of(0x80, 4),
  EMPTY_LIST: 0x5d,
  MARK: 0x28,
  APPENDS: 0x65,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  TUPLE2: 0x86,
  STOP: 0x2e,
} as const;

/** Pickles (list[bytes], list[bool]) at protocol 4, all in memory (for small payloads and tests). */
export function pickleBinPayload(images: readonly Uint8Array[], issame: readonly boolean[]): Uint8Array {
  const parts: Uint8Array[] = [PICKLE.PROTO4, Uint8Array.of(PICKLE.EMPTY_LIST)];
  for (let i = 0; i < images.length; i += 1000) {
    parts.push(Uint8Array.of(PICKLE.MARK));
    for (const img of images.slice(i, i + 1000)) parts.push(pickleBytesOp(img));
    parts.push(Uint8Array.of(PICKLE.APPENDS));
  }
  parts.push(boolListOps(issame));
  parts.push(Uint8Array.of(PICKLE.TUPLE2, PICKLE.STOP));
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** EMPTY_LIST + batched APPENDS of NEWTRUE/NEWFALSE. */
export function boolListOps(values: readonly boolean[]): Uint8Array {
  const batches = Math.ceil(values.length / 1000);
  const out = new Uint8Array(1 + values.length + 2 * batches);
  let o = 0;
  out[o++] = PICKLE.EMPTY_LIST;
  for (let i = 0; i < values.length; i += 1000) {
    out[o++] = PICKLE.MARK;
    for (const v of values.slice(i, i + 1000)) out[o++] = v ? PICKLE.NEWTRUE : PICKLE.NEWFALSE;
    out[o++] = PICKLE.APPENDS;
  }
  return out;
}
