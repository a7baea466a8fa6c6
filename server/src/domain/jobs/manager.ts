// Jobs: long work persisted under <dataDir>/jobs/<id>/ (job.json, events.jsonl, checkpoint.bin,
// results). Unfinished jobs resume after a restart; the event log lets a dropped stream re-attach.
import { EventEmitter } from 'node:events';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  CancelledError,
  NotFoundError,
  UnavailableError,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logging.js';
import { Admission, type Ticket } from './admission.js';
import { EventLog } from './event-log.js';
import { JobHolds } from './retention.js';
import { createJobContext } from './context.js';
import { watchJob } from './watch.js';
import { formatBytes } from './memory.js';
import { loadRecord } from './record.js';
import { RecordWriter, refuseResume } from './record-writer.js';
import { runJob, ShutdownError } from './run-job.js';
import { TERMINAL_STATES, type JobEvent, type JobKind, type JobKindDef, type JobLivePayload, type JobRecord, type JobRunner, type JobState, type StartOptions } from './types.js';

export { ShutdownError } from './run-job.js';

export type { JobContext, JobKindDef, JobRunner, StartOptions } from './types.js';

interface Running {
  controller: AbortController;
  done: Promise<void>;
  /** Failed by shutdown for outliving shutdown.graceMs: whatever the run does later is not recorded. */
  abandoned?: boolean;
  sink?: (payload: JobLivePayload) => Promise<void>;
}

