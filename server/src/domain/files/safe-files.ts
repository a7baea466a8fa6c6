// The one way to open a file on behalf of a request. A request-controlled file may be a symlink
// out of the data root, a FIFO or device (which would block a libuv thread forever or read without
// end), or simply huge. Every read here: resolves the real path and checks it against the root,
// requires a regular file, opens with O_NONBLOCK (so a FIFO swapped in after the check cannot
// block), caps the size, and reads in chunks that honour an AbortSignal.
import { constants, realpathSync } from 'node:fs';
import { access, open, realpath, stat, lstat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, PermissionDeniedError, ResourceExhaustedError, throwIfAborted } from '../../shared/errors.js';

export interface SafeReadOptions {
  /** Refuse files larger than this many bytes. */
  maxBytes: number;
  /** Cancels a read in progress (checked between chunks). */
  signal?: AbortSignal;
  /** Request field named in errors, e.g. `gallery.npy_path`. */
  field?: string;
}

const CHUNK = 4 << 20;

declare const safePath: unique symbol;
/**
 * A path that may be opened: a request path confined by PathPolicy.resolve (no `..`, no symlink
 * escape), a name joined below one by FileGuard.join, or a file of the daemon's own (ownPath). Every
 * read here takes one, so no code can open a raw request string.
 */
export type SafePath = string & { readonly [safePath]: true };

/**
 * A file the daemon made itself (its job folders, a config file it was started with): never a
 * request string. Reads of it still go through a guard (file type, size cap, cancellation).
 */
export function ownPath(p: string): SafePath {
  return resolve(p) as SafePath;
}

/**
 * A request path that PathPolicy.resolve confined when the job was accepted, read back from the
 * job's record (the daemon's own data dir, which no request can reach). Reads still go through the
 * policy's guard, which checks the real path against the root again.
 */
export function recordedPath(p: string): SafePath {
  return p as SafePath;
}

/** `<file>.json` beside `<file>.npy` (a sidecar): the same folder, so as confined as `path`. */
export function sidecarOf(path: SafePath): SafePath {
  return (path.replace(/\.npy$/i, '') + '.json') as SafePath;
}

