// Job records and job log events (domain/jobs/types.ts) <-> Job / JobEvent on the wire (the one
// place that knows both shapes; each channel's payload goes through its family's mapper).
import type { Job } from '@hyperface/sdk/gen/hyperface/v1/Job';
import type { JobEvent } from '@hyperface/sdk/gen/hyperface/v1/JobEvent';
import type { JobEvent as DomainJobEvent, JobKind, JobRecord, JobState } from '../domain/jobs/types.js';
import { evaluationEventToWire } from './evaluation-wire.js';
import { generateEventToWire } from './generation-wire.js';
import { packEventToWire } from './packing-wire.js';
import { enumOf } from './bounds.js';

const KIND_TO_WIRE: Record<JobKind, Job['kind']> = {
  pack: 'JOB_KIND_PACK',
  generate: 'JOB_KIND_GENERATE',
  evaluate_verification: 'JOB_KIND_EVALUATE_VERIFICATION',
  evaluate_dataset: 'JOB_KIND_EVALUATE_DATASET',
};
const STATE_TO_WIRE: Record<JobState, Job['state']> = {
  queued: 'JOB_STATE_QUEUED',
  running: 'JOB_STATE_RUNNING',
  succeeded: 'JOB_STATE_SUCCEEDED',
  failed: 'JOB_STATE_FAILED',
  cancelled: 'JOB_STATE_CANCELLED',
};

export function jobToWire(job: JobRecord): Job {
  return {
    id: job.id,
    kind: KIND_TO_WIRE[job.kind],
    state: STATE_TO_WIRE[job.state],
    createdAtMs: job.createdAtMs,
    updatedAtMs: job.updatedAtMs,
    progress: job.progress,
    error: job.error ?? '',
    resumes: job.resumes,
    requestJson: JSON.stringify(job.request, (_k, v: unknown) => (v instanceof Float32Array ? `<${v.length} floats>` : v)),
    resultJson: job.result === undefined ? '' : JSON.stringify(job.result),
  };
}

export function jobEventToWire(event: DomainJobEvent): JobEvent {
  switch (event.channel) {
    case 'job':
      return { seq: event.seq, job: jobToWire(event.payload) };
    case 'pack':
      return { seq: event.seq, pack: packEventToWire(event.payload) };
    case 'generate':
      return { seq: event.seq, generate: generateEventToWire(event.payload) };
    case 'evaluation':
      return { seq: event.seq, evaluation: evaluationEventToWire(event.payload) };
  }
}

/** A ListJobs filter's kind (UNSPECIFIED = any). */
export function kindFromWire(kind: Job['kind'] | undefined): JobKind | undefined {
  if (kind === undefined || kind === 'JOB_KIND_UNSPECIFIED') return undefined;
  return enumOf(kind, invert(KIND_TO_WIRE), 'kind');
}

/** A ListJobs filter's state (UNSPECIFIED = any). */
export function stateFromWire(state: Job['state'] | undefined): JobState | undefined {
  if (state === undefined || state === 'JOB_STATE_UNSPECIFIED') return undefined;
  return enumOf(state, invert(STATE_TO_WIRE), 'state');
}

function invert<K extends string>(map: Record<K, unknown>): Record<string, K> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [v, k])) as Record<string, K>;
}
