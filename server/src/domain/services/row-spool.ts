// The row spool of a `code` pack job (packing/code-run.ts PackRowSpool): raw float32 rows at their
// offsets in one file of the job folder, fsynced before each checkpoint that counts them.
import { constants } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { FailedPreconditionError } from '../../shared/errors.js';
import type { PackRowSpool } from '../packing/index.js';

/** fs reads and writes take at most 2 GiB − 1 per call. */
const STEP = 256 << 20;

export class RowSpoolFile implements PackRowSpool {
  private fh: FileHandle | undefined;
  private dim = 0;
  constructor(private readonly path: string) {}

  async open(_rows: number, dim: number): Promise<void> {
    this.dim = dim;
    // kept across a restart (no truncation); never through a planted link
    this.fh ??= await open(this.path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  }

  async write(firstRow: number, data: Float32Array): Promise<void> {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const base = firstRow * this.dim * 4;
    for (let off = 0; off < bytes.length; ) off += (await this.handle().write(bytes, off, Math.min(STEP, bytes.length - off), base + off)).bytesWritten;
  }

  async read(firstRow: number, into: Float32Array): Promise<void> {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    const base = firstRow * this.dim * 4;
    for (let off = 0; off < bytes.length; ) {
      const got = (await this.handle().read(bytes, off, Math.min(STEP, bytes.length - off), base + off)).bytesRead;
      if (got === 0) throw new FailedPreconditionError(`the job's row spool ends at byte ${base + off}, its checkpoint counts ${base + bytes.length}`);
      off += got;
    }
  }

  async sync(): Promise<void> {
    await this.handle().sync();
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }

  private handle(): FileHandle {
    if (!this.fh) throw new Error('row spool used before open()');
    return this.fh;
  }
}
