// The one atomic writer: write a temporary sibling, fsync it, rename it over the target, fsync the
// folder. A crash leaves the old file or the new one, plus at worst a `.name.tmp-*` file that
// readers skip (isTempName). The temporary file is created exclusively and never through a
// symlink, and rename replaces a symlink at the target instead of writing through it.
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const TMP_MARK = '.tmp-';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.includes(TMP_MARK);
}

const CREATE_TEMP = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

async function openTemp(path: string): Promise<{ tmp: string; fh: FileHandle }> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  return { tmp, fh: await open(tmp, CREATE_TEMP, 0o644) };
}

/** fsync of a folder, so that a rename in it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  } finally {
    await fh.close();
  }
}

export interface AtomicWriteOptions {
  /** fsync the file and its folder (durable across a power loss, not only a crash). @default true */
  fsync?: boolean;
}

/** Writes `data` to `path` atomically. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  await replaceAtomically(path, options.fsync ?? true, (fh) => fh.writeFile(data));
}

/** Writes `chunks` one after another to `path` atomically, never holding more than one chunk extra (large results). */
export async function writeChunksAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  await replaceAtomically(path, true, async (fh) => {
    for (const c of chunks) {
      for (let off = 0; off < c.length; ) off += (await fh.write(c, off, c.length - off)).bytesWritten;
    }
  });
}

/** Fills a temporary file next to `path`, then renames it into place; on any failure the temporary is removed. */
async function replaceAtomically(path: string, fsync: boolean, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const { tmp, fh } = await openTemp(path);
  try {
    await fill(fh);
    if (fsync) await fh.sync();
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
  if (fsync) await syncDir(dirname(path));
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
    const { tmp, fh } = await openTemp(path);
    return new AtomicFileWriter(path, tmp, fh);
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
    await syncDir(dirname(this.path));
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}
