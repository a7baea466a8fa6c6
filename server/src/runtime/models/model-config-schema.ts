// The `models` section of the daemon config as one zod schema: a union discriminated on `backend`
// (each backend strict about its own keys, with its own defaults). The TypeScript types, the
// validation (every problem at once, each with its path) and the reference table in
// docs/recognizers.md (scripts/gen-docs.mjs) all come from it.
import * as z from 'zod';

export const RECOGNIZER_BACKENDS = ['onnx', 'tfjs', 'kserve-v2'] as const;
export const GENERATOR_BACKENDS = ['builtin', 'onnx-decoder', 'onnx-diffusion'] as const;
export const MODEL_BACKENDS = [...RECOGNIZER_BACKENDS, ...GENERATOR_BACKENDS] as const;
export type ModelBackendName = (typeof MODEL_BACKENDS)[number];
export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

/** Keys that are not allowed where they were written, with what to write instead. */
const KEY_HINTS: Record<string, string> = {
  kserve: 'only allowed with backend kserve-v2',
  tfjs: 'only allowed with backend tfjs',
  builtins: 'renamed: write `builtin`',
};

/** A strict object whose unknown-key error lists the allowed keys (split per key by toProblems). */
function strict<S extends z.ZodRawShape>(shape: S, missing = 'must be an object'): z.ZodObject<S, z.core.$strict> {
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `allowed: ${Object.keys(shape).join(', ')}` : iss.code === 'invalid_type' ? (iss.input === undefined ? missing : 'must be an object') : undefined),
  });
}

const text = (what = 'a string') => z.string({ error: `must be ${what}` }).min(1, { error: 'must not be empty' });
const int = (min: number, max?: number) => {
  const base = z.number({ error: 'must be a finite number' }).int({ error: 'must be an integer' }).min(min, { error: `must be >= ${min}` });
  return max === undefined ? base : base.max(max, { error: `must be <= ${max}` });
};
const positive = () => z.number({ error: 'must be a finite number' }).positive({ error: 'must be > 0' });
const triple = (item: z.ZodNumber, doc: string) =>
  z
    .union([item, z.tuple([item, item, item])], { error: 'must be a number or an array of 3 numbers' })
    .transform((v): [number, number, number] => (typeof v === 'number' ? [v, v, v] : v))
    .meta({ description: doc });

/** Input spec with the defaults of one family of backends (tfjs graphs want raw 0–255 NHWC). */
function inputSpec(tfjs: boolean) {
  return strict({
    size: int(8, 4096).default(112).meta({ description: 'Square side in pixels; taken from the model file when it is fixed there.' }),
    layout: z.enum(['NCHW', 'NHWC'], { error: 'must be one of NCHW, NHWC' }).default(tfjs ? 'NHWC' : 'NCHW').meta({ description: 'Tensor layout the model takes.' }),
    colorOrder: z.enum(['RGB', 'BGR'], { error: 'must be one of RGB, BGR' }).default('RGB').meta({ description: 'Channel order the model takes.' }),
    scale: positive().default(1).meta({ description: 'x = (pixel * scale - mean[c]) / std[c].' }),
    mean: triple(z.number({ error: 'must be a finite number' }), 'Per channel (in colorOrder) or one value for all.').default(tfjs ? [0, 0, 0] : [127.5, 127.5, 127.5]),
    std: triple(positive(), 'Per channel (in colorOrder) or one value for all.').default(tfjs ? [1, 1, 1] : [127.5, 127.5, 127.5]),
  })
    .prefault({})
    .meta({ description: 'How aligned uint8 RGB crops become the input tensor.' });
}

const outputSpec = strict({
  name: text().optional().meta({ description: 'Output tensor to read; unset = the first output whose last dimension is `dim` (or the first output).' }),
  dim: int(1).optional().meta({ description: 'Embedding dimension, checked against the model at load; unset = taken from the model.' }),
}).prefault({});

