// One writer per dataset folder. Two writers on one folder (a job resumed after a restart plus the
// same command re-run by the user) each append their own rows and double the manifest. The holder
// of a folder is recorded in a lease file inside it; a holder is dead when its process is gone (same
// host), when its pid now belongs to a newer daemon, or when its heartbeat has expired.
import { constants } from 'node:fs';
import { lstat, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FailedPreconditionError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';

export const LEASE_FILE = '.hyperface-writer.lock';
/** A holder whose heartbeat is older than this is dead even if a process with its pid exists. */
export const LEASE_TTL_MS = 30_000;
const HEARTBEAT_MS = LEASE_TTL_MS / 3;

/** This process's identity: a pid reused by a later daemon (containers restart at pid 1) is not the old holder. */
export const INSTANCE = randomUUID();

export interface LeaseInfo {
  /** The job (or process) that writes the folder. */
  holder: string;
  /** Hash of what the holder writes: an identical request may attach to the holder instead of failing. */
  fingerprint: string;
  pid: number;
  host: string;
  instance: string;
  heartbeatMs: number;
  ttlMs: number;
}

/** Leases held by this process, by folder: the exact answer for our own holders. */
const held = new Map<string, string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function leaseIsLive(root: string, info: LeaseInfo, now = Date.now()): boolean {
  if (info.instance === INSTANCE) return held.get(root) === info.holder;
  if (info.host === hostname()) {
    if (info.pid === process.pid || !pidAlive(info.pid)) return false;
  }
  return now - info.heartbeatMs < info.ttlMs;
}

/** The lease in `root`, or undefined when there is none (or it is unreadable: a holder always writes it whole). */
export async function readLease(root: string): Promise<LeaseInfo | undefined> {
  const path = join(root, LEASE_FILE);
  const st = await lstat(path).catch(() => undefined);
  // Ours are ~300 bytes; the folder is a request's, so anything large is junk, not read.
  if (!st?.isFile() || st.size > 64 * 1024) return undefined;
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LeaseInfo;
    return typeof info.holder === 'string' && Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of `root` other than `self`, if any. */
export async function liveHolder(root: string, self?: string): Promise<LeaseInfo | undefined> {
  const info = await readLease(root);
  return info && info.holder !== self && leaseIsLive(root, info) ? info : undefined;
}

class Retry extends Error {}

/** O_EXCL: of two writers racing for a free folder, exactly one creates the lease. */
async function createExclusive(path: string, text: string): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces a dead (or our own, or junk) lease. Two writers (two daemons) may both see it dead at
 * once: only the one that creates the takeover lock (O_EXCL) replaces it, after reading the lease
 * again under that lock; the other retries and finds the winner live. A lock left by a writer
 * that died mid-takeover is removed once it is older than LEASE_TTL_MS.
 */
async function takeOver(root: string, holder: string, info: () => LeaseInfo): Promise<void> {
  const path = join(root, LEASE_FILE);
  const lock = `${path}.takeover`;
  try {
    await createExclusive(lock, JSON.stringify({ holder, instance: INSTANCE }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const st = await lstat(lock).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > LEASE_TTL_MS) await unlink(lock).catch(() => undefined);
    throw new Retry();
  }
  try {
    const again = await readLease(root);
    if (again && again.holder !== holder && leaseIsLive(root, again)) throw busyError(root, again);
    // Rename never follows a symlink planted in the lease's place.
    await writeFileAtomic(path, JSON.stringify(info()));
    held.set(root, holder);
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

export interface Lease {
  readonly holder: string;
  release(): Promise<void>;
}

export function busyError(root: string, info: LeaseInfo): FailedPreconditionError {
  return new FailedPreconditionError(`${root} is being written by job ${info.holder} (pid ${info.pid} on ${info.host}); wait for it, cancel it, or choose another output folder`);
}

/**
 * Takes the folder for `holder`. A live other holder is refused with FAILED_PRECONDITION naming
 * it; a dead one (or this holder's own earlier run) is replaced. Heartbeats until released.
 */
export async function acquireLease(root: string, holder: string, fingerprint: string): Promise<Lease> {
  await mkdir(root, { recursive: true });
  const path = join(root, LEASE_FILE);
  const info = (): LeaseInfo => ({ holder, fingerprint, pid: process.pid, host: hostname(), instance: INSTANCE, heartbeatMs: Date.now(), ttlMs: LEASE_TTL_MS });
  if (held.has(root)) throw busyError(root, { ...info(), holder: held.get(root)! });
  for (let attempt = 0; ; attempt++) {
    const current = await readLease(root);
    if (current && current.holder !== holder && leaseIsLive(root, current)) throw busyError(root, current);
    try {
      if (current || (await lstat(path).catch(() => undefined))) await takeOver(root, holder, info);
      else await createExclusive(path, JSON.stringify(info()));
      held.set(root, holder);
      break;
    } catch (error) {
      // Another writer created the lease or holds the takeover lock: look again (it may be live now).
      if (!(error instanceof Retry) && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt >= 40) throw new FailedPreconditionError(`${root}: another writer keeps taking its lease; retry later`);
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 25));
    }
  }
  let writing = Promise.resolve();
  const timer = setInterval(() => {
    writing = writing.then(() => writeFileAtomic(path, JSON.stringify(info()))).catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  let released = false;
  return {
    holder,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await writing;
      held.delete(root);
      const current = await readLease(root);
      if (current?.holder === holder && current.instance === INSTANCE) await unlink(path).catch(() => undefined);
    },
  };
}
