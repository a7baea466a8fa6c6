// JobService: thin handlers over the JobManager (jobs-wire.ts maps records and events to the wire).
import type { JobServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/JobService';
import { InvalidArgumentError } from '../shared/errors.js';
import type { JobManager } from '../domain/jobs/manager.js';
import { serverStream, unary, type TransportDeps } from './call.js';
import { jobEventToWire, jobToWire, kindFromWire, stateFromWire } from './jobs-wire.js';

function requireId(id: string | undefined): string {
  if (!id) throw new InvalidArgumentError({ field: 'id', description: 'a job id is required' });
  return id;
}

function decodePageToken(token: string): { c: number; i: string } {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown };
    if (typeof v.c === 'number' && Number.isFinite(v.c) && typeof v.i === 'string') return { c: v.c, i: v.i };
  } catch {
    // falls through to the error
  }
  throw new InvalidArgumentError({ field: 'page_token', description: 'not a token this server issued' });
}

export function jobHandlers(deps: TransportDeps, jobs: JobManager): JobServiceHandlers {
  return {
    GetJob: unary(deps, 'GetJob', async (req) => jobToWire(jobs.get(requireId(req.id)))),
    CancelJob: unary(deps, 'CancelJob', async (req) => jobToWire(await jobs.cancel(requireId(req.id)))),
    ListJobs: unary(deps, 'ListJobs', async (req) => {
      const pageSize = req.pageSize === 0 ? 100 : req.pageSize;
      if (pageSize > 1000) throw new InvalidArgumentError({ field: 'page_size', description: 'must be <= 1000' });
      const after = req.pageToken ? decodePageToken(req.pageToken) : undefined;
      const all = jobs.list({ kind: kindFromWire(req.kind), state: stateFromWire(req.state) });
      // A cursor (the last job sent), not an offset: jobs removed by retention between two pages
      // do not make the next page skip any.
      const start = after ? all.findIndex((j) => j.createdAtMs < after.c || (j.createdAtMs === after.c && j.id > after.i)) : 0;
      const page = start < 0 ? [] : all.slice(start, start + pageSize);
      const last = page[page.length - 1];
      const more = start >= 0 && start + pageSize < all.length && last !== undefined;
      return { jobs: page.map(jobToWire), nextPageToken: more ? Buffer.from(JSON.stringify({ c: last.createdAtMs, i: last.id })).toString('base64url') : '' };
    }),
    WatchJob: serverStream(deps, 'WatchJob', async (req, out, ctx) => {
      const id = requireId(req.id);
      for await (const event of jobs.watch(id, req.fromSeq, ctx.signal)) await out.write(jobEventToWire(event));
    }),
  };
}
