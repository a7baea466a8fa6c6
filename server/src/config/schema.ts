// Every daemon setting, its type, default and meaning, in one zod schema. The YAML file,
// HYPERFACE_* environment variables and CLI flags are merged into one object and parsed by it once
// (load.ts); `hyperface serve --settings`, --print-config and docs/configuration.md come from it.
//
// To add a setting: add one line to its section below (a leaf helper carries the default, the
// bounds and the doc). The Config type, the environment variable (HYPERFACE_SECTION_KEY), the
// flag (--section-key) and the docs row follow; then run `npm run build && npm run gen:docs`.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as z from 'zod';
import { modelDefaultsShape, modelsShape } from '../runtime/models/model-config-schema.js';
import type { ModelsConfig } from '../runtime/models/config.js';

// --- leaf helpers: one call per setting ---------------------------------------------------------

interface Bounds {
  min?: number;
  max?: number;
}

function int(def: number, bounds: Bounds, doc: string) {
  let s = z.number({ error: 'expected a number' }).int({ error: 'expected an integer' });
  if (bounds.min !== undefined) s = s.min(bounds.min, { error: `must be >= ${bounds.min}` });
  if (bounds.max !== undefined) s = s.max(bounds.max, { error: `must be <= ${bounds.max}` });
  return s.default(def).meta({ description: doc });
}
/** A string setting; `def` undefined = unset unless given. */
function str(def: string, doc: string): z.ZodDefault<z.ZodString>;
function str(def: undefined, doc: string): z.ZodOptional<z.ZodString>;
function str(def: string | undefined, doc: string): z.ZodDefault<z.ZodString> | z.ZodOptional<z.ZodString> {
  const s = z.string({ error: 'expected a string' });
  return (def === undefined ? s.optional() : s.default(def)).meta({ description: doc });
}
function oneOf<const V extends readonly [string, ...string[]]>(values: V, def: V[number], doc: string) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` }).default(def as never).meta({ description: doc });
}
function strings(doc: string) {
  return z.array(z.string({ error: 'expected a list of strings' }), { error: 'expected a list of strings' }).default([]).meta({ description: doc });
}
/** A section of settings: a strict mapping (an unknown key is an error naming it). */
function section<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? UNKNOWN : iss.code === 'invalid_type' ? 'must be a mapping' : undefined) }).prefault({} as never);
}
export const UNKNOWN = 'unknown setting';

// --- the settings, in documentation order -------------------------------------------------------

const DEVICES = ['cpu', 'gpu'] as const;

export const configSchema = z.strictObject(
  {
    listen: str('127.0.0.1:50051', 'HOST:PORT to serve gRPC on. Port 0 picks a free port. Binds loopback unless told otherwise.'),
    dataDir: str(undefined, 'Where jobs (event logs, checkpoints, results) persist. Unset = the per-user state folder `$XDG_STATE_HOME/hyperface` (`~/.local/state/hyperface` when XDG_STATE_HOME is unset or relative). A relative path is relative to the working directory.'),
    dataRoot: str('.', 'Every path a request names (galleries, datasets, outputs) must resolve inside this folder (no `..`, no symlink escape), and never inside dataDir (refused even where dataDir lies in this folder; a dataRoot inside dataDir is refused at start-up).'),
    logLevel: oneOf(['debug', 'info', 'warn', 'error', 'silent'], 'info', 'Structured JSON log level (stderr).'),
    compute: section({
      device: oneOf(DEVICES, 'cpu', 'Default device for packing block computations; gpu = onnxruntime WebGPU EP, falling back to cpu.'),
    }),
    limits: section({
      maxIdentities: int(2_000_000, { min: 2 }, 'Largest N a Pack or Generate request may ask for.'),
      maxImagesPerIdentity: int(10_000, { min: 1 }, 'Largest images_per_identity.'),
      maxGallerySize: int(50_000, { min: 1 }, 'Largest gallery.builtin_size of a Pack (faces rendered and embedded for a builtin gallery).'),
      maxConcurrentJobs: int(16, { min: 1, max: 1024 }, 'Jobs (pack, generate, evaluate streams) running at once. Admission is atomic: a request beyond it gets RESOURCE_EXHAUSTED with a retry delay (it is refused, not queued). Unfinished jobs resumed after a restart wait QUEUED for a slot, ahead of new requests.'),
      maxJobAttempts: int(3, { min: 1, max: 100 }, 'Runs a job may start without finishing (the daemon crashed or was killed while it ran; a graceful shutdown does not count). At start-up a job that reached this many is FAILED instead of resumed again.'),
      memoryBudgetBytes: int(0, { min: 0 }, 'Memory the running jobs may need together, by the estimate each gets from its shape before it is accepted (Pack N × D × mode + gallery, Generate identities + faces ahead, evaluations). A job that does not fit gets RESOURCE_EXHAUSTED with its estimate and this budget. 0 = half the memory of the machine (or of the cgroup limit).'),
      maxImagePixels: int(25_000_000, { min: 1 }, 'Largest image (width × height) decoded for face detection or embedding (Embed, image-folder galleries, evaluation images); larger ones are refused from their header, before decoding.'),
      maxMessageBytes: int(4 * 1024 * 1024, { min: 1024 }, 'Largest gRPC message received or sent.'),
      generateAhead: int(16, { min: 1, max: 4096 }, 'Samples rendered ahead of a slow client (the bound on buffered faces per stream).'),
      maxEmbedInFlight: int(64, { min: 1 }, 'Embed requests of one stream in flight before the daemon stops reading from it.'),
      maxEvaluationPairs: int(1_000_000, { min: 1 }, 'Most verification pairs a file may hold (.bin, pairs.txt, .npy labels), and the largest EvaluateDataset `pairs`. Larger is INVALID_ARGUMENT.'),
      maxDatasetSamples: int(10_000_000, { min: 1 }, 'Most images a dataset read for evaluation may list (RecordIO header and train.idx, manifest.jsonl, image folders). Larger is INVALID_ARGUMENT.'),
      maxGenerateImages: int(100_000_000, { min: 1 }, 'Most samples (identities × images_per_identity) one Generate may produce; more is INVALID_ARGUMENT.'),
      maxLoopBlockMs: int(30_000, { min: 1000 }, 'Longest the main thread may be blocked (`hyperface serve`): past it a watchdog thread ends the process, and the jobs then running are FAILED at the next start instead of resumed. A SIGTERM is honoured within shutdown.graceMs + 5 s, or this, whichever comes first.'),
      maxCallsPerClient: int(64, { min: 1 }, 'Concurrent calls per bearer token (per peer address without auth); more get RESOURCE_EXHAUSTED. Reflection (open without a token) counts per token or per peer, and so does a health Watch stream; only the health Check is exempt.'),
      maxConcurrentRequests: int(16, { min: 1, max: 4096 }, 'Interactive requests (small Generate calls that write no dataset, see serving.interactiveMaxFaces) running at once. They are not jobs: no record, no event log. Beyond this they wait in the admission queue.'),
      maxQueuedRequests: int(256, { min: 0 }, 'Interactive requests waiting beyond limits.maxConcurrentRequests, served in FIFO order with round-robin across callers (bearer token, or peer address without auth). Only a request that finds the queue full gets RESOURCE_EXHAUSTED (with a retry delay, sent as `grpc-retry-pushback-ms`). A waiting request honours its deadline (DEADLINE_EXCEEDED) and cancellation.'),
    }),
    recognition: section({
      maxBatch: int(32, { min: 1, max: 1024 }, 'Dynamic batching: largest recognizer batch.'),
      maxDelayMs: int(5, { min: 0, max: 1000 }, 'Dynamic batching: longest wait for a batch to fill.'),
    }),
    serving: section({
      interactiveMaxFaces: int(256, { min: 0 }, 'A Generate that writes no dataset (no output_dir), does not detach and asks for at most this many faces (identities × images_per_identity) is an interactive request: served from memory, queued and batched, never persisted as a job. Larger ones and every dataset-writing request are durable jobs. 0 = every Generate is a job.'),
    }),
    generation: section({
      preferredBatchSize: int(16, { min: 1, max: 1024 }, "Cross-request dynamic batching of generators: faces of concurrent requests are rendered together, up to this many per generator call. A model entry's `batching.preferredBatchSize` overrides it for that model."),
      maxQueueDelayMs: int(2, { min: 0, max: 1000 }, "Cross-request dynamic batching of generators: longest wait for a batch to fill before it is rendered anyway. A model entry's `batching.maxQueueDelayMs` overrides it for that model."),
    }),
    jobs: section({
      retention: section({
        maxAgeSeconds: int(604_800, { min: 0 }, 'Finished jobs (succeeded, failed, cancelled) whose last change is older than this are removed with their folder (record, event log, results). 0 = no age limit.'),
        maxCount: int(1000, { min: 0 }, 'Finished jobs kept at most; the oldest beyond this are removed. 0 = no count limit. Queued and running jobs are never removed, nor a job a client is watching (WatchJob, or the stream that started it) while it watches.'),
        intervalMs: int(60_000, { min: 50 }, 'How often the retention policy is applied (also once at start).'),
      }),
    }),
    pool: section({
      workers: int(0, { min: 0, max: 256 }, 'Preprocessing worker threads; 0 = the CPUs this process may use.'),
      maxQueue: int(256, { min: 1 }, 'Queued preprocessing tasks before RESOURCE_EXHAUSTED.'),
      device: oneOf(DEVICES, 'cpu', 'Where the pool workers run the face detector and landmark models (ONNX); gpu = onnxruntime WebGPU EP, falling back to cpu.'),
    }),
    shutdown: section({
      graceMs: int(10_000, { min: 0 }, 'SIGTERM: time to finish or checkpoint running jobs before exiting.'),
    }),
    auth: section({
      tokenFile: str(undefined, 'File with one bearer token per line (or `sha256:<hex>` hashes). Unset = no auth.'),
      tokens: strings('Bearer tokens as `sha256:<hex>` hashes (plain tokens allowed, not recommended).'),
    }),
    tls: section({
      cert: str(undefined, 'PEM server certificate; with tls.key enables TLS.'),
      key: str(undefined, 'PEM private key.'),
      clientCa: str(undefined, 'PEM CA for client certificates; set = mTLS (clients must present a certificate).'),
    }),
    metrics: section({
      listen: str(undefined, 'HOST:PORT for the Prometheus /metrics endpoint. Unset = off.'),
    }),
    telemetry: section({
      otlpEndpoint: str(undefined, 'OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces). Unset = off.'),
    }),
    // Declared with the model catalogue (runtime/models/model-config-schema.ts); `models.entries` is file-only.
    defaults: section(modelDefaultsShape),
    models: section(modelsShape),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? UNKNOWN : iss.code === 'invalid_type' ? 'must be a mapping' : undefined) },
);

type Parsed = z.output<typeof configSchema>;

/** The daemon's configuration: the parsed schema, with dataDir filled in and the models resolved. */
export type Config = Omit<Parsed, 'dataDir' | 'models'> & {
  dataDir: string;
  /**
   * The registered models (builtins + `models.entries`, narrowed to `models.load`) with the default
   * names resolved; `baseDir`: the folder relative model paths resolve against (the config file's;
   * the working directory without one).
   */
  models: ModelsConfig & { baseDir: string };
};

// --- the leaves, for the environment, the flags and the docs ------------------------------------

/** How a leaf's text (an env value or a flag) becomes its value before the schema checks it. */
export type LeafKind = 'string' | 'number' | 'bool' | 'list';

export interface Setting {
  path: string;
  kind: LeafKind;
  schema: z.ZodType;
}

/** Wrappers that hold the real type inside (defaults, optionals, prefaults). */
function unwrap(s: z.ZodType): z.ZodType {
  type Wrapped = z.ZodType & { _zod: { def: { type: string; innerType?: Wrapped } } };
  let cur = s as Wrapped;
  while (cur._zod.def.innerType && ['default', 'prefault', 'optional'].includes(cur._zod.def.type)) cur = cur._zod.def.innerType;
  return cur;
}

function kindOf(s: z.ZodType): LeafKind | undefined {
  const def = (unwrap(s) as unknown as { _zod: { def: { type: string; element?: z.ZodType } } })._zod.def;
  if (def.type === 'number') return 'number';
  if (def.type === 'boolean') return 'bool';
  if (def.type === 'string' || def.type === 'enum') return 'string';
  if (def.type === 'array' && def.element && kindOf(def.element) === 'string') return 'list';
  return undefined; // structured (models.entries): only in the file
}

function leaves(shape: z.ZodRawShape, prefix: string, out: Setting[]): Setting[] {
  for (const [key, schema] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const inner = unwrap(schema as z.ZodType);
    if (inner instanceof z.ZodObject) leaves(inner.shape, path, out);
    else {
      const kind = kindOf(schema as z.ZodType);
      if (kind) out.push({ path, kind, schema: schema as z.ZodType });
    }
  }
  return out;
}

/** Every setting that has an environment variable and a flag, in documentation order. */
export const SETTINGS: readonly Setting[] = leaves(configSchema.shape, '', []);
export const SETTINGS_BY_PATH: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.path, s]));

/** The default dataDir: a per-user state folder (XDG base directories), never the working directory. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'state'), 'hyperface');
}

/** Environment variable for a setting: HYPERFACE_ + the path in upper snake case. */
export function envName(path: string): string {
  return 'HYPERFACE_' + path.split('.').map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Flag for a setting: --data-dir, --limits-max-identities. */
export function flagName(path: string): string {
  return path.split('.').map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()).join('-');
}
