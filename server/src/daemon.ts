// Process wiring only: config → runtime → domain → transport → listen. No logic of its own.
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/schema.js';
import { createLogger, type Logger } from './logging.js';
import { UnavailableError } from './errors.js';
import { JobManager } from './domain/jobs/manager.js';
import { resolveMemoryBudget } from './domain/jobs/memory.js';
import { PathPolicy } from './domain/paths.js';
import { PackingApp } from './domain/app/packing.js';
import { GenerationApp } from './domain/app/generation.js';
import { createGalleryBuilder } from './domain/app/galleries.js';
import { EvaluationApp } from './domain/app/evaluation.js';
import { NotFoundError } from './errors.js';
import { RecognitionService } from './domain/recognition/service.js';
import { PreprocessPool } from './runtime/pool/pool.js';
import { createComputeEngine, type ComputeEngine } from './runtime/compute/engine.js';
import { ModelRepository } from './runtime/models/repository.js';
import { validateModelsConfig } from './runtime/models/config.js';
import { GrpcServer } from './transport/server.js';
import { jobHandlers } from './transport/jobs.js';
import { modelHandlers } from './transport/models.js';
import { packingHandlers } from './transport/packing.js';
import { generationHandlers } from './transport/generation.js';
import { recognitionHandlers } from './transport/recognition.js';
import { evaluationHandlers } from './transport/evaluation.js';
import type { TransportDeps } from './transport/call.js';
import { createInterceptors, TokenSet } from './transport/interceptors.js';
import { Telemetry } from './telemetry.js';
import type { JobContext, JobRunner } from './domain/jobs/manager.js';
import type { JobKind } from './domain/jobs/types.js';

