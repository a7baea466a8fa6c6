// A job's persisted event log (<job>/events.jsonl, one JSON event a line): appends in sequence
// order, progress events throttled in time, and a pull-based reader that streams the file in
// chunks (a watcher never holds the whole log, however large it grew).
import { appendFile, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobEvent, JobEventBody } from './types.js';

/** Progress events of one job closer together than this are coalesced (the latest wins). */
export const PROGRESS_INTERVAL_MS = 100;
const CHUNK = 64 * 1024;

interface Throttle {
  lastMs: number;
  pending?: JobEventBody;
  timer?: NodeJS.Timeout;
}

export class EventLog {
  private readonly seqs = new Map<string, number>();
  /** Per-job append chain, so log lines land in sequence order. */
  private readonly appends = new Map<string, Promise<void>>();
  private readonly throttles = new Map<string, Throttle>();

  constructor(
    private readonly dirOf: (id: string) => string,
    private readonly onEvent: (id: string, event: JobEvent) => void,
  ) {}

  /** Continues the sequence of an existing log (0 for a new job). */
  async open(id: string, fresh = false): Promise<void> {
    this.seqs.set(id, fresh ? 0 : await this.lastSeq(id));
  }

  /**
   * Emits a job's own event. Progress events (payload `{ progress }`) are throttled: at most one per
   * PROGRESS_INTERVAL_MS goes to the log, the latest of a burst is written when the interval ends
   * or before the next other event, so the final progress is never lost.
   */
  emit(id: string, body: JobEventBody): Promise<void> {
    if (!isProgress(body.payload)) return this.append(id, body);
    let t = this.throttles.get(id);
    if (!t) this.throttles.set(id, (t = { lastMs: 0 }));
    const now = Date.now();
    if (!t.pending && now - t.lastMs >= PROGRESS_INTERVAL_MS) {
      t.lastMs = now;
      return this.write(id, body);
    }
    t.pending = body;
    t.timer ??= setTimeout(() => void this.flush(id).catch(() => undefined), Math.max(0, t.lastMs + PROGRESS_INTERVAL_MS - now));
    return Promise.resolve();
  }

  /** Appends an event now (after any pending progress event of the job). */
  async append(id: string, body: JobEventBody): Promise<void> {
    await this.flush(id);
    await this.write(id, body);
  }

  /** Writes the pending progress event, if any, and forgets the job's throttle (call when it ends). */
  async flush(id: string, forget = false): Promise<void> {
    const t = this.throttles.get(id);
    if (!t) return;
    clearTimeout(t.timer);
    t.timer = undefined;
    const pending = t.pending;
    t.pending = undefined;
    if (forget) this.throttles.delete(id);
    if (pending) {
      t.lastMs = Date.now();
      await this.write(id, pending);
    }
  }

  /** Drops what is kept in memory for a removed job. */
  forget(id: string): void {
    clearTimeout(this.throttles.get(id)?.timer);
    this.throttles.delete(id);
    this.seqs.delete(id);
    this.appends.delete(id);
  }

  /** The events of a job's log from `fromSeq` on, read from disk in chunks as the caller pulls. */
  async *read(id: string, fromSeq = 0): AsyncGenerator<JobEvent> {
    let handle;
    try {
      handle = await open(join(this.dirOf(id), 'events.jsonl'), 'r');
    } catch {
      return;
    }
    try {
      const buffer = Buffer.alloc(CHUNK);
      let carry = '';
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const text = carry + buffer.toString('utf8', 0, bytesRead);
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          const event = parse(line);
          if (event && event.seq >= fromSeq) yield event;
        }
      }
      // A last line without its newline is torn (kill -9 mid-write) or still being written: the
      // live subscription delivers it.
    } finally {
      await handle.close();
    }
  }

  private async write(id: string, body: JobEventBody): Promise<void> {
    const seq = this.seqs.get(id) ?? 0;
    this.seqs.set(id, seq + 1);
    const event: JobEvent = { seq, ...body };
    const previous = this.appends.get(id) ?? Promise.resolve();
    const write = previous.then(() => appendFile(join(this.dirOf(id), 'events.jsonl'), JSON.stringify(event) + '\n'));
    this.appends.set(id, write.catch(() => undefined));
    await write;
    this.onEvent(id, event);
  }

  /** Next sequence number: one past the last complete line (read from the end of the file). */
  private async lastSeq(id: string): Promise<number> {
    const file = join(this.dirOf(id), 'events.jsonl');
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return 0;
    }
    for (let tail = CHUNK; ; tail *= 4) {
      const start = Math.max(0, size - tail);
      const handle = await open(file, 'r');
      let text: string;
      try {
        const buffer = Buffer.alloc(size - start);
        await handle.read(buffer, 0, buffer.length, start);
        text = buffer.toString('utf8');
      } finally {
        await handle.close();
      }
      const lines = text.split('\n');
      if (start > 0) lines.shift(); // may start mid-line
      for (let i = lines.length - 1; i >= 0; i--) {
        const event = parse(lines[i]!);
        if (event) return event.seq + 1;
      }
      if (start === 0) return 0;
    }
  }
}

function parse(line: string): JobEvent | undefined {
  if (!line) return undefined;
  try {
    const event = JSON.parse(line) as JobEvent;
    return typeof event.seq === 'number' ? event : undefined;
  } catch {
    return undefined; // a torn line after kill -9
  }
}

function isProgress(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'progress' in payload && Object.keys(payload).length === 1;
}
