import type { Logger } from '../../logging.js';
import type { MemoryEstimate } from './memory.js';
import type { PackJobEvent } from '../packing/events.js';
import type { FaceSampleInfo, GenerateJobEvent } from '../generation/events.js';
import type { EvaluationJobEvent } from '../evaluation/results.js';

export type JobKind = 'pack' | 'generate' | 'evaluate_verification' | 'evaluate_dataset';
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
  /** The validated request (domain parameters), JSON. */
  request: unknown;
  /** Result summary, JSON. */
  result?: unknown;
}

/** Each channel of a job's event log and the domain type of its payloads ('job' = a state change). */
export interface JobPayloads {
  job: JobRecord;
  pack: PackJobEvent;
  generate: GenerateJobEvent;
  evaluation: EvaluationJobEvent;
}
export type JobChannel = keyof JobPayloads;

/** What a job emits: a channel and its payload (checking `channel` narrows `payload`). */
export type JobEventBody = { [C in JobChannel]: { channel: C; payload: JobPayloads[C] } }[JobChannel];

/** One entry of a job's event log. Transport alone maps the payloads to the wire. */
export type JobEvent = JobEventBody & { seq: number };

/** What a job hands live (unpersisted) to the stream that started it. */
export type JobLivePayload = FaceSampleInfo;

export interface JobContext {
  readonly id: string;
  readonly dir: string;
  readonly request: unknown;
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

export type JobRunner = (ctx: JobContext) => Promise<unknown>;

export interface StartOptions {
  /** Live consumer for ctx.deliver (the stream that started the job). */
  sink?: (payload: JobLivePayload) => Promise<void>;
  /** Runs once the job folder exists, before the record is first persisted; returns the request to store. */
  prepare?: (dir: string) => Promise<unknown>;
  /** Estimated peak memory (memory.ts): admitted only within limits.memoryBudgetBytes. */
  memory?: MemoryEstimate;
}