export const VERSION: string = (JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

export interface Daemon {
  readonly port: number;
  readonly address: string;
  /** Port of the Prometheus /metrics endpoint (0 when metrics.listen is unset). */
  readonly metricsPort: number;
  readonly telemetry: Telemetry;
  readonly config: Config;
  readonly log: Logger;
  /** Resolves when every model is loaded and warmed (health SERVING). */
  readonly ready: Promise<void>;
  /** SIGTERM behaviour: health NOT_SERVING → stop accepting → checkpoint running jobs → close. */
  shutdown(): Promise<void>;
}

export interface DaemonOptions {
  log?: Logger;
}

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<Daemon> {
  const log = options.log ?? createLogger(config.logLevel);
  const shutdownController = new AbortController();
  await mkdir(config.dataDir, { recursive: true });
  const tokens = TokenSet.load(config.auth.tokens, config.auth.tokenFile);
  const telemetry = Telemetry.create({ otlpEndpoint: config.telemetry.otlpEndpoint, version: VERSION });

  // --- runtime -------------------------------------------------------------------------------
  const modelsConfig = validateModelsConfig({
    builtins: config.models.builtin,
    entries: config.models.entries,
    defaults: { ...(config.defaults.recognizer ? { recognizer: config.defaults.recognizer } : {}), ...(config.defaults.generator ? { generator: config.defaults.generator } : {}) },
  });
  if (config.models.load.length > 0) modelsConfig.entries = modelsConfig.entries.filter((e) => config.models.load.includes(e.name));
  const engines = new Map<string, Promise<ComputeEngine>>();
  const compute = (device: 'cpu' | 'gpu'): Promise<ComputeEngine> => {
    let engine = engines.get(device);
    if (!engine) {
      engine = createComputeEngine({ device, log: (msg) => log.info(msg, { component: 'compute' }) }).then((e) => {
        if (device === 'gpu' && e.provider !== 'webgpu') log.warn('device gpu requested but no WebGPU adapter was found: packing runs on the CPU', { component: 'compute' });
        return e;
      });
      engines.set(device, engine);
    }
    return engine;
  };

  // --- domain --------------------------------------------------------------------------------
  const paths = new PathPolicy(config.dataRoot);
  const jobs = new JobManager({ dataDir: config.dataDir, maxConcurrentJobs: config.limits.maxConcurrentJobs, maxAttempts: config.limits.maxJobAttempts, memoryBudget: resolveMemoryBudget(config.limits.memoryBudgetBytes), log });
  const unfinished = await jobs.open();
  let models: ModelRepository | undefined;
  const requireModels = (): ModelRepository => {
    if (!models) throw new UnavailableError('models are still loading; retry shortly');
    return models;
  };
  const pool = new PreprocessPool({ workers: config.pool.workers, maxQueue: config.pool.maxQueue, maxPixels: config.limits.maxImagePixels });
  let recognition: RecognitionService | undefined;
  const requireRecognition = (): RecognitionService => {
    if (!recognition) throw new UnavailableError('models are still loading; retry shortly');
    return recognition;
  };
  const packing = new PackingApp({
    jobs,
    paths,
    compute,
    recognizerDim: (name) => {
      const r = requireModels().recognizer(name);
      return { name: r.info.name, dim: r.info.dim };
    },
    galleries: createGalleryBuilder({
      generator: (name) => requireModels().generator(name),
      recognition: requireRecognition,
      log: (msg, fields) => log.info(msg, { component: 'galleries', ...fields }),
    }),
    version: VERSION,
    maxIdentities: config.limits.maxIdentities,
  });
  // One span per job, and a count of jobs started by kind.
  const traced = (kind: JobKind, run: JobRunner): JobRunner => (ctx: JobContext) => {
    telemetry.jobsStarted.add(1, { kind });
    return telemetry.span(`job ${kind}`, { 'hyperface.job.id': ctx.id, 'hyperface.job.kind': kind, 'hyperface.job.resumes': ctx.resumes }, () => run(ctx));
  };
  telemetry.gauge('hyperface_jobs', 'Jobs by state', () => {
    const counts: Record<string, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const j of jobs.list()) counts[j.state] = (counts[j.state] ?? 0) + 1;
    return counts;
  });
  telemetry.gauge('hyperface_jobs_running', 'Jobs running now (queue depth of the job runner)', () => jobs.runningCount);
  telemetry.gauge('hyperface_pool_queue_depth', 'Preprocessing tasks waiting for a worker', () => pool.stats().queued);
  telemetry.gauge('hyperface_pool_utilization', 'Busy preprocessing workers / workers', () => {
    const st = pool.stats();
    return st.workers > 0 ? st.running / st.workers : 0;
  });
  jobs.register('pack', traced('pack', packing.run));
  const generation = new GenerationApp({
    jobs,
    paths,
    models: requireModels,
    maxImagesPerIdentity: config.limits.maxImagesPerIdentity,
    maxIdentities: config.limits.maxIdentities,
    generateAhead: config.limits.generateAhead,
    onFace: (generator) => telemetry.faces.add(1, { generator }),
  });
  jobs.register('generate', traced('generate', generation.run));
  const evaluation = new EvaluationApp({
    jobs,
    paths,
    evaluationDeps: () => {
      const service = requireRecognition();
      const repo = requireModels();
      return {
        embedder: service,
        align: async (encoded, size, opts) => {
          const prepared = await pool.prepare({ encoded, aligned: false, largestFace: true, flip: false, size }, { signal: opts?.signal });
          const face = prepared.faces[0];
          if (!face) throw new NotFoundError('a face in the image');
          return face.crop;
        },
        pickJudge: (recognizer) => {
          const main = recognizer || repo.defaultRecognizerName;
          return repo.list('recognizer').find((m) => m.name !== main && m.state === 'ready')?.name;
        },
      };
    },
  });
  jobs.register('evaluate_verification', traced('evaluate_verification', evaluation.runVerification));
  jobs.register('evaluate_dataset', traced('evaluate_dataset', evaluation.runDataset));

  // --- transport -----------------------------------------------------------------------------
  const { maxIdentities, maxImagesPerIdentity, maxGallerySize, maxPairs } = config.limits;
  const deps: TransportDeps = { log, shutdownSignal: shutdownController.signal, bounds: { maxIdentities, maxImagesPerIdentity, maxGallerySize, maxPairs } };
  const grpc = new GrpcServer({
    maxMessageBytes: config.limits.maxMessageBytes,
    tls: config.tls,
    interceptors: createInterceptors({ tokens, maxCallsPerPrincipal: config.limits.maxCallsPerClient, telemetry, log }),
  });
  const catalog = {
    list: (kind?: 'recognizer' | 'generator') => models?.list(kind) ?? [],
    info: (name: string) => requireModels().info(name),
    get defaultRecognizerName() {
      return models?.defaultRecognizerName ?? '';
    },
    get defaultGeneratorName() {
      return models?.defaultGeneratorName ?? '';
    },
  };
  grpc.add('hyperface.v1.PackingService', packingHandlers(deps, packing, jobs));
  grpc.add('hyperface.v1.GenerationService', generationHandlers(deps, generation, jobs));
  grpc.add('hyperface.v1.RecognitionService', recognitionHandlers(deps, requireRecognition, config.limits.maxEmbedInFlight));
  grpc.add('hyperface.v1.EvaluationService', evaluationHandlers(deps, evaluation, jobs));
  grpc.add('hyperface.v1.JobService', jobHandlers(deps, jobs));
  grpc.add('hyperface.v1.ModelService', modelHandlers(deps, catalog));
  const port = await grpc.listen(config.listen);
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const metricsPort = config.metrics.listen ? await telemetry.serveMetrics(config.metrics.listen) : 0;
  log.info('listening', { address: `${host}:${port}`, dataDir: config.dataDir, version: VERSION, metricsPort: metricsPort || undefined, auth: tokens ? `${tokens.size} tokens` : 'off' });
  grpc.setStatus('hyperface.v1.JobService', 'SERVING');

  // Models load after the port is open so probes see NOT_SERVING (not connection refused) meanwhile.
  const ready = (async () => {
    await compute(config.compute.device);
    grpc.setStatus('hyperface.v1.PackingService', 'SERVING');
    models = await ModelRepository.create(modelsConfig, {
      log: (level, msg, fields) => log[level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info'](msg, { component: 'models', ...fields }),
      signal: shutdownController.signal,
    });
    recognition = new RecognitionService(models, pool, {
      maxBatch: config.recognition.maxBatch,
      maxDelayMs: config.recognition.maxDelayMs,
      // One span per model batch, plus batch-size, latency and throughput metrics.
      instrument: (info, run) =>
        telemetry.span('recognizer batch', { 'hyperface.model': info.model, 'hyperface.provider': info.provider, 'hyperface.batch_size': info.size }, async () => {
          const started = performance.now();
          const out = await run();
          const attrs = { model: info.model, provider: info.provider };
          telemetry.batchSize.record(info.size, attrs);
          telemetry.modelLatency.record((performance.now() - started) / 1000, attrs);
          telemetry.embeddings.add(info.size, attrs);
          return out;
        }),
    });
    grpc.setStatus('hyperface.v1.ModelService', 'SERVING');
    // Per service: SERVING once the models it needs are loaded and warmed.
    const hasRecognizer = models.list('recognizer').some((m) => m.state === 'ready');
    const hasGenerator = models.list('generator').some((m) => m.state === 'ready');
    grpc.setStatus('hyperface.v1.RecognitionService', hasRecognizer ? 'SERVING' : 'NOT_SERVING');
    grpc.setStatus('hyperface.v1.EvaluationService', 'SERVING');
    grpc.setStatus('hyperface.v1.GenerationService', hasGenerator ? 'SERVING' : 'NOT_SERVING');
    grpc.setStatus('', 'SERVING');
    jobs.resumeUnfinished(unfinished);
    log.info('ready', { models: models.list().map((m) => `${m.name}:${m.state}`) });
  })();
  ready.catch((error: unknown) => log.error('start-up failed', { error: error as Error }));
  // Callers that await `ready` see the failure; keep the unawaited copy from crashing the process.

  let stopping: Promise<void> | undefined;
  return {
    port,
    address: `${host}:${port}`,
    metricsPort,
    telemetry,
    config,
    log,
    ready,
    shutdown: () => {
      stopping ??= (async () => {
        log.info('shutting down');
        grpc.setStatus('', 'NOT_SERVING');
        for (const s of ['hyperface.v1.PackingService', 'hyperface.v1.GenerationService', 'hyperface.v1.RecognitionService', 'hyperface.v1.EvaluationService', 'hyperface.v1.ModelService', 'hyperface.v1.JobService'] as const) grpc.setStatus(s, 'NOT_SERVING');
        await jobs.shutdown(config.shutdown.graceMs);
        shutdownController.abort(new UnavailableError('the daemon is shutting down'));
        await grpc.stop(Math.min(2000, config.shutdown.graceMs));
        await models?.dispose();
        await pool.close();
        for (const e of engines.values()) await (await e).release();
        await telemetry.shutdown();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
