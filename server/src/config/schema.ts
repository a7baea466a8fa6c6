// Every daemon setting, its type, default and meaning, in one place. The YAML file, HYPERFACE_*
// environment variables and CLI flags all go through this table (see load.ts), and
// `hyperface serve --print-config` / docs/configuration.md are generated from it.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export type LeafType = 'string' | 'int' | 'number' | 'bool' | 'enum' | 'string[]';

export interface Leaf {
  type: LeafType;
  default: string | number | boolean | string[] | undefined;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

/** Dotted path → setting. Order is the documentation order. */
export const SETTINGS = {
  listen: { type: 'string', default: '127.0.0.1:50051', doc: 'HOST:PORT to serve gRPC on. Port 0 picks a free port. Binds loopback unless told otherwise.' },
  dataDir: { type: 'string', default: undefined, doc: 'Where jobs (event logs, checkpoints, results) persist. Unset = the per-user state folder `$XDG_STATE_HOME/hyperface` (`~/.local/state/hyperface` when XDG_STATE_HOME is unset or relative). A relative path is relative to the working directory.' },
  dataRoot: { type: 'string', default: '.', doc: 'Every path a request names (galleries, datasets, outputs) must resolve inside this folder (no `..`, no symlink escape), and never inside dataDir (refused even where dataDir lies in this folder; a dataRoot inside dataDir is refused at start-up).' },
  logLevel: { type: 'enum', default: 'info', values: ['debug', 'info', 'warn', 'error', 'silent'], doc: 'Structured JSON log level (stderr).' },
  'compute.device': { type: 'enum', default: 'cpu', values: ['cpu', 'gpu'], doc: 'Default device for packing block computations; gpu = onnxruntime WebGPU EP, falling back to cpu.' },
  'limits.maxIdentities': { type: 'int', default: 2_000_000, min: 2, doc: 'Largest N a Pack or Generate request may ask for.' },
  'limits.maxImagesPerIdentity': { type: 'int', default: 10_000, min: 1, doc: 'Largest images_per_identity.' },
  'limits.maxGallerySize': { type: 'int', default: 50_000, min: 1, doc: 'Largest gallery.builtin_size of a Pack (faces rendered and embedded for a builtin gallery).' },
  'limits.maxConcurrentJobs': { type: 'int', default: 16, min: 1, max: 1024, doc: 'Jobs (pack, generate, evaluate streams) running at once. Admission is atomic: a request beyond it gets RESOURCE_EXHAUSTED with a retry delay (it is refused, not queued). Unfinished jobs resumed after a restart wait QUEUED for a slot, ahead of new requests.' },
  'limits.maxJobAttempts': { type: 'int', default: 3, min: 1, max: 100, doc: 'Runs a job may start without finishing (the daemon crashed or was killed while it ran; a graceful shutdown does not count). At start-up a job that reached this many is FAILED instead of resumed again.' },
  'limits.memoryBudgetBytes': { type: 'int', default: 0, min: 0, doc: 'Memory the running jobs may need together, by the estimate each gets from its shape before it is accepted (Pack N × D × mode + gallery, Generate identities + faces ahead, evaluations). A job that does not fit gets RESOURCE_EXHAUSTED with its estimate and this budget. 0 = half the memory of the machine (or of the cgroup limit).' },
  'limits.maxImagePixels': { type: 'int', default: 25_000_000, min: 1, doc: 'Largest image (width × height) decoded for face detection or embedding (Embed, image-folder galleries, evaluation images); larger ones are refused from their header, before decoding.' },
  'limits.maxMessageBytes': { type: 'int', default: 4 * 1024 * 1024, min: 1024, doc: 'Largest gRPC message received or sent.' },
  'limits.generateAhead': { type: 'int', default: 16, min: 1, max: 4096, doc: 'Samples rendered ahead of a slow client (the bound on buffered faces per stream).' },
  'limits.maxEmbedInFlight': { type: 'int', default: 64, min: 1, doc: 'Embed requests of one stream in flight before the daemon stops reading from it.' },
  'limits.maxEvaluationPairs': { type: 'int', default: 1_000_000, min: 1, doc: 'Most verification pairs a file may hold (.bin, pairs.txt, .npy labels), and the largest EvaluateDataset `pairs`. Larger is INVALID_ARGUMENT.' },
  'limits.maxDatasetSamples': { type: 'int', default: 10_000_000, min: 1, doc: 'Most images a dataset read for evaluation may list (RecordIO header and train.idx, manifest.jsonl, image folders). Larger is INVALID_ARGUMENT.' },
  'limits.maxGenerateImages': { type: 'int', default: 100_000_000, min: 1, doc: 'Most samples (identities × images_per_identity) one Generate may produce; more is INVALID_ARGUMENT.' },
  'limits.maxLoopBlockMs': { type: 'int', default: 30_000, min: 1000, doc: 'Longest the main thread may be blocked (`hyperface serve`): past it a watchdog thread ends the process, and the jobs then running are FAILED at the next start instead of resumed. A SIGTERM is honoured within shutdown.graceMs + 5 s, or this, whichever comes first.' },
  'limits.maxCallsPerClient': { type: 'int', default: 64, min: 1, doc: 'Concurrent calls per bearer token (per peer address without auth); more get RESOURCE_EXHAUSTED. Reflection (open without a token) counts per token or per peer, and so does a health Watch stream; only the health Check is exempt.' },
  'limits.maxConcurrentRequests': { type: 'int', default: 16, min: 1, max: 4096, doc: 'Interactive requests (small Generate calls that write no dataset, see serving.interactiveMaxFaces) running at once. They are not jobs: no record, no event log. Beyond this they wait in the admission queue.' },
  'limits.maxQueuedRequests': { type: 'int', default: 256, min: 0, doc: 'Interactive requests waiting beyond limits.maxConcurrentRequests, served in FIFO order with round-robin across callers (bearer token, or peer address without auth). Only a request that finds the queue full gets RESOURCE_EXHAUSTED (with a retry delay, sent as `grpc-retry-pushback-ms`). A waiting request honours its deadline (DEADLINE_EXCEEDED) and cancellation.' },
  'recognition.maxBatch': { type: 'int', default: 32, min: 1, max: 1024, doc: 'Dynamic batching: largest recognizer batch.' },
  'recognition.maxDelayMs': { type: 'int', default: 5, min: 0, max: 1000, doc: 'Dynamic batching: longest wait for a batch to fill.' },
  'serving.interactiveMaxFaces': { type: 'int', default: 256, min: 0, doc: 'A Generate that writes no dataset (no output_dir), does not detach and asks for at most this many faces (identities × images_per_identity) is an interactive request: served from memory, queued and batched, never persisted as a job. Larger ones and every dataset-writing request are durable jobs. 0 = every Generate is a job.' },
  'generation.preferredBatchSize': { type: 'int', default: 16, min: 1, max: 1024, doc: 'Cross-request dynamic batching of generators: faces of concurrent requests are rendered together, up to this many per generator call. A model entry\'s `batching.preferredBatchSize` overrides it for that model.' },
  'generation.maxQueueDelayMs': { type: 'int', default: 2, min: 0, max: 1000, doc: 'Cross-request dynamic batching of generators: longest wait for a batch to fill before it is rendered anyway. A model entry\'s `batching.maxQueueDelayMs` overrides it for that model.' },
  'jobs.retention.maxAgeSeconds': { type: 'int', default: 604_800, min: 0, doc: 'Finished jobs (succeeded, failed, cancelled) whose last change is older than this are removed with their folder (record, event log, results). 0 = no age limit.' },
  'jobs.retention.maxCount': { type: 'int', default: 1000, min: 0, doc: 'Finished jobs kept at most; the oldest beyond this are removed. 0 = no count limit. Queued and running jobs are never removed, nor a job a client is watching (WatchJob, or the stream that started it) while it watches.' },
  'jobs.retention.intervalMs': { type: 'int', default: 60_000, min: 50, doc: 'How often the retention policy is applied (also once at start).' },
  'pool.workers': { type: 'int', default: 0, min: 0, max: 256, doc: 'Preprocessing worker threads; 0 = the CPUs this process may use.' },
  'pool.maxQueue': { type: 'int', default: 256, min: 1, doc: 'Queued preprocessing tasks before RESOURCE_EXHAUSTED.' },
  'pool.device': { type: 'enum', default: 'cpu', values: ['cpu', 'gpu'], doc: 'Where the pool workers run the face detector and landmark models (ONNX); gpu = onnxruntime WebGPU EP, falling back to cpu.' },
  'shutdown.graceMs': { type: 'int', default: 10_000, min: 0, doc: 'SIGTERM: time to finish or checkpoint running jobs before exiting.' },
  'auth.tokenFile': { type: 'string', default: undefined, doc: 'File with one bearer token per line (or `sha256:<hex>` hashes). Unset = no auth.' },
  'auth.tokens': { type: 'string[]', default: [], doc: 'Bearer tokens as `sha256:<hex>` hashes (plain tokens allowed, not recommended).' },
  'tls.cert': { type: 'string', default: undefined, doc: 'PEM server certificate; with tls.key enables TLS.' },
  'tls.key': { type: 'string', default: undefined, doc: 'PEM private key.' },
  'tls.clientCa': { type: 'string', default: undefined, doc: 'PEM CA for client certificates; set = mTLS (clients must present a certificate).' },
  'metrics.listen': { type: 'string', default: undefined, doc: 'HOST:PORT for the Prometheus /metrics endpoint. Unset = off.' },
  'telemetry.otlpEndpoint': { type: 'string', default: undefined, doc: 'OTLP/HTTP traces endpoint (e.g. http://collector:4318/v1/traces). Unset = off.' },
  'defaults.recognizer': { type: 'string', default: undefined, doc: 'Recognizer used when a request names none. Unset = `faceres` (the space the builtin generator was trained in).' },
  'defaults.generator': { type: 'string', default: undefined, doc: 'Generator used when a request names none. Unset = the first generator (`builtin`).' },
  'models.builtin': { type: 'bool', default: true, doc: 'Register the embedded models (faceres, faceapi recognizers; builtin generator).' },
  'models.load': { type: 'string[]', default: [], doc: 'Names of the models to load at start; empty = all registered models.' },
} as const satisfies Record<string, Leaf>;

export type SettingPath = keyof typeof SETTINGS;

/** `models.entries` (a list of model declarations) follows the zod schema in runtime/models/schema.ts. */
export const NESTED_SECTIONS = ['models.entries'] as const;

export interface Config {
  listen: string;
  dataDir: string;
  dataRoot: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  compute: { device: 'cpu' | 'gpu' };
  limits: {
    maxIdentities: number;
    maxImagesPerIdentity: number;
    maxGallerySize: number;
    maxConcurrentJobs: number;
    maxJobAttempts: number;
    memoryBudgetBytes: number;
    maxImagePixels: number;
    maxMessageBytes: number;
    generateAhead: number;
    maxEmbedInFlight: number;
    maxCallsPerClient: number;
    maxLoopBlockMs: number;
    maxGenerateImages: number;
    maxConcurrentRequests: number;
    maxQueuedRequests: number;
    maxEvaluationPairs: number;
    maxDatasetSamples: number;
  };
  recognition: { maxBatch: number; maxDelayMs: number };
  serving: { interactiveMaxFaces: number };
  generation: { preferredBatchSize: number; maxQueueDelayMs: number };
  jobs: { retention: { maxAgeSeconds: number; maxCount: number; intervalMs: number } };
  pool: { workers: number; maxQueue: number; device: 'cpu' | 'gpu' };
  shutdown: { graceMs: number };
  auth: { tokenFile?: string; tokens: string[] };
  tls: { cert?: string; key?: string; clientCa?: string };
  metrics: { listen?: string };
  telemetry: { otlpEndpoint?: string };
  defaults: { recognizer?: string; generator?: string };
  /** `baseDir`: the folder relative paths in `entries` resolve against (the config file's; the working directory without one). */
  models: { builtin: boolean; load: string[]; entries: unknown[]; baseDir: string };
}

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