/** True when `p` is `root` or lies below it (both absolute, already normalised). */
export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Confines files to a root by their *real* path. `root === undefined` means unconfined (the
 * in-process CLI, which reads with the user's own rights), but the file-type and size rules
 * still hold.
 */
export class FileGuard {
  private realRootPromise: Promise<string> | undefined;
  private readonly excluded: string[];
  /** `state`: the daemon's data dir; no request path may reach it, even where it lies inside the root. */
  constructor(
    readonly root: string | undefined,
    state?: string,
  ) {
    this.excluded = state === undefined ? [] : [...new Set([resolve(state), realOrSelf(resolve(state))])];
  }

  /** PERMISSION_DENIED when `p` (resolved or real, absolute) is the daemon's data dir or inside it. */
  checkNotState(p: string, field: string, shown: string = p): void {
    for (const ex of this.excluded) {
      if (isInside(ex, p)) throw new PermissionDeniedError(`${field}: ${clip(shown)} is inside the daemon's own state (dataDir); requests cannot name it`);
    }
  }

  private realRoot(): Promise<string> | undefined {
    if (this.root === undefined) return undefined;
    this.realRootPromise ??= realpath(resolve(this.root)).catch(() => resolve(this.root as string));
    return this.realRootPromise;
  }

  /** Resolves `name` against `base` (a folder already confined), refusing `..`/absolute escapes by name. */
  join(base: SafePath, name: string, field: string): SafePath {
    if (name.includes('\0')) throw new InvalidArgumentError({ field, description: 'contains a NUL byte' });
    const full = resolve(base, name);
    if (!isInside(resolve(base), full)) throw new PermissionDeniedError(`${field}: ${clip(name)} leaves its folder`);
    return full as SafePath;
  }

  /** The real path of an existing file, checked against the real root. */
  async real(path: SafePath, field: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      throw fsError(error, path, field);
    }
    const root = await this.realRoot();
    if (root !== undefined && !isInside(root, real)) throw new PermissionDeniedError(`${field}: ${clip(path)} resolves outside the data root`);
    this.checkNotState(real, field, path);
    return real;
  }

  /** stat() of a confined regular file; anything else (FIFO, device, socket, folder) is refused. */
  async regularFile(path: SafePath, field: string): Promise<{ real: string; size: number }> {
    const real = await this.real(path, field);
    const st = await stat(real).catch((error: unknown) => {
      throw fsError(error, path, field);
    });
    if (!st.isFile()) throw new InvalidArgumentError({ field, description: `${clip(path)} is ${kindOf(st)}, not a regular file` });
    return { real, size: st.size };
  }

  /** Reads a whole confined regular file, at most `maxBytes`, cancellably. */
  async read(path: SafePath, options: SafeReadOptions): Promise<Buffer> {
    const field = options.field ?? 'path';
    const handle = await this.openRead(path, options);
    try {
      const { size } = await handle.stat();
      const out = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        throwIfAborted(options.signal);
        const { bytesRead } = await handle.read(out, got, Math.min(CHUNK, size - got), got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== size) throw new FailedPreconditionError(`${field}: ${clip(path)} changed while it was read`);
      return out;
    } finally {
      await handle.close();
    }
  }

  /** Opens a confined regular file for reading; the caller closes the handle. */
  async openRead(path: SafePath, options: SafeReadOptions): Promise<FileHandle> {
    const field = options.field ?? 'path';
    throwIfAborted(options.signal);
    const { real, size } = await this.regularFile(path, field);
    if (size > options.maxBytes) {
      throw new ResourceExhaustedError(`${field}: ${clip(path)} is ${size} bytes, over the limit of ${options.maxBytes}`, 0);
    }
    let handle: FileHandle;
    try {
      handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (error) {
      throw fsError(error, path, field);
    }
    const st = await handle.stat();
    if (!st.isFile() || st.size > options.maxBytes) {
      await handle.close();
      throw new InvalidArgumentError({ field, description: `${clip(path)} changed type or size while it was opened` });
    }
    return handle;
  }

  /**
   * Checks a path that is about to be written: every existing component must be a real folder
   * (or, for the leaf, a regular file) inside the root; a symlink anywhere is refused so that a
   * write can never land outside the root.
   */
  async writable(path: string, field: string): Promise<void> {
    const root = this.root === undefined ? undefined : resolve(this.root);
    const abs = resolve(path);
    if (root !== undefined && !isInside(root, abs)) throw new PermissionDeniedError(`${field}: ${clip(path)} is outside the data root`);
    this.checkNotState(abs, field, path);
    // Unconfined, or a root of / (the in-process CLI, the user's own rights): only the leaf is checked,
    // as system folders (/tmp on macOS, /home on some systems) may be links.
    const chain: string[] = root === undefined || dirname(root) === root ? [abs] : [];
    if (root !== undefined && chain.length === 0) for (let p = abs; p !== root && isInside(root, p); p = dirname(p)) chain.push(p);
    for (const p of chain.reverse()) {
      const st = await lstat(p).catch(() => undefined);
      if (st === undefined) return; // the rest will be created by us
      if (st.isSymbolicLink()) throw new PermissionDeniedError(`${field}: ${clip(p)} is a symlink; refusing to write through it`);
      if (p !== abs && !st.isDirectory()) throw new InvalidArgumentError({ field, description: `${clip(p)} is not a folder` });
      if (p === abs && !st.isFile() && !st.isDirectory()) throw new InvalidArgumentError({ field, description: `${clip(p)} is ${kindOf(st)}` });
    }
  }

  /**
   * `writable`, and the target is what the caller will create (an existing `folder` or file, or
   * nothing yet) in a folder this process may write: checked before any work, so that a bad output
   * path fails the request instead of a job that has run for an hour.
   */
  async writableTarget(path: string, field: string, kind: 'file' | 'folder'): Promise<void> {
    await this.writable(path, field);
    let probe = resolve(path);
    let st = await stat(probe).catch(() => undefined);
    if (st !== undefined && kind === 'folder' && !st.isDirectory()) throw new InvalidArgumentError({ field, description: `${clip(path)} is ${kindOf(st)}, not a folder` });
    if (st !== undefined && kind === 'file' && st.isDirectory()) throw new InvalidArgumentError({ field, description: `${clip(path)} is a folder, not a file` });
    while (st === undefined && dirname(probe) !== probe) {
      probe = dirname(probe);
      st = await stat(probe).catch(() => undefined);
    }
    if (st !== undefined && !st.isDirectory() && probe !== resolve(path)) throw new InvalidArgumentError({ field, description: `${clip(probe)} is not a folder` });
    try {
      await access(st !== undefined && st.isDirectory() ? probe : dirname(probe), constants.W_OK);
    } catch {
      throw new PermissionDeniedError(`${field}: ${clip(path)} is not writable by the daemon`);
    }
  }

  /**
   * Opens a confined path for writing (appends, in-place record files) after `writable`: O_NOFOLLOW,
   * so a symlink planted after the check fails the open instead of redirecting the write, and a
   * regular file only. `flags` are the O_* access/creation flags; the caller closes the handle.
   */
  async openWrite(path: string, flags: number, field: string): Promise<FileHandle> {
    await this.writable(path, field);
    let handle: FileHandle;
    try {
      handle = await open(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
    } catch (error) {
      throw fsError(error, path, field);
    }
    const st = await handle.stat();
    if (!st.isFile()) {
      await handle.close();
      throw new InvalidArgumentError({ field, description: `${clip(path)} is ${kindOf(st)}, not a regular file` });
    }
    return handle;
  }
}

function kindOf(st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function fsError(error: unknown, path: string, field: string): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotFoundError(`${field}: ${clip(path)}`, { cause: error });
  if (code === 'ELOOP') return new PermissionDeniedError(`${field}: ${clip(path)} is a symlink`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new PermissionDeniedError(`${field}: ${clip(path)} is not readable`, { cause: error });
  if (code === 'ENXIO') return new InvalidArgumentError({ field, description: `${clip(path)} is a FIFO or device` });
  if (code === 'EISDIR') return new InvalidArgumentError({ field, description: `${clip(path)} is a folder` });
  if (code === 'ENAMETOOLONG' || code === 'EINVAL') return new InvalidArgumentError({ field, description: `${clip(path)} is not a valid path` });
  return error instanceof Error ? error : new Error(String(error));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** Error messages never echo unbounded input. */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}