const kserveSpec = strict(
  {
  url: z
    .string({ error: 'must be a string' })
    .regex(/^(grpcs?:\/\/)?[^/\s]+:\d+$/, { error: 'must be host:port, optionally prefixed grpc:// or grpcs://' })
    .meta({ description: '`host:port`, optionally prefixed `grpc://` (plaintext, the default) or `grpcs://` (TLS).' }),
  modelName: text().optional().meta({ description: 'Model name on the inference server; unset = the entry name.' }),
  version: z.string({ error: 'must be a string' }).default('').meta({ description: "Model version; '' = the server's choice." }),
  timeoutMs: int(1).default(10_000).meta({ description: 'Per-call deadline.' }),
  inputName: text().default('input').meta({ description: 'Input tensor name on the server.' }),
  outputName: text().default('output').meta({ description: 'Output tensor name on the server.' }),
  maxBatch: int(1).default(32).meta({ description: 'Largest batch sent in one ModelInfer call.' }),
  },
  'is required for backend kserve-v2 (an object with at least `url`)',
);

const tfjsSpec = strict({
  format: z.enum(['graph-model', 'face-api'], { error: 'must be one of graph-model, face-api' }).meta({
    description: '`graph-model` (a tfjs_graph_model model.json) or `face-api` (a recognition weights manifest); unset = `face-api` for `*weights_manifest.json`, else graph-model.',
  }),
});

const kindSchema = (backend: string, generatorOnly: boolean) =>
  (generatorOnly
    ? z.literal('generator', { error: (iss) => (iss.input === 'recognizer' ? `backend ${backend} cannot serve a recognizer (use ${RECOGNIZER_BACKENDS.join(', ')})` : 'must be generator') })
    : z.enum(['recognizer', 'generator'], { error: 'must be one of recognizer, generator' })
  ).meta({ description: `Recognizer backends: ${RECOGNIZER_BACKENDS.join(', ')}; kserve-v2 also serves generators.` });

/** The keys every backend shares. */
function common<B extends ModelBackendName>(backend: B, opts: { generatorOnly?: boolean; needsFiles?: boolean; tfjsInput?: boolean } = {}) {
  const files = z.array(text('a path'), { error: 'must be an array of paths' });
  return {
    name: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Za-z0-9._-]+$/, { error: 'may only contain letters, digits, ".", "_" and "-"' })
      .meta({ description: 'Unique model name.' }),
    kind: kindSchema(backend, opts.generatorOnly ?? false),
    backend: z.literal(backend).meta({ description: 'What runs the model (server/src/runtime/backends); selects the keys below.' }),
    files: (opts.needsFiles ? files.min(1, { error: `backend ${backend} needs at least one model file` }) : files.default([])).meta({
      description: 'Model files. Relative paths resolve against the config file\'s folder; `builtin:PKG/PATH` inside an installed npm package.',
    }),
    input: inputSpec(opts.tfjsInput ?? false),
    output: outputSpec,
    providers: z
      .array(z.enum(EXECUTION_PROVIDERS, { error: `must be one of ${EXECUTION_PROVIDERS.join(', ')}` }), { error: 'must be a non-empty array' })
      .min(1, { error: 'must be a non-empty array' })
      .default(['cpu'])
      .meta({ description: 'Execution providers in order of preference, with fallback (non-empty).' }),
    description: z.string({ error: 'must be a string' }).optional().meta({ description: 'Shown by ListModels.' }),
    options: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}).meta({ description: 'Free-form options for generator backends, validated by the backend.' }),
    batching: strict({
      preferredBatchSize: int(1, 1024).optional().meta({ description: 'Most faces per call; unset = `generation.preferredBatchSize`.' }),
      maxQueueDelayMs: int(0, 1000).optional().meta({ description: 'Longest wait for a batch to fill; unset = `generation.maxQueueDelayMs`.' }),
    })
      .optional()
      .meta({ description: 'Generators: cross-request dynamic batching of this model (docs/serving.md).' }),
  };
}

