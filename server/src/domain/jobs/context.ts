// The JobContext a runner gets: its folder, checkpoint file, throttled progress record, event log
// and live sink, bound to one job.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logging.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import type { EventLog } from './event-log.js';
import type { JobContext, JobEventBody, JobLivePayload, JobRecord } from './types.js';

/** The persisted fraction done is written at most this often (GetJob reads it from memory). */
const PROGRESS_WRITE_MS = 1000;

export interface JobContextDeps {
  dir: string;
  signal: AbortSignal;
  log: Logger;
  events: EventLog;
  persist(record: JobRecord): Promise<void>;
  /** The live consumer now attached, if any (it may change while the job runs). */
  sink(): ((payload: JobLivePayload) => Promise<void>) | undefined;
}

/** `request`: the record's request as its kind's schema typed it. */
export function createJobContext(record: JobRecord, request: unknown, deps: JobContextDeps): JobContext {
  const { dir, log } = deps;
  const checkpoint = join(dir, 'checkpoint.bin');
  let lastProgressWrite = 0;
  return {
    id: record.id,
    dir,
    request,
    resumes: record.resumes,
    signal: deps.signal,
    log,
    // A generic channel and its payload type belong together (JobContext.emit's signature).
    emit: (channel, payload) => deps.events.emit(record.id, { channel, payload } as JobEventBody),
    setProgress: (fraction) => {
      record.progress = Math.max(0, Math.min(1, fraction));
      const now = Date.now();
      if (now - lastProgressWrite > PROGRESS_WRITE_MS) {
        lastProgressWrite = now;
        record.updatedAtMs = now;
        deps.persist(record).catch((e: unknown) => log.warn('progress write failed', { error: e as Error }));
      }
    },
    loadCheckpoint: async () => {
      try {
        return new Uint8Array(await readFile(checkpoint));
      } catch {
        return null;
      }
    },
    saveCheckpoint: (bytes) => writeFileAtomic(checkpoint, bytes),
    deliver: async (payload) => {
      const sink = deps.sink();
      if (sink) await sink(payload);
    },
  };
}
