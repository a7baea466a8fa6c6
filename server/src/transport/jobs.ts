// JobService: thin handlers over the JobManager, plus the mapping of job records and job log
// events to the wire (shared with the Pack/Generate/Evaluate handlers).
import type { JobServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/JobService';
import type { Job } from '@hyperface/sdk/gen/hyperface/v1/Job';
import type { JobEvent } from '@hyperface/sdk/gen/hyperface/v1/JobEvent';
import { HyperfaceError, InvalidArgumentError, CancelledError, type ErrorCode } from '../errors.js';
import type { JobManager } from '../domain/jobs/manager.js';
import type { JobEvent as DomainJobEvent, JobKind, JobRecord, JobState } from '../domain/jobs/types.js';
import type { EvaluationJobEvent } from '../domain/evaluation/results.js';
import { serverStream, unary, type TransportDeps } from './call.js';
import { evaluationEventToWire } from './evaluation-wire.js';
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
      return { seq: event.seq, job: jobToWire(event.payload as JobRecord) };
    case 'pack':
      return { seq: event.seq, pack: event.payload as JobEvent['pack'] };
    case 'generate':
      return { seq: event.seq, generate: event.payload as JobEvent['generate'] };
    case 'evaluation':
      return { seq: event.seq, evaluation: evaluationEventToWire(event.payload as EvaluationJobEvent) };
  }
}

/** The error a finished job's stream ends with, or undefined when it succeeded. */
export function terminalError(job: JobRecord): HyperfaceError | undefined {
  if (job.state === 'failed') return new HyperfaceError((job.errorCode as ErrorCode | undefined) ?? 'INTERNAL', job.error ?? 'job failed');
  if (job.state === 'cancelled') return new CancelledError(`job ${job.id} was cancelled`);
  return undefined;
}

function parseKind(kind: Job['kind'] | undefined): JobKind | undefined {
  if (kind === undefined || kind === 'JOB_KIND_UNSPECIFIED') return undefined;
  return enumOf(kind, Object.fromEntries(Object.entries(KIND_TO_WIRE).map(([k, v]) => [v, k])) as Record<string, JobKind>, 'kind');
}
function parseState(state: Job['state'] | undefined): JobState | undefined {
  if (state === undefined || state === 'JOB_STATE_UNSPECIFIED') return undefined;
  return enumOf(state, Object.fromEntries(Object.entries(STATE_TO_WIRE).map(([k, v]) => [v, k])) as Record<string, JobState>, 'state');
}

function requireId(id: string | undefined): string {
  if (!id) throw new InvalidArgumentError({ field: 'id', description: 'a job id is required' });
  return id;
}

export function jobHandlers(deps: TransportDeps, jobs: JobManager): JobServiceHandlers {
  return {
    GetJob: unary(deps, 'GetJob', async (req) => jobToWire(jobs.get(requireId(req.id)))),
    CancelJob: unary(deps, 'CancelJob', async (req) => jobToWire(await jobs.cancel(requireId(req.id)))),
    ListJobs: unary(deps, 'ListJobs', async (req) => {
      const pageSize = req.pageSize === 0 ? 100 : req.pageSize;
      if (pageSize > 1000) throw new InvalidArgumentError({ field: 'page_size', description: 'must be <= 1000' });
      const offset = req.pageToken ? Number.parseInt(req.pageToken, 10) : 0;
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError({ field: 'page_token', description: 'not a token this server issued' });
      const all = jobs.list({ kind: parseKind(req.kind), state: parseState(req.state) });
      const page = all.slice(offset, offset + pageSize);
      return { jobs: page.map(jobToWire), nextPageToken: offset + pageSize < all.length ? String(offset + pageSize) : '' };
    }),
    WatchJob: serverStream(deps, 'WatchJob', async (req, out, ctx) => {
      const id = requireId(req.id);
      for await (const event of jobs.watch(id, req.fromSeq, ctx.signal)) await out.write(jobEventToWire(event));
    }),
  };
}
