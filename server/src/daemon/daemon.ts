// Process wiring only: config → runtime → domain → transport → listen. No logic of its own.
import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { SERVICE_NAMES } from '@hyperface/sdk/proto';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../shared/logging.js';
import { UnavailableError } from '../shared/errors.js';
import { JobManager } from '../domain/jobs/manager.js';
import { resolveMemoryBudget } from '../domain/jobs/memory.js';
import { PathPolicy } from '../domain/files/paths.js';
import { PackingApp } from '../domain/services/packing.js';
import { GenerationApp } from '../domain/services/generation.js';
import { InteractiveGeneration } from '../domain/services/interactive-generation.js';
import { GeneratorBatchers } from '../domain/generation/batcher.js';
import { AdmissionQueue } from '../domain/serving/queue.js';
import { startRetention } from '../domain/jobs/retention.js';
import { createGalleryBuilder } from '../domain/services/galleries.js';
import { EvaluationApp } from '../domain/services/evaluation.js';
import { packJob } from '../domain/services/packing-job.js';
import { generateJob } from '../domain/services/generation-job.js';
import { datasetJob, verifyJob } from '../domain/services/evaluation-jobs.js';
import { pickJudge } from '../domain/evaluation/judge.js';
import { RecognitionService } from '../domain/recognition/service.js';
import { PreprocessPool } from '../runtime/pool/pool.js';
import { largestFaceAligner } from '../runtime/pool/largest-face.js';
import { ComputeEngines } from '../runtime/compute/engines.js';
import { ModelRepository } from '../runtime/models/repository.js';
import { GrpcServer, type ServiceName } from '../transport/server.js';
import { DaemonHealth } from '../transport/health.js';
import { jobHandlers } from '../transport/jobs.js';
import { lateCatalog, modelHandlers } from '../transport/model-service.js';
import { packingHandlers } from '../transport/packing.js';
import { generationHandlers } from '../transport/generation.js';
import { recognitionHandlers } from '../transport/recognition.js';
import { evaluationHandlers } from '../transport/evaluation.js';
import type { TransportDeps } from '../transport/call.js';
import { createInterceptors, TokenSet } from '../transport/interceptors.js';
import { Telemetry } from '../shared/telemetry.js';
import type { JobContext, JobRunner } from '../domain/jobs/manager.js';
import type { JobKind } from '../domain/jobs/types.js';
import { Late } from '../util/late.js';
import { LoopDelay, Watchdog, WATCHDOG_MARKER } from '../util/watchdog.js';

export const VERSION: string = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

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
  /** Run the watchdog thread (`hyperface serve`; off for in-process daemons, which share their process). */
  watchdog?: boolean;
}

/** Health reports NOT_SERVING while the main thread's event-loop delay passes this (ms). */
export const HEALTH_LOOP_DELAY_MS = 1000;