export interface JobManagerOptions {
  dataDir: string;
  maxConcurrentJobs: number;
  /** Runs a job may start without finishing before it is failed instead of resumed (limits.maxJobAttempts). */
  maxAttempts?: number;
  /** Budget shared by the running jobs' memory estimates (resolveMemoryBudget); unset = no limit. */
  memoryBudget?: { bytes: number; automatic: boolean };
  log: Logger;
}

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly running = new Map<string, Running>();
  /** The registry: per kind, the schema of its persisted request and its runner. */
  private readonly kinds = new Map<JobKind, { def: JobKindDef<unknown>; run: JobRunner<unknown> }>();
  /** Each loaded or started job's request as its kind's schema typed it (what its runner gets). */
  private readonly requests = new Map<string, unknown>();
  /** job.json writes, one job's in call order. */
  private readonly records = new RecordWriter((id) => this.dirOf(id));
  private readonly events = new EventEmitter();
  private readonly log: EventLog;
  private readonly admission: Admission;
  /** Resumed jobs waiting for a slot. */
  private readonly queued = new Map<string, { done: Promise<void>; withdraw(): void }>();
  private readonly root: string;
  private closing = false;
  private readonly maxAttempts: number;
  /** Streams holding each job (watchers, the stream that started it): retention leaves these alone. */
  private readonly holds = new JobHolds();

  constructor(private readonly options: JobManagerOptions) {
    this.root = join(options.dataDir, 'jobs');
    this.maxAttempts = options.maxAttempts ?? 3;
    const budget = options.memoryBudget ?? { bytes: Number.MAX_SAFE_INTEGER, automatic: false };
    const label = `limits.memoryBudgetBytes = ${formatBytes(budget.bytes)}${budget.automatic ? ' (automatic: half the memory of this machine)' : ''}`;
    this.admission = new Admission({ maxJobs: options.maxConcurrentJobs, budgetBytes: budget.bytes, budgetLabel: label });
    this.events.setMaxListeners(0);
    this.log = new EventLog((id) => this.dirOf(id), (id, event) => this.events.emit(id, event));
  }

  /** Registers a job kind: the schema of its persisted request and its runner. Before open(). */
  register<R>(def: JobKindDef<R>, run: JobRunner<R>): void {
    // The map holds every kind; a record reaches `run` only after `def.request` parsed it.
    this.kinds.set(def.kind, { def: def, run: run as JobRunner<unknown> });
  }

  /**
   * Reads the job store (after every register()); returns the jobs that were unfinished (call
   * resumeUnfinished to run them). A record that does not parse, or an unfinished one whose request
   * does not parse or whose kind is not registered, is FAILED with the reason.
   * `killed`: jobs that were running when the watchdog ended the last run, with its reason: they
   * fail now (a failed attempt at once) instead of resuming into the same hang.
   */
  async open(killed?: { jobs: readonly string[]; reason: string }): Promise<JobRecord[]> {
    await mkdir(this.root, { recursive: true });
    const unfinished: JobRecord[] = [];
    const defs = new Map([...this.kinds].map(([kind, k]) => [kind, k.def]));
    for (const id of await readdir(this.root)) {
      // A removal the process did not finish (see remove()): its folder is already out of sight.
      if (id.startsWith('.')) {
        if (id.startsWith('.removed-')) await rm(join(this.root, id), { recursive: true, force: true });
        continue;
      }
      const file = join(this.root, id, 'job.json');
      if (!existsSync(file)) continue;
      try {
        const { record, request, failed } = await loadRecord(file, id, defs);
        this.jobs.set(record.id, record);
        await this.log.open(record.id);
        if (failed) {
          this.options.log.error('job record cannot be loaded as it is; marked FAILED', { job: id, reason: failed.reason });
          // The damaged file is kept beside the rewritten record for whoever investigates.
          if (failed.code === 'DATA_LOSS') await copyFile(file, `${file}.unreadable`);
          await this.transition(record, 'failed');
          continue;
        }
        if (TERMINAL_STATES.has(record.state)) continue;
        const refused = refuseResume(record, killed, this.maxAttempts);
        if (refused) await this.refuse(record, refused);
        else {
          this.requests.set(record.id, request);
          // Not running in this process (yet): say so until it is resumed.
          record.state = 'queued';
          unfinished.push(record);
        }
      } catch (error) {
        // Only the job folder itself failing (unwritable) gets here; the record stays listed if it was read.
        this.options.log.error('job record could not be loaded or marked failed', { file, error: (error as Error).message });
      }
    }
    return unfinished;
  }

  /** Fails an unfinished job loaded at start-up instead of resuming it (refuseResume says why). */
  private async refuse(record: JobRecord, why: { error: string; errorCode: string; log: string }): Promise<void> {
    this.options.log.error(why.log, { job: record.id, kind: record.kind, attempts: record.attempts ?? 0 });
    record.error = why.error;
    record.errorCode = why.errorCode;
    await this.transition(record, 'failed');
  }

  /** Restarts every unfinished job from its last checkpoint, at most limits.maxConcurrentJobs at once (the rest wait QUEUED). */
  resumeUnfinished(records: JobRecord[]): void {
    for (const record of records) {
      const resume = (ticket: Ticket): void => {
        this.queued.delete(record.id);
        // Cancelled while waiting, or the daemon is stopping: give the slot back.
        if (this.closing || TERMINAL_STATES.has(record.state)) return ticket.release();
        record.resumes += 1;
        this.options.log.info('resuming job', { job: record.id, kind: record.kind, resumes: record.resumes });
        this.launch(record, {}, ticket);
      };
      const now = this.admission.tryTake(record.memoryBytes);
      if (now) resume(now);
      else {
        const waiting = this.admission.wait(record.memoryBytes);
        let started!: () => void;
        const done = new Promise<void>((resolve) => (started = resolve));
        this.queued.set(record.id, { done, withdraw: () => (waiting.withdraw(), this.queued.delete(record.id), started()) });
        void waiting.ticket.then((ticket) => (resume(ticket), started()));
      }
    }
  }

  async start<R>(def: JobKindDef<R>, request: R, options: StartOptions<R> = {}): Promise<JobRecord> {
    const { kind } = def;
    if (this.closing) throw new UnavailableError('the daemon is shutting down');
    if (!this.kinds.has(kind)) throw new UnavailableError(`no runner for ${kind} jobs`);
    // Taken before the first await: the check and the take are one step.
    const ticket = this.admission.take(options.memory);
    const now = Date.now();
    const id = `${kind.replace('_', '-')}-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
    const record: JobRecord = { id, kind, state: 'queued', createdAtMs: now, updatedAtMs: now, progress: 0, resumes: 0, request, ...(options.memory ? { memoryBytes: options.memory.bytes } : {}) };
    try {
      await mkdir(this.dirOf(id), { recursive: true });
      const typed = options.prepare ? await options.prepare(this.dirOf(id)) : request;
      record.request = typed;
      this.requests.set(id, typed);
      this.jobs.set(id, record);
      await this.log.open(id, true);
      await this.records.persist(record);
    } catch (error) {
      ticket.release();
      this.requests.delete(id);
      throw error;
    }
    this.launch(record, options, ticket);
    return { ...record };
  }

  get(id: string): JobRecord {
    const record = this.jobs.get(id);
    if (!record) throw new NotFoundError(`job ${id}`);
    return { ...record };
  }

  list(filter: { kind?: JobKind; state?: JobState } = {}): JobRecord[] {
    return [...this.jobs.values()]
      .filter((j) => (!filter.kind || j.kind === filter.kind) && (!filter.state || j.state === filter.state))
      .sort((a, b) => b.createdAtMs - a.createdAtMs || a.id.localeCompare(b.id))
      .map((j) => ({ ...j }));
  }

  /** A job's request as its kind's schema typed it; undefined for another kind or a finished job loaded from disk. */
  requestOf<R>(def: JobKindDef<R>, id: string): R | undefined {
    // Stored for this kind only after def.request parsed it (open) or the caller typed it (start).
    return this.jobs.get(id)?.kind === def.kind ? (this.requests.get(id) as R | undefined) : undefined;
  }

  dirOf(id: string): string {
    return join(this.root, id);
  }

  /** Cancels a queued or running job; a finished job is returned unchanged. */
  async cancel(id: string): Promise<JobRecord> {
    const record = this.jobs.get(id);
    if (!record) throw new NotFoundError(`job ${id}`);
    const run = this.running.get(id);
    if (run) {
      run.controller.abort(new CancelledError('cancelled by the client'));
      await run.done;
    } else if (!TERMINAL_STATES.has(record.state)) {
      this.queued.get(id)?.withdraw();
      await this.transition(record, 'cancelled');
    }
    return this.get(id);
  }

  /** Resolves when the job reaches a terminal state (or immediately if it has). */
  async waitFor(id: string): Promise<JobRecord> {
    await this.queued.get(id)?.done;
    const run = this.running.get(id);
    if (run) await run.done;
    return this.get(id);
  }

  /**
   * The job's events from `fromSeq` on: first replayed from the log, then live until the job ends
   * (the last event is the terminal state change) or `signal` aborts.
   */
  async *watch(id: string, fromSeq = 0, signal?: AbortSignal): AsyncGenerator<JobEvent> {
    this.get(id);
    const unhold = this.hold(id);
    try {
      yield* watchJob({ events: this.events, log: this.log, finished: () => TERMINAL_STATES.has(this.get(id).state) && !this.running.has(id) }, id, fromSeq, signal);
    } finally {
      unhold();
    }
  }

  /** Keeps a job from removal by retention until the returned function is called. */
  hold(id: string): () => void {
    return this.holds.hold(id);
  }

  /**
   * Removes a finished job that nothing holds: gone from GetJob/ListJobs at once, its folder renamed
   * out of sight in one step (so no reader sees half a job), then deleted. False when kept.
   */
  async remove(id: string): Promise<boolean> {
    const record = this.jobs.get(id);
    if (!record || !TERMINAL_STATES.has(record.state) || this.running.has(id) || this.holds.has(id)) return false;
    this.jobs.delete(id);
    const trash = join(this.root, `.removed-${id}`);
    try {
      await rename(this.dirOf(id), trash);
    } catch (error) {
      this.jobs.set(id, record);
      throw error;
    }
    this.log.forget(id);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /** Stops accepting jobs; running ones are aborted with ShutdownError (they checkpoint) and stay resumable. */
  async shutdown(graceMs: number): Promise<void> {
    this.closing = true;
    const runs = [...this.running.values()];
    for (const run of runs) run.controller.abort(new ShutdownError());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(runs.map((r) => r.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    // A run that ignored the abort for the whole grace would hang again if resumed: it fails now.
    for (const [id, run] of this.running) {
      const record = this.jobs.get(id);
      if (!record || TERMINAL_STATES.has(record.state)) continue;
      run.abandoned = true;
      this.options.log.error('job did not stop within the shutdown grace; failing it', { job: id, graceMs });
      record.error = `the job did not stop within shutdown.graceMs (${graceMs} ms) after the daemon was asked to stop; it is not resumed`;
      record.errorCode = 'DEADLINE_EXCEEDED';
      await this.transition(record, 'failed').catch(() => undefined);
    }
  }

  get runningCount(): number {
    return this.running.size;
  }

  private launch(record: JobRecord, options: StartOptions, ticket: Ticket): void {
    const runner = this.kinds.get(record.kind)!.run;
    const controller = new AbortController();
    const log = this.options.log.child({ job: record.id, kind: record.kind });
    const entry: Running = { controller, done: Promise.resolve(), sink: options.sink };
    const ctx = createJobContext(record, this.requests.get(record.id), {
      dir: this.dirOf(record.id),
      signal: controller.signal,
      log,
      events: this.log,
      persist: (r) => this.records.persist(r),
      sink: () => entry.sink,
    });
    this.running.set(record.id, entry);
    entry.done = (async () => {
      try {
        await runJob(record, runner, ctx, entry, { transition: (r, state) => this.transition(r, state), persist: (r) => this.records.persist(r), log });
      } finally {
        this.running.delete(record.id);
        ticket.release();
        await this.log.flush(record.id, true);
      }
    })().catch((e: unknown) => log.error('job bookkeeping failed', { error: e as Error }));
  }

  /** Gives a running job that has no live consumer a new one (a stream that attached to it). */
  attach(id: string, sink: (payload: JobLivePayload) => Promise<void>): boolean {
    const run = this.running.get(id);
    if (!run || run.sink) return false;
    run.sink = sink;
    return true;
  }

  /** Drops the live sink of a job (its stream went away) without touching the job. */
  detach(id: string): void {
    const run = this.running.get(id);
    if (run) run.sink = undefined;
  }

  private async transition(record: JobRecord, state: JobState): Promise<void> {
    // Durable before visible: a reader that sees the new state can rely on it after a crash.
    const updatedAtMs = Date.now();
    await this.records.persist({ ...record, state, updatedAtMs });
    record.state = state;
    record.updatedAtMs = updatedAtMs;
    await this.log.append(record.id, { channel: 'job', payload: { ...record } });
  }
}
