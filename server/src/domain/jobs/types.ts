// The job core's types. It knows no feature: each job kind registers {persisted request schema,
// runner} (JobKindDef + JobManager.register), and each feature adds its event channel and live
// payload to JobChannels / JobLivePayloads by declaration merging (e.g. packing/events.ts).
import type * as z from 'zod';
import type { Logger } from '../../shared/logging.js';
import type { MemoryEstimate } from './memory.js';

/** A registered job kind's name ('pack', 'generate', ...); see JobKindDef. */
export type JobKind = string;
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

/** What is persisted in <dataDir>/jobs/<id>/job.json. */
export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  createdAtMs: number;
  updatedAtMs: number;
  /** Fraction done, 0..1. */
  progress: number;
  /** Public error message when failed. */
  error?: string;
  /** Code of the error (HyperfaceError code) when failed. */
  errorCode?: string;
  resumes: number;
  /**
   * Runs started and not (yet) ended by the daemon: incremented and persisted before each run,
   * given back when a graceful shutdown interrupts it. Absent in records of older daemons.
   */
  attempts?: number;
  /** The job's memory estimate (admission), kept so a resumed job counts against the budget too. */
  memoryBytes?: number;
  /**
   * The validated request (domain parameters), JSON. Typed only through its kind's schema:
   * JobContext.request for the runner, JobManager.requestOf for others.
   */
  request: unknown;
  /** Result summary, JSON. */
  result?: unknown;
}

/**
 * Each channel of a job's event log and the domain type of its payloads ('job' = a state change).
 * Features add theirs: `declare module '../jobs/types.js' { interface JobChannels { pack: PackJobEvent } }`.
 */
export interface JobChannels {
  job: JobRecord;
}
export type JobPayloads = JobChannels;
export type JobChannel = keyof JobChannels;

/** What a job emits: a channel and its payload (checking `channel` narrows `payload`). */
export type JobEventBody = { [C in JobChannel]: { channel: C; payload: JobPayloads[C] } }[JobChannel];

/** One entry of a job's event log. Transport alone maps the payloads to the wire. */
export type JobEvent = JobEventBody & { seq: number };

/** What a job hands live (unpersisted) to the stream that started it; features add theirs by declaration merging. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface JobLivePayloads {}
export type JobLivePayload = JobLivePayloads[keyof JobLivePayloads];

/**
 * A job kind: its name and the schema of its persisted request (job.json `request`). A record is
 * parsed with it when the daemon loads it, so an old or corrupt request fails that job with the
 * reason instead of reaching the runner. Output = what the runner gets (e.g. Float32Array from JSON numbers).
 */
export interface JobKindDef<R> {
  readonly kind: JobKind;
  readonly request: z.ZodType<R>;
}

export function jobKind<R>(kind: JobKind, request: z.ZodType<R>): JobKindDef<R> {
  return { kind, request };
}

export interface JobContext<R = unknown> {
  readonly id: string;
  readonly dir: string;
  /** The request, as its kind's schema types it. */
  readonly request: R;
  /** Times this job was resumed after a restart (0 on the first run). */
  readonly resumes: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Appends an event to the persisted log and tells watchers (progress events are throttled in time, the last one kept). */
  emit<C extends JobChannel>(channel: C, payload: JobPayloads[C]): Promise<void>;
  /** Updates the persisted fraction done (throttled). */
  setProgress(fraction: number): void;
  loadCheckpoint(): Promise<Uint8Array | null>;
  saveCheckpoint(bytes: Uint8Array): Promise<void>;
  /**
   * Live, unpersisted delivery with backpressure to the stream that started the job (e.g. face
   * images). Resolves when the consumer has room; a no-op when nobody is attached.
   */
  deliver(payload: JobLivePayload): Promise<void>;
}

export type JobRunner<R = unknown> = (ctx: JobContext<R>) => Promise<unknown>;

export interface StartOptions<R = unknown> {
  /** Live consumer for ctx.deliver (the stream that started the job). */
  sink?: (payload: JobLivePayload) => Promise<void>;
  /** Runs once the job folder exists, before the record is first persisted; returns the request to store. */
  prepare?: (dir: string) => Promise<R>;
  /** Estimated peak memory (memory.ts): admitted only within limits.memoryBudgetBytes. */
  memory?: MemoryEstimate;
}
