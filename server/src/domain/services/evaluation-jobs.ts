// The evaluation job kinds: the schemas of their persisted requests (job.json), checked when the
// daemon loads an unfinished evaluation job. Inline embeddings are stored as a JSON array and come
// back as a Float32Array through the schema.
import * as z from 'zod';
import { jobKind } from '../jobs/types.js';
import type { VerificationSource } from '../evaluation/index.js';
import type { DatasetInput, VerifyInput } from './evaluation.js';

const count = z.number().int().nonnegative();

const sourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bin'), path: z.string() }),
  z.object({ kind: z.literal('lfw'), pairsPath: z.string(), imageDir: z.string() }),
  z.object({ kind: z.literal('npy'), embeddingsPath: z.string(), issamePath: z.string() }),
  z.object({
    kind: z.literal('embeddings'),
    embeddings: z.array(z.number()).transform((a) => Float32Array.from(a)),
    dim: count,
    issame: z.array(z.boolean()),
  }),
]) satisfies z.ZodType<VerificationSource>;

export const verifyRequestSchema = z.looseObject({
  source: sourceSchema,
  recognizer: z.string().optional(),
  flip: z.boolean(),
  folds: count,
  detect: z.boolean(),
  name: z.string().optional(),
  reportDir: z.string().optional(),
});

export const datasetRequestSchema = z.looseObject({
  path: z.string(),
  comparePath: z.string().optional(),
  recognizer: z.string().optional(),
  judgeRecognizer: z.string().optional(),
  maxIdentities: count,
  maxSamplesPerIdentity: count,
  pairs: count,
  seed: z.number(),
  reportDir: z.string().optional(),
});

export const verifyJob = jobKind<VerifyInput>('evaluate_verification', verifyRequestSchema);
export const datasetJob = jobKind<DatasetInput>('evaluate_dataset', datasetRequestSchema);
