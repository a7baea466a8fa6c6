// Retention of finished jobs (jobs.retention.*): a busy service must not grow its data dir without
// bound. Finished records older than maxAge, and the oldest beyond the newest maxCount, are
// removed with their folders; queued and running jobs never are, nor a job a stream holds (a
// watcher, the stream that started it) or one an unfinished job's request refers to.
import type { Logger } from '../../shared/logging.js';
import { TERMINAL_STATES, type JobRecord } from './types.js';

export interface RetentionPolicy {
  /** Finished jobs whose last change is older than this are removed; 0 = no age limit. */
  maxAgeMs: number;
  /** At most this many finished jobs are kept (the newest); 0 = no count limit. */
  maxCount: number;
}

/**
 * The finished jobs the policy removes at `nowMs` (pure; jobs held by a stream are kept by the
 * manager's remove()). A job an unfinished job's request names (a pack result it reads) is kept.
 */
export function expiredJobs(records: readonly JobRecord[], policy: RetentionPolicy, nowMs: number): string[] {
  const needed = records.filter((r) => !TERMINAL_STATES.has(r.state)).map((r) => JSON.stringify(r.request ?? null));
  const finished = records.filter((r) => TERMINAL_STATES.has(r.state)).sort((a, b) => b.updatedAtMs - a.updatedAtMs || b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id));
  const out: string[] = [];
  finished.forEach((r, i) => {
    const tooMany = policy.maxCount > 0 && i >= policy.maxCount;
    const tooOld = policy.maxAgeMs > 0 && nowMs - r.updatedAtMs > policy.maxAgeMs;
    if ((tooMany || tooOld) && !needed.some((request) => request.includes(r.id))) out.push(r.id);
  });
  return out;
}

/** How many streams hold each job (watchers, the stream that started it). */
export class JobHolds {
  private readonly counts = new Map<string, number>();

  /** Holds `id` until the returned function is called (once; later calls do nothing). */
  hold(id: string): () => void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const n = (this.counts.get(id) ?? 1) - 1;
      if (n <= 0) this.counts.delete(id);
      else this.counts.set(id, n);
    };
  }

  has(id: string): boolean {
    return this.counts.has(id);
  }
}

/** What the sweeper needs of the job manager. */
export interface RetainedJobs {
  list(): JobRecord[];
  /** Removes a finished, unheld job; false when it must be kept. */
  remove(id: string): Promise<boolean>;
}

export interface Retention {
  /** Applies the policy now; resolves with the ids removed. */
  sweep(): Promise<string[]>;
  stop(): void;
}

/** Applies the policy at once and then every `intervalMs` (the timer does not keep the process alive). */
export function startRetention(jobs: RetainedJobs, policy: RetentionPolicy, intervalMs: number, log: Logger): Retention {
  let running: Promise<string[]> | undefined;
  const once = async (): Promise<string[]> => {
    const removed: string[] = [];
    for (const id of expiredJobs(jobs.list(), policy, Date.now())) {
      try {
        if (await jobs.remove(id)) removed.push(id);
      } catch (error) {
        log.warn('could not remove an expired job', { job: id, error: error as Error });
      }
    }
    if (removed.length > 0) log.info('retention removed finished jobs', { count: removed.length, maxAgeMs: policy.maxAgeMs, maxCount: policy.maxCount });
    return removed;
  };
  // One sweep at a time; a call during a sweep shares it.
  const sweep = (): Promise<string[]> => {
    if (!running) {
      const current = once();
      running = current;
      void current.finally(() => {
        if (running === current) running = undefined;
      }).catch(() => undefined);
    }
    return running;
  };
  const off = policy.maxAgeMs <= 0 && policy.maxCount <= 0;
  const timer = off ? undefined : setInterval(() => void sweep(), intervalMs);
  timer?.unref();
  if (!off) void sweep();
  return { sweep: () => (off ? Promise.resolve([]) : sweep()), stop: () => clearInterval(timer) };
}
