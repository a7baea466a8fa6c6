// One run of a job: RUNNING (persisted first and counted as an attempt), the kind's runner, then
// SUCCEEDED, FAILED (with the mapped error), CANCELLED, or QUEUED again when the daemon shuts down.
import { diskError, HyperfaceError, UnavailableError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logging.js';
import type { JobContext, JobRecord, JobRunner, JobState } from './types.js';

/** Abort reason used when the daemon shuts down: the job stays resumable instead of cancelled. */
export class ShutdownError extends UnavailableError {
  constructor() {
    super('the daemon is shutting down; the job will resume on restart');
  }
}

export interface RunHooks {
  /** Persists the new state, then makes it visible (JobManager.transition). */
  transition(record: JobRecord, state: JobState): Promise<void>;
  persist(record: JobRecord): Promise<void>;
  log: Logger;
}

/** `entry.abandoned`: shutdown already failed the job for outliving its grace; nothing more is recorded. */
export async function runJob(record: JobRecord, runner: JobRunner<unknown>, ctx: JobContext<unknown>, entry: { controller: AbortController; abandoned?: boolean }, hooks: RunHooks): Promise<void> {
  const { controller } = entry;
  const { log } = hooks;
  try {
    // Persisted before the work starts, so a run that takes the process down is counted.
    record.attempts = (record.attempts ?? 0) + 1;
    await hooks.transition(record, 'running');
    // Cancelled (or shut down) while the state was being written: do not start the work.
    controller.signal.throwIfAborted();
    const result = await runner(ctx);
    if (entry.abandoned) return;
    record.result = result;
    record.progress = 1;
    await hooks.transition(record, 'succeeded');
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    if (entry.abandoned) return;
    if (reason instanceof ShutdownError) {
      log.info('job interrupted by shutdown; will resume on restart');
      record.state = 'queued';
      // A graceful interruption is not a failed attempt.
      record.attempts = Math.max(0, (record.attempts ?? 1) - 1);
      record.updatedAtMs = Date.now();
      await hooks.persist(record);
    } else if (controller.signal.aborted) {
      await hooks.transition(record, 'cancelled');
    } else {
      const mapped = error instanceof HyperfaceError ? error : diskError(error);
      if (!(error instanceof HyperfaceError)) log.error('job failed', { error: error as Error });
      record.error = mapped ? mapped.message : 'internal error (see the daemon log)';
      record.errorCode = mapped ? mapped.code : 'INTERNAL';
      await hooks.transition(record, 'failed');
    }
  }
}
