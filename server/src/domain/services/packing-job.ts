// The 'pack' job kind: the schema of its persisted request (job.json), checked when the daemon loads
// an unfinished pack job, so an old or damaged request fails that job with the reason.
import * as z from 'zod';
import { jobKind } from '../jobs/types.js';
import type { PackMode, PackParams } from '../packing/index.js';
import type { FixedRequest } from './packing-fixed.js';

const PACK_MODES = ['fast', 'paper', 'stochastic', 'random', 'random-gallery', 'code'] as const;
// A mode added to PackMode but not here is a compile error (its jobs could not resume).
export const allModesListed: [Exclude<PackMode, (typeof PACK_MODES)[number]>] extends [never] ? true : never = true;

const count = z.number().int().nonnegative();
const path = z.string();

// Loose: keys a newer PackParams adds pass through; a required one it adds must be added here (compile error).
const paramsSchema = z.looseObject({
  identities: count,
  dim: count,
  mode: z.enum(PACK_MODES),
  init: z.enum(['gallery', 'random', 'code']),
  alpha: z.number(),
  learningRate: z.number(),
  iterations: count,
  batchSize: count,
  seed: z.number(),
  maxSeconds: z.number(),
  progressEvery: count,
  checkpointEvery: count,
  device: z.enum(['cpu', 'gpu']),
}) satisfies z.ZodType<PackParams>;

export const packRequestSchema = z.looseObject({
  params: paramsSchema,
  recognizer: z.string(),
  gallery: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }),
    z.object({ kind: z.literal('file'), path }),
    z.object({ kind: z.literal('image_dir'), path }),
    z.object({ kind: z.literal('builtin'), size: count }),
  ]),
  outputPath: path.optional(),
  // Exclusion / extend sets (packing-fixed.ts): checked by loadFixed when the job runs.
  fixed: z.looseObject({}).optional(),
});

/** The persisted job request. Inline galleries are written into the job folder so resume can read them. */
export interface PackJobRequest {
  params: PackParams;
  recognizer: string;
  gallery: { kind: 'none' } | { kind: 'file'; path: string } | { kind: 'image_dir'; path: string } | { kind: 'builtin'; size: number };
  outputPath?: string | undefined;
  fixed?: FixedRequest | undefined;
}

export const packJob = jobKind<PackJobRequest>('pack', packRequestSchema);
