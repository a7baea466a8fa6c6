// Atomic file writes: write a temporary sibling, then rename over the target. A crash leaves
// either the old file or the new one, plus at worst a `.tmp-*` file that readers ignore.

import { open, rename, rm, mkdir, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const TMP_MARK = '.tmp-';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TMP_MARK);
}

export async function writeFileAtomic(path: string, data: Uint8Array | string, options: { fsync?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (options.fsync) await fh.sync();
  } catch (error) {
    await fh.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Streams into a temporary file; `commit()` renames it into place, `abort()` removes it. */
export class AtomicFileWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
  ) {}

  static async open(path: string): Promise<AtomicFileWriter> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = tempPathFor(path);
    return new AtomicFileWriter(path, tmp, await open(tmp, 'w'));
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buf = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(buf);
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
