// Sequential byte sources for streaming parsers: a whole buffer in memory, or a file read in
// chunks so that multi-hundred-megabyte files never have to sit in memory at once.

import { open, type FileHandle } from 'node:fs/promises';
import { throwIfAborted } from '../../shared/errors.js';

export interface ByteSource {
  /** Absolute offset of the next byte. */
  readonly position: number;
  /** Reads exactly n bytes (a fresh copy or a view that the caller must not keep past the next call). Throws at EOF. */
  read(n: number): Promise<Uint8Array>;
  /** Skips n bytes. Throws when that passes the end. */
  skip(n: number): Promise<void>;
  /** Reads `length` bytes at an absolute offset (a copy), without moving the position. */
  readAt(offset: number, length: number): Promise<Uint8Array>;
  readonly size: number;
  close(): Promise<void>;
}

export class TruncatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TruncatedError';
  }
}

export class BufferSource implements ByteSource {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(n: number): Promise<Uint8Array> {
    if (this.position + n > this.bytes.length) throw new TruncatedError(`unexpected end of data at byte ${this.position} (wanted ${n} more)`);
    const out = this.bytes.subarray(this.position, this.position + n);
    this.position += n;
    return out;
  }
  async skip(n: number): Promise<void> {
    if (this.position + n > this.bytes.length) throw new TruncatedError(`unexpected end of data at byte ${this.position} (skipping ${n})`);
    this.position += n;
  }
  async readAt(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.bytes.length) throw new TruncatedError(`range ${offset}+${length} past the end`);
    return this.bytes.slice(offset, offset + length);
  }
  async close(): Promise<void> {}
}

const CHUNK = 1 << 20;

export class FileSource implements ByteSource {
  private buf = new Uint8Array(0);
  /** File offset of buf[0]. */
  private bufStart = 0;
  position = 0;
  private constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly signal?: AbortSignal,
  ) {}

  /** Opens a file the daemon owns. Request-controlled files come through FileGuard and fromHandle. */
  static async open(path: string): Promise<FileSource> {
    const fh = await open(path, 'r');
    const st = await fh.stat();
    return new FileSource(fh, st.size);
  }

  /** Wraps a handle already opened (and checked) by FileGuard; `signal` cancels between reads. */
  static fromHandle(fh: FileHandle, size: number, signal?: AbortSignal): FileSource {
    return new FileSource(fh, size, signal);
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.position + n > this.size) throw new TruncatedError(`unexpected end of file at byte ${this.position} (wanted ${n} more)`);
    const rel = this.position - this.bufStart;
    if (rel < 0 || rel + n > this.buf.length) {
      throwIfAborted(this.signal);
      const want = Math.max(n, Math.min(CHUNK, this.size - this.position));
      const next = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await this.fh.read(next, got, want - got, this.position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < n) throw new TruncatedError(`unexpected end of file at byte ${this.position + got}`);
      this.buf = next.subarray(0, got);
      this.bufStart = this.position;
    }
    const start = this.position - this.bufStart;
    this.position += n;
    return this.buf.subarray(start, start + n);
  }

  async skip(n: number): Promise<void> {
    if (this.position + n > this.size) throw new TruncatedError(`unexpected end of file at byte ${this.position} (skipping ${n})`);
    this.position += n;
  }

  async readAt(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.size) throw new TruncatedError(`range ${offset}+${length} past the end of the file`);
    throwIfAborted(this.signal);
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(out, got, length - got, offset + got);
      if (bytesRead === 0) throw new TruncatedError(`short read at ${offset + got}`);
      got += bytesRead;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
