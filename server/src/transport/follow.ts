// Streams a job's log to the caller that started it. When that caller cancels (or its deadline
// passes) the job is cancelled too, unless it asked to `detach`; a daemon shutdown leaves the job
// resumable.
import { abortError, CancelledError, DeadlineExceededError, HyperfaceError, type ErrorCode } from '../shared/errors.js';
import type { JobManager } from '../domain/jobs/manager.js';
import type { JobEvent, JobRecord } from '../domain/jobs/types.js';

/** The error a finished job's stream ends with, or undefined when it succeeded. */
export function terminalError(job: JobRecord): HyperfaceError | undefined {
  if (job.state === 'failed') return new HyperfaceError((job.errorCode as ErrorCode | undefined) ?? 'INTERNAL', job.error ?? 'job failed');
  if (job.state === 'cancelled') return new CancelledError(`job ${job.id} was cancelled`);
  return undefined;
}

export async function followJob(jobs: JobManager, id: string, options: { detach: boolean; signal: AbortSignal }, onEvent: (event: JobEvent) => Promise<void>): Promise<void> {
  const onAbort = (): void => {
    // Normalised: a deadline may arrive as a DOMException "TimeoutError", not our own error class.
    const reason = abortError(options.signal);
    const callerGone = reason instanceof CancelledError || reason instanceof DeadlineExceededError;
    if (callerGone && !options.detach) void jobs.cancel(id).catch(() => undefined);
    else jobs.detach(id);
  };
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    let last: JobRecord | undefined;
    for await (const event of jobs.watch(id, 0, options.signal)) {
      if (event.channel === 'job') last = event.payload;
      else await onEvent(event);
    }
    if (options.signal.aborted) throw abortError(options.signal);
    const error: HyperfaceError | undefined = last ? terminalError(last) : undefined;
    if (error) throw error;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