export async function startDaemon(config: Config, options: DaemonOptions = {}): Promise<Daemon> {
  const log = options.log ?? createLogger(config.logLevel);
  const shutdownController = new AbortController();
  await mkdir(config.dataDir, { recursive: true });
  PathPolicy.checkLayout(config.dataRoot, config.dataDir);
  const tokens = TokenSet.load(config.auth.tokens, config.auth.tokenFile);
  const telemetry = Telemetry.create({ otlpEndpoint: config.telemetry.otlpEndpoint, version: VERSION });

  // --- runtime -------------------------------------------------------------------------------
  const engines = new ComputeEngines((level, msg) => log[level](msg, { component: 'compute' }));
  const compute = engines.get;

  // --- domain --------------------------------------------------------------------------------
  const paths = new PathPolicy(config.dataRoot, config.dataDir);
  const files = paths.files;
  const jobs = new JobManager({ dataDir: config.dataDir, maxConcurrentJobs: config.limits.maxConcurrentJobs, maxAttempts: config.limits.maxJobAttempts, memoryBudget: resolveMemoryBudget(config.limits.memoryBudgetBytes), log });
  // A previous run ended by the watchdog: its running jobs fail now instead of hanging again.
  const marker = Watchdog.takeMarker(join(config.dataDir, WATCHDOG_MARKER));
  if (marker) log.error('the previous run was ended by the watchdog', { reason: marker.reason, jobs: marker.jobs });
  const watchdog = options.watchdog
    ? new Watchdog({ stallMs: config.limits.maxLoopBlockMs, markerPath: join(config.dataDir, WATCHDOG_MARKER), runningJobs: () => jobs.list({ state: 'running' }).map((j) => j.id) })
    : undefined;
  // Main-thread responsiveness: a metric, and health NOT_SERVING while the loop lags past 1 s.
  let onLoopWindow: (worstMs: number) => void = () => undefined;
  const loop = new LoopDelay(1000, (worst) => onLoopWindow(worst));
  telemetry.gauge('hyperface_event_loop_delay_seconds', 'Main thread event-loop delay over the last second', () => ({ max: loop.worstMs / 1000, p99: loop.p99Ms / 1000 }), 'stat');
  // Models load after the port opens; until then these getters answer UNAVAILABLE.
  const models = new Late<ModelRepository>('models are still loading; retry shortly');
  const recognition = new Late<RecognitionService>('models are still loading; retry shortly');
  const requireModels = models.require;
  const requireRecognition = recognition.require;
  const pool = new PreprocessPool({ workers: config.pool.workers, maxQueue: config.pool.maxQueue, maxPixels: config.limits.maxImagePixels, detectorProviders: config.pool.device === 'gpu' ? ['webgpu', 'cpu'] : ['cpu'] });
  const galleries = createGalleryBuilder({
    generator: (name) => requireModels().generator(name),
    recognition: requireRecognition,
    log: (msg, fields) => log.info(msg, { component: 'galleries', ...fields }),
  });
  const packing = new PackingApp({
    jobs,
    paths,
    compute,
    recognizerDim: (name) => {
      const r = requireModels().recognizer(name);
      return { name: r.info.name, dim: r.info.dim };
    },
    galleries,
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
  // Interactive requests: a bounded, fair admission queue, and one render batcher per generator
  // shared by every request (interactive first, dataset jobs fill the rest).
  const queueWait = telemetry.meter.createHistogram('hyperface_request_queue_wait_seconds', { unit: 's', description: 'Time interactive requests waited in the admission queue', advice: { explicitBucketBoundaries: [0, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] } });
  const queue = new AdmissionQueue({ maxRunning: config.limits.maxConcurrentRequests, maxQueued: config.limits.maxQueuedRequests, onAdmit: (s) => queueWait.record(s) });
  telemetry.gauge('hyperface_request_queue_depth', 'Interactive requests waiting in the admission queue', () => queue.queued);
  telemetry.gauge('hyperface_requests_running', 'Interactive requests holding a slot', () => queue.running);
  const batchers = new GeneratorBatchers(
    (model) => {
      let own: { preferredBatchSize?: number; maxQueueDelayMs?: number } | undefined;
      try {
        own = models.current?.entry(model).batching;
      } catch {
        own = undefined; // a generator not declared by name (none today): the global defaults
      }
      return { preferredBatchSize: own?.preferredBatchSize ?? config.generation.preferredBatchSize, maxQueueDelayMs: own?.maxQueueDelayMs ?? config.generation.maxQueueDelayMs };
    },
    (info, run) =>
      telemetry.span('generator batch', { 'hyperface.model': info.model, 'hyperface.provider': info.provider, 'hyperface.batch_size': info.size }, async () => {
        const started = performance.now();
        const out = await run();
        const attrs = { model: info.model, provider: info.provider };
        telemetry.batchSize.record(info.size, attrs);
        telemetry.modelLatency.record((performance.now() - started) / 1000, attrs);
        return out;
      }),
  );
  const generation = new GenerationApp({
    jobs,
    paths,
    models: requireModels,
    maxImages: config.limits.maxGenerateImages,
    maxIdentities: config.limits.maxIdentities,
    generateAhead: config.limits.generateAhead,
    files,
    onFace: (generator) => telemetry.faces.add(1, { generator }),
    batchers,
  });
  jobs.register(generateJob, traced(generateJob.kind, generation.run));
  const interactive = new InteractiveGeneration({
    app: generation,
    queue,
    maxFaces: config.serving.interactiveMaxFaces,
    ahead: config.limits.generateAhead,
    onFace: (generator) => telemetry.faces.add(1, { generator }),
  });
  const retention = startRetention(jobs, { maxAgeMs: config.jobs.retention.maxAgeSeconds * 1000, maxCount: config.jobs.retention.maxCount }, config.jobs.retention.intervalMs, log);
  const evaluation = new EvaluationApp({
    jobs,
    paths,
    limits: { maxPairs: config.limits.maxEvaluationPairs, maxSamples: config.limits.maxDatasetSamples },
    evaluationDeps: () => {
      const service = requireRecognition();
      const repo = requireModels();
      return {
        embedder: service,
        align: largestFaceAligner(pool),
        defaultRecognizer: repo.defaultRecognizerName,
        pickJudge: (recognizer) => pickJudge(repo.list('recognizer'), recognizer, repo.defaultRecognizerName),
        embedFaces: (dir, recognizer, signal) => galleries.fromImageDir(dir, recognizer ?? repo.defaultRecognizerName, signal ?? shutdownController.signal, paths.files),
      };
    },
  });
  jobs.register(verifyJob, traced(verifyJob.kind, evaluation.runVerification));
  jobs.register(datasetJob, traced(datasetJob.kind, evaluation.runDataset));
  // After every kind is registered: records are parsed with their kind's request schema.
  const unfinished = await jobs.open(marker);

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
    'hyperface.v1.GenerationService': generationHandlers(deps, generation, jobs, interactive),
    'hyperface.v1.RecognitionService': recognitionHandlers(deps, requireRecognition, config.limits.maxEmbedInFlight),
    'hyperface.v1.EvaluationService': evaluationHandlers(deps, evaluation, jobs),
    'hyperface.v1.JobService': jobHandlers(deps, jobs),
    'hyperface.v1.ModelService': modelHandlers(deps, lateCatalog(() => models.current, requireModels)),
  };
  for (const name of SERVICE_NAMES) grpc.add(name, services[name]);
  const health = new DaemonHealth(grpc);
  onLoopWindow = (worst) => health.loopDelay(worst, HEALTH_LOOP_DELAY_MS);
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
    watchdog?.arm();
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
        watchdog?.shutdownStarted(config.shutdown.graceMs);
        health.stopping();
        retention.stop();
        await jobs.shutdown(config.shutdown.graceMs);
        shutdownController.abort(new UnavailableError('the daemon is shutting down'));
        await grpc.stop(Math.min(2000, config.shutdown.graceMs));
        await models.current?.dispose();
        await pool.close();
        await engines.release();
        await telemetry.shutdown();
        loop.stop();
        await watchdog?.stop();
        log.info('stopped');
      })();
      return stopping;
    },
  };
}
