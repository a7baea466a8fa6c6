// A job.json as the daemon loads it: the envelope is parsed by its schema and, for a job that would
// run again, the request by its kind's schema. What does not parse becomes a FAILED record that
// says why (never skipped, never cast), so ListJobs and GetJob show it and a client can act on it.
import { readFile, stat } from 'node:fs/promises';
import * as z from 'zod';
import { TERMINAL_STATES, type JobKindDef, type JobRecord } from './types.js';

const int = z.number().int().nonnegative();

/** The fields every record has (the job core's own); extra fields of newer daemons pass through. */
export const recordSchema = z.looseObject({
  id: z.string().min(1),
  kind: z.string().min(1),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  progress: z.number(),
  error: z.string().optional(),
  errorCode: z.string().optional(),
  resumes: int,
  attempts: int.optional(),
  memoryBytes: z.number().optional(),
  request: z.unknown(),
  result: z.unknown().optional(),
});

/** `a.b[2]: problem; …` for a zod error (at most 5 problems). */
function describe(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  return shown.join('; ') + (error.issues.length > 5 ? `; … ${error.issues.length - 5} more` : '');
}

export interface LoadedRecord {
  record: JobRecord;
  /** The request as its kind's schema parsed it (unfinished jobs of a registered kind). */
  request?: unknown;
  /** Set when the record could not be loaded as it is: it is FAILED now, with this reason. */
  failed?: { reason: string; code: 'DATA_LOSS' | 'FAILED_PRECONDITION' };
}

/**
 * Loads `<dir>/job.json` of job `id` (the folder name). `kinds`: the registered job kinds. A
 * finished job keeps its request as stored (nothing runs it again); an unfinished one must parse.
 */
export async function loadRecord(file: string, id: string, kinds: ReadonlyMap<string, JobKindDef<unknown>>): Promise<LoadedRecord> {
  const failed = (record: Partial<JobRecord>, reason: string, code: 'DATA_LOSS' | 'FAILED_PRECONDITION', createdAtMs: number): LoadedRecord => ({
    record: { kind: 'unknown', createdAtMs, progress: 0, resumes: 0, request: null, ...record, id, state: 'failed', updatedAtMs: Date.now(), error: reason, errorCode: code },
    failed: { reason, code },
  });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const created = await stat(file).then((s) => s.mtimeMs, () => Date.now());
    return failed({}, `the job record (job.json) is unreadable: ${(error as Error).message}`, 'DATA_LOSS', created);
  }
  const envelope = recordSchema.safeParse(json);
  if (!envelope.success) {
    const raw = (json ?? {}) as Record<string, unknown>;
    const kind = typeof raw.kind === 'string' ? raw.kind : 'unknown';
    const created = typeof raw.createdAtMs === 'number' ? raw.createdAtMs : Date.now();
    return failed({ kind, request: raw.request ?? null }, `the job record (job.json) is not one this daemon can read: ${describe(envelope.error)}`, 'DATA_LOSS', created);
  }
  const record: JobRecord = { ...envelope.data, id };
  if (TERMINAL_STATES.has(record.state)) return { record };
  const def = kinds.get(record.kind);
  if (!def) return failed(record, `no ${record.kind} jobs in this daemon: the job cannot resume (known kinds: ${[...kinds.keys()].join(', ')})`, 'FAILED_PRECONDITION', record.createdAtMs);
  const request = def.request.safeParse(record.request);
  if (!request.success) {
    return failed(record, `the stored request of this ${record.kind} job does not match this daemon's format (written by an older or newer version, or damaged), so it cannot resume: ${describe(request.error)}`, 'FAILED_PRECONDITION', record.createdAtMs);
  }
  return { record, request: request.data };
}
