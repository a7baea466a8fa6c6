// Process wiring only: config → runtime → domain → transport → listen. No logic of its own.
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { SERVICE_NAMES } from '@hyperface/sdk/proto';
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
import { packJob } from './domain/app/packing-job.js';
import { generateJob } from './domain/app/generation-job.js';
import { datasetJob, verifyJob } from './domain/app/evaluation-jobs.js';
import { pickJudge } from './domain/evaluation/judge.js';
import { RecognitionService } from './domain/recognition/service.js';
import { PreprocessPool } from './runtime/pool/pool.js';
import { largestFaceAligner } from './runtime/pool/largest-face.js';
import { ComputeEngines } from './runtime/compute/engines.js';
import { ModelRepository } from './runtime/models/repository.js';
import { GrpcServer, type ServiceName } from './transport/server.js';
import { DaemonHealth } from './transport/health.js';
import { jobHandlers } from './transport/jobs.js';
import { lateCatalog, modelHandlers } from './transport/models.js';
import { packingHandlers } from './transport/packing.js';
import { generationHandlers } from './transport/generation.js';
import { recognitionHandlers } from './transport/recognition.js';
import { evaluationHandlers } from './transport/evaluation.js';
import type { TransportDeps } from './transport/call.js';
import { createInterceptors, TokenSet } from './transport/interceptors.js';
import { Telemetry } from './telemetry.js';
import type { JobContext, JobRunner } from './domain/jobs/manager.js';
import type { JobKind } from './domain/jobs/types.js';
import { Late } from './util/late.js';

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
  const engines = new ComputeEngines((level, msg) => log[level](msg, { component: 'compute' }));
  const compute = engines.get;

  // --- domain --------------------------------------------------------------------------------
  const paths = new PathPolicy(config.dataRoot);
  const files = paths.files;
  const jobs = new JobManager({ dataDir: config.dataDir, maxConcurrentJobs: config.limits.maxConcurrentJobs, maxAttempts: config.limits.maxJobAttempts, memoryBudget: resolveMemoryBudget(config.limits.memoryBudgetBytes), log });
  // Models load after the port opens; until then these getters answer UNAVAILABLE.
  const models = new Late<ModelRepository>('models are still loading; retry shortly');
  const recognition = new Late<RecognitionService>('models are still loading; retry shortly');
  const requireModels = models.require;
  const requireRecognition = recognition.require;
  const pool = new PreprocessPool({ workers: config.pool.workers, maxQueue: config.pool.maxQueue, maxPixels: config.limits.maxImagePixels, detectorProviders: config.pool.device === 'gpu' ? ['webgpu', 'cpu'] : ['cpu'] });
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
    files,
    maxIdentities: config.limits.maxIdentities,
  });
  // One span per job, and a count of jobs started by kind.
  const traced = <R>(kind: JobKind, run: JobRunner<R>): JobRunner<R> => (ctx: JobContext<R>) => {
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
  jobs.register(packJob, traced(packJob.kind, packing.run));
  const generation = new GenerationApp({
    jobs,
    paths,
    models: requireModels,
    maxImagesPerIdentity: config.limits.maxImagesPerIdentity,
    maxIdentities: config.limits.maxIdentities,
    generateAhead: config.limits.generateAhead,
    files,
    onFace: (generator) => telemetry.faces.add(1, { generator }),
  });
  jobs.register(generateJob, traced(generateJob.kind, generation.run));
  const evaluation = new EvaluationApp({
    jobs,
    paths,
    limits: { maxPairs: config.limits.maxEvaluationPairs, maxSamples: config.limits.maxDatasetSamples },
    evaluationDeps: () => {
      const service = requireRecognition();
      const repo = requireModels();
      return { embedder: service, align: largestFaceAligner(pool), defaultRecognizer: repo.defaultRecognizerName, pickJudge: (recognizer) => pickJudge(repo.list('recognizer'), recognizer, repo.defaultRecognizerName) };
    },
  });
  jobs.register(verifyJob, traced(verifyJob.kind, evaluation.runVerification));
  jobs.register(datasetJob, traced(datasetJob.kind, evaluation.runDataset));
  // After every kind is registered: records are parsed with their kind's request schema.
  const unfinished = await jobs.open();

  // --- transport -----------------------------------------------------------------------------
  const { maxIdentities, maxImagesPerIdentity, maxGallerySize, maxEvaluationPairs: maxPairs } = config.limits;
  const deps: TransportDeps = { log, shutdownSignal: shutdownController.signal, bounds: { maxIdentities, maxImagesPerIdentity, maxGallerySize, maxPairs } };
  const grpc = new GrpcServer({
    maxMessageBytes: config.limits.maxMessageBytes,
    tls: config.tls,
    interceptors: createInterceptors({ tokens, maxCallsPerPrincipal: config.limits.maxCallsPerClient, telemetry, log }),
  });
  // One entry per name in SERVICE_NAMES (the type makes a missing one a compile error).
  const services: Record<ServiceName, UntypedServiceImplementation> = {
    'hyperface.v1.PackingService': packingHandlers(deps, packing, jobs),
    'hyperface.v1.GenerationService': generationHandlers(deps, generation, jobs),
    'hyperface.v1.RecognitionService': recognitionHandlers(deps, requireRecognition, config.limits.maxEmbedInFlight),
    'hyperface.v1.EvaluationService': evaluationHandlers(deps, evaluation, jobs),
    'hyperface.v1.JobService': jobHandlers(deps, jobs),
    'hyperface.v1.ModelService': modelHandlers(deps, lateCatalog(() => models.current, requireModels)),
  };
  for (const name of SERVICE_NAMES) grpc.add(name, services[name]);
  const health = new DaemonHealth(grpc);
  const port = await grpc.listen(config.listen);
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const metricsPort = config.metrics.listen ? await telemetry.serveMetrics(config.metrics.listen) : 0;
  log.info('listening', { address: `${host}:${port}`, dataDir: config.dataDir, version: VERSION, metricsPort: metricsPort || undefined, auth: tokens ? `${tokens.size} tokens` : 'off' });
  health.listening();

  // Models load after the port is open so probes see NOT_SERVING (not connection refused) meanwhile.
  const ready = (async () => {
    await compute(config.compute.device);
    health.computeReady();
    const repo = await ModelRepository.create(config.models, {
      log: (level, msg, fields) => log[level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : 'info'](msg, { component: 'models', ...fields }),
      signal: shutdownController.signal,
      baseDir: config.models.baseDir,
    });
    models.set(repo);
    recognition.set(new RecognitionService(repo, pool, {
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
    }));
    health.modelsLoaded(repo);
    jobs.resumeUnfinished(unfinished);
    log.info('ready', { models: repo.list().map((m) => `${m.name}:${m.state}`) });
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
        health.stopping();
        await jobs.shutdown(config.shutdown.graceMs);
        shutdownController.abort(new UnavailableError('the daemon is shutting down'));
        await grpc.stop(Math.min(2000, config.shutdown.graceMs));
        await models.current?.dispose();
        await pool.close();
        await engines.release();
        await telemetry.shutdown();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