const onnxEntry = strict(common('onnx', { needsFiles: true }));
const tfjsEntry = strict({ ...common('tfjs', { needsFiles: true, tfjsInput: true }), tfjs: tfjsSpec.optional() });
const kserveEntry = strict({
  ...common('kserve-v2'),
  kserve: kserveSpec,
}).transform((e) => ({ ...e, kserve: { ...e.kserve, modelName: e.kserve.modelName ?? e.name } }));
const builtinEntry = strict(common('builtin', { generatorOnly: true }));
const decoderEntry = strict(common('onnx-decoder', { generatorOnly: true }));
const diffusionEntry = strict(common('onnx-diffusion', { generatorOnly: true }));

/** The per-backend entry schemas, in documentation order. */
export const ENTRY_SCHEMAS = { onnx: onnxEntry, tfjs: tfjsEntry, 'kserve-v2': kserveEntry, builtin: builtinEntry, 'onnx-decoder': decoderEntry, 'onnx-diffusion': diffusionEntry } as const;

export const modelEntrySchema = z.discriminatedUnion('backend', [onnxEntry, tfjsEntry, kserveEntry, builtinEntry, decoderEntry, diffusionEntry], {
  error: (iss) => (iss.code === 'invalid_union' ? `must be one of ${MODEL_BACKENDS.join(', ')}` : iss.code === 'invalid_type' ? 'must be an object' : undefined),
});

/**
 * The keys of the `models` section and of the default model names, declared once: the daemon
 * config (config/schema.ts) puts them under `models` and `defaults`, the standalone section
 * (`modelsSectionSchema`, validateModelsConfig) under `models` with `defaults` inside.
 */
export const modelsShape = {
  builtin: z.boolean({ error: 'must be a boolean' }).default(true).meta({ description: 'Register the npm-packaged models (faceres, faceapi recognizers; builtin generator); entries with the same name replace them.' }),
  load: z.array(text('a model name'), { error: 'must be an array of model names' }).default([]).meta({ description: 'Names of the models to load at start; empty = every registered model. An unknown name is an error.' }),
  entries: z.array(modelEntrySchema, { error: 'must be an array' }).default([]).meta({ description: 'Model declarations (fields below).' }),
};
export const modelDefaultsShape = {
  recognizer: text().optional().meta({ description: 'Recognizer used when a request names none. Unset = `faceres` (the space the builtin generator was trained in; the first recognizer when faceres is not registered).' }),
  generator: text().optional().meta({ description: 'Generator used when a request names none. Unset = `builtin` (the first generator when that is not registered).' }),
};

export const modelsSectionSchema = strict({ ...modelsShape, defaults: strict(modelDefaultsShape).prefault({}) });

export type InputSpec = z.output<ReturnType<typeof inputSpec>>;
export type OutputSpec = z.output<typeof outputSpec>;
export type KServeOptions = z.output<typeof kserveEntry>['kserve'];
export type TfjsOptions = z.output<typeof tfjsSpec>;
/** One validated model entry, defaults filled; `kserve` / `tfjs` are set only for their backend. */
export type ModelConfigEntry = z.output<typeof modelEntrySchema> & { kserve?: KServeOptions; tfjs?: TfjsOptions };
export type ModelsSectionInput = z.input<typeof modelsSectionSchema>;

export interface FieldProblem {
  field: string;
  description: string;
}

/** `entries`, 2, `input` → `models.entries[2].input`. */
export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), prefix);
}

/** Every zod issue as one problem per field (an unknown-keys issue becomes one per key). */
export function toProblems(error: z.ZodError, prefix: string): FieldProblem[] {
  return error.issues.flatMap((iss): FieldProblem[] => {
    if (iss.code === 'unrecognized_keys') {
      return iss.keys.map((key) => ({ field: fieldPath(prefix, [...iss.path, key]), description: `unknown key "${key}" (${KEY_HINTS[key] ?? iss.message})` }));
    }
    return [{ field: fieldPath(prefix, iss.path), description: iss.message }];
  });
}
