// The 'generate' job kind: the schema of its persisted request (job.json), checked when the daemon
// loads an unfinished generate job, so an old or damaged request fails that job with the reason.
import * as z from 'zod';
import { jobKind } from '../jobs/types.js';
import type { GenerateInput } from './generation.js';

const num = z.number();
const count = z.number().int().nonnegative();

// Loose: keys newer parameters add pass through; the compile-time check below catches a required one.
const paramsSchema = z.looseObject({
  imagesPerIdentity: count.optional(),
  seed: num.optional(),
  generator: z.string().optional(),
  variation: z.looseObject({ beta: num, pose: num, color: num, background: num, accessories: num }).partial().optional(),
  identityOffset: count.optional(),
  identityCount: count.optional(),
  includeEmbedding: z.boolean().optional(),
  recognizer: z.string().optional(),
  minCosine: num.optional(),
  maxRetries: count.optional(),
});

export const generateRequestSchema = z.looseObject({
  params: paramsSchema,
  format: z.enum(['png', 'jpeg', 'raw']),
  jpegQuality: count,
  imageSize: count,
  outputDir: z.string().optional(),
  datasetFormat: z.enum(['none', 'imagefolder', 'recordio']),
  skipImages: z.boolean(),
  identitiesPath: z.string(),
  fingerprint: z.string().optional(),
  excludePath: z.string().optional(),
  excludeMinAngleDeg: num.optional(),
});

/** The persisted request: the identities as a file (the job folder's copy for inline ones, else the source file). */
export interface GenerateJobRequest extends Omit<GenerateInput, 'identities'> {
  identitiesPath: string;
  /** What the job writes (request + identities): an identical request attaches to it. */
  fingerprint?: string;
}

export const generateJob = jobKind<GenerateJobRequest>('generate', generateRequestSchema);
