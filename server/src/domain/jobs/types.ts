import type { Logger } from '../../logging.js';
import type { MemoryEstimate } from './memory.js';

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

/**
 * One entry of a job's event log. `channel` says which event family `payload` belongs to:
 * 'job' = a state change (payload = JobRecord); 'pack' | 'generate' | 'evaluation' = an event of
 * that family, shaped like the proto message of the same name in camelCase (e.g. `{ progress: {...} }`).
 */
export interface JobEvent {
  seq: number;
  channel: 'job' | 'pack' | 'generate' | 'evaluation';
  payload: unknown;
}

export interface JobContext {
  readonly id: string;
  readonly dir: string;
  readonly request: unknown;
  /** Times this job was resumed after a restart (0 on the first run). */
  readonly resumes: number;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Appends an event to the persisted log and tells watchers (progress events are throttled in time, the last one kept). */
  emit(channel: JobEvent['channel'], payload: unknown): Promise<void>;
  /** Updates the persisted fraction done (throttled). */
  setProgress(fraction: number): void;
  loadCheckpoint(): Promise<Uint8Array | null>;
  saveCheckpoint(bytes: Uint8Array): Promise<void>;
  /**
   * Live, unpersisted delivery with backpressure to the stream that started the job (e.g. face
   * images). Resolves when the consumer has room; a no-op when nobody is attached.
   */
  deliver(payload: unknown): Promise<void>;
}

export type JobRunner = (ctx: JobContext) => Promise<unknown>;

export interface StartOptions {
  /** Live consumer for ctx.deliver (the stream that started the job). */
  sink?: (payload: unknown) => Promise<void>;
  /** Runs once the job folder exists, before the record is first persisted; returns the request to store. */
  prepare?: (dir: string) => Promise<unknown>;
  /** Estimated peak memory (memory.ts): admitted only within limits.memoryBudgetBytes. */
  memory?: MemoryEstimate;
}
