// JobService: thin handlers over the JobManager (jobs-wire.ts maps records and events to the wire).
import type { JobServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/JobService';
import { InvalidArgumentError } from '../errors.js';
import type { JobManager } from '../domain/jobs/manager.js';
import { serverStream, unary, type TransportDeps } from './call.js';
import { jobEventToWire, jobToWire, kindFromWire, stateFromWire } from './jobs-wire.js';

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
      const all = jobs.list({ kind: kindFromWire(req.kind), state: stateFromWire(req.state) });
      const page = all.slice(offset, offset + pageSize);
      return { jobs: page.map(jobToWire), nextPageToken: offset + pageSize < all.length ? String(offset + pageSize) : '' };
    }),
    WatchJob: serverStream(deps, 'WatchJob', async (req, out, ctx) => {
      const id = requireId(req.id);
      for await (const event of jobs.watch(id, req.fromSeq, ctx.signal)) await out.write(jobEventToWire(event));
    }),
  };
}
