// job.json writes, one job's in call order. Progress writes are not awaited, and one finishing after
// a later write (say the graceful-shutdown record) would otherwise put the older record back on disk.
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import type { JobRecord } from './types.js';

export class RecordWriter {
  /** The last job.json write of each job. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly dirOf: (id: string) => string) {}

  /** Writes job.json as the record is now, after every earlier write of the same job. */
  persist(record: JobRecord): Promise<void> {
    // Typed arrays in a request (inline embeddings) persist as JSON arrays; the kind's schema restores them.
    const text = JSON.stringify(record, (_k, v: unknown) => (v instanceof Float32Array ? Array.from(v) : v), 2);
    const file = join(this.dirOf(record.id), 'job.json');
    const write = (this.writes.get(record.id) ?? Promise.resolve()).then(
      () => writeFileAtomic(file, text),
      () => writeFileAtomic(file, text),
    );
    this.writes.set(record.id, write);
    const forget = (): void => {
      if (this.writes.get(record.id) === write) this.writes.delete(record.id);
    };
    write.then(forget, forget);
    return write;
  }
}

/**
 * Why an unfinished job loaded at start-up must not run again, or undefined when it resumes:
 * the watchdog ended the last run while it ran (`killed`), or every earlier run ended with the
 * process (crash, OOM kill) `maxAttempts` times, so resuming would likely repeat it.
 */
export function refuseResume(record: JobRecord, killed: { jobs: readonly string[]; reason: string } | undefined, maxAttempts: number): { error: string; errorCode: string; log: string } | undefined {
  if (killed?.jobs.includes(record.id)) {
    return { error: `the daemon's watchdog ended the process while this job ran (${killed.reason}); it is not resumed`, errorCode: 'DEADLINE_EXCEEDED', log: 'not resuming a job the watchdog stopped' };
  }
  const n = record.attempts ?? 0;
  if (n >= maxAttempts) {
    return {
      error: `the daemon stopped ${n} times while running this job (a crash or a kill); it is not resumed again (limits.maxJobAttempts = ${maxAttempts})`,
      errorCode: 'INTERNAL',
      log: 'not resuming a job that did not survive its earlier runs',
    };
  }
  return undefined;
}
