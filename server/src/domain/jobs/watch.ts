// A job's events for a watcher: replayed from the log from `fromSeq`, then live until the job's
// terminal state change (or the signal aborts). Split from manager.ts.
import type { EventEmitter } from 'node:events';
import type { EventLog } from './event-log.js';
import { TERMINAL_STATES, type JobEvent } from './types.js';

export interface WatchSources {
  /** Emits each appended event under the job id. */
  events: EventEmitter;
  log: EventLog;
  /** The job is in a terminal state and not running in this process. */
  finished(): boolean;
}

export async function* watchJob(src: WatchSources, id: string, fromSeq = 0, signal?: AbortSignal): AsyncGenerator<JobEvent> {
  const queue: JobEvent[] = [];
  let wake: (() => void) | undefined;
  const onEvent = (event: JobEvent): void => {
    queue.push(event);
    wake?.();
  };
  const onAbort = (): void => wake?.();
  src.events.on(id, onEvent);
  signal?.addEventListener('abort', onAbort);
  try {
    let next = fromSeq;
    for await (const event of src.log.read(id, fromSeq)) {
      if (event.seq < next) continue;
      next = event.seq + 1;
      yield event;
      if (isTerminalEvent(event)) return;
    }
    for (;;) {
      while (queue.length > 0) {
        const event = queue.shift()!;
        if (event.seq < next) continue;
        next = event.seq + 1;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      if (signal?.aborted) return;
      // Finished before we subscribed and its terminal event was already replayed or never
      // written (a job from an older daemon): nothing more will come.
      if (src.finished()) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    src.events.off(id, onEvent);
    signal?.removeEventListener('abort', onAbort);
  }
}

function isTerminalEvent(event: JobEvent): boolean {
  return event.channel === 'job' && TERMINAL_STATES.has(event.payload.state);
}
