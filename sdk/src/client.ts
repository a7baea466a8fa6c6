// HyperfaceClient: the typed client for every hyperface.v1 service. Every method takes
// { signal, timeoutMs, headers }; server streams are AsyncIterables; failures are HyperfaceErrors
// (a timeout is DEADLINE_EXCEEDED, an abort CANCELLED). Retries (UNAVAILABLE, and RESOURCE_EXHAUSTED after the daemon's pushback; streams only
// before their first message) and round-robin balancing are grpc-js's, from the channel's service
// config (channel.ts).
import {
  loadPackageDefinition as grpcLoad,
  Metadata,
  status,
  type CallOptions as GrpcCallOptions,
  type ClientReadableStream,
  type ClientDuplexStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { LOADER_OPTIONS, loadPackageDefinition } from './proto.js';
import { channelArguments, channelCredentials, channelTarget, type ClientOptions } from './channel.js';
import { abortError, DeadlineExceededError, toHyperfaceError, UnavailableError, type HyperfaceError } from './errors.js';
import { checkRequest } from './validate.js';
import { GRPC_HEALTH_V1 } from './gen/descriptors.js';
import type { ProtoGrpcType as PackingProto } from './gen/packing.js';
import type { ProtoGrpcType as GenerationProto } from './gen/generation.js';
import type { ProtoGrpcType as RecognitionProto } from './gen/recognition.js';
import type { ProtoGrpcType as EvaluationProto } from './gen/evaluation.js';
import type { ProtoGrpcType as ModelsProto } from './gen/models.js';
import type { ProtoGrpcType as JobsProto } from './gen/jobs.js';
import type { PackingServiceClient } from './gen/hyperface/v1/PackingService.js';
import type { GenerationServiceClient } from './gen/hyperface/v1/GenerationService.js';
import type { RecognitionServiceClient } from './gen/hyperface/v1/RecognitionService.js';
import type { EvaluationServiceClient } from './gen/hyperface/v1/EvaluationService.js';
import type { ModelServiceClient } from './gen/hyperface/v1/ModelService.js';
import type { JobServiceClient } from './gen/hyperface/v1/JobService.js';
import type { PackRequest } from './gen/hyperface/v1/PackRequest.js';
import type { PackEvent__Output } from './gen/hyperface/v1/PackEvent.js';
import type { GenerateRequest } from './gen/hyperface/v1/GenerateRequest.js';
import type { GenerateEvent__Output } from './gen/hyperface/v1/GenerateEvent.js';
import type { EmbedRequest } from './gen/hyperface/v1/EmbedRequest.js';
import type { EmbedResponse__Output } from './gen/hyperface/v1/EmbedResponse.js';
import type { EvaluateVerificationRequest } from './gen/hyperface/v1/EvaluateVerificationRequest.js';
import type { EvaluateDatasetRequest } from './gen/hyperface/v1/EvaluateDatasetRequest.js';
import type { EvaluationEvent__Output } from './gen/hyperface/v1/EvaluationEvent.js';
import type { ModelInfo__Output } from './gen/hyperface/v1/ModelInfo.js';
import type { ModelKind } from './gen/hyperface/v1/ModelKind.js';
import type { Job__Output } from './gen/hyperface/v1/Job.js';
import type { ListJobsRequest } from './gen/hyperface/v1/ListJobsRequest.js';
import type { ListJobsResponse__Output } from './gen/hyperface/v1/ListJobsResponse.js';
import type { JobEvent__Output } from './gen/hyperface/v1/JobEvent.js';

export type { ClientOptions, TlsOptions, RetryOptions, KeepaliveOptions } from './channel.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline for the whole call (retries included), in milliseconds. @default none */
  timeoutMs?: number;
  /** Metadata (headers) for this call, added to the client's `headers`. */
  headers?: Record<string, string>;
}

interface HealthClient {
  check(request: { service: string }, md: Metadata, o: GrpcCallOptions, cb: (err: ServiceError | null, res?: { status: string }) => void): { cancel(): void };
}

interface Stubs {
  packing: PackingServiceClient;
  generation: GenerationServiceClient;
  recognition: RecognitionServiceClient;
  evaluation: EvaluationServiceClient;
  models: ModelServiceClient;
  jobs: JobServiceClient;
  health: HealthClient;
}

type Proto = PackingProto & GenerationProto & RecognitionProto & EvaluationProto & ModelsProto & JobsProto;

export class HyperfaceClient {
  private readonly s: Stubs;
  private readonly token?: string;
  private readonly headers: Record<string, string>;

  constructor(options: ClientOptions) {
    const target = channelTarget(options);
    this.token = options.token;
    this.headers = { ...options.headers };
    const creds = channelCredentials(options.tls);
    const v1 = (grpcLoad(loadPackageDefinition()) as unknown as Proto).hyperface.v1;
    const Health = (grpcLoad(fromJSON(GRPC_HEALTH_V1, LOADER_OPTIONS)) as unknown as { grpc: { health: { v1: { Health: ServiceClientConstructor } } } }).grpc.health.v1.Health;
    const packing = new v1.PackingService(target, creds, channelArguments(options));
    // Every stub shares packing's channel (and so its balancing and retry state).
    const shared = { channelOverride: packing.getChannel() };
    this.s = {
      packing,
      generation: new v1.GenerationService(target, creds, shared),
      recognition: new v1.RecognitionService(target, creds, shared),
      evaluation: new v1.EvaluationService(target, creds, shared),
      models: new v1.ModelService(target, creds, shared),
      jobs: new v1.JobService(target, creds, shared),
      health: new Health(target, creds, shared) as unknown as HealthClient,
    };
  }

  /** Starts a packing job and streams its events (accepted, progress, chunks, result). */
  pack(request: PackRequest, options: CallOptions = {}): AsyncIterable<PackEvent__Output> {
    return this.serverStream('PackRequest', request, (md, o) => this.s.packing.pack(request, md, o), options);
  }

  /** Streams one event per generated face (plus accepted/progress/summary). */
  generate(request: GenerateRequest, options: CallOptions = {}): AsyncIterable<GenerateEvent__Output> {
    return this.serverStream('GenerateRequest', request, (md, o) => this.s.generation.generate(request, md, o), options);
  }

  /** Bidirectional embedding: one response per request, in order. */
  embed(requests: AsyncIterable<EmbedRequest> | Iterable<EmbedRequest>, options: CallOptions = {}): AsyncIterable<EmbedResponse__Output> {
    return this.duplex('EmbedRequest', (md, o) => this.s.recognition.embed(md, o), requests, options);
  }

  evaluateVerification(request: EvaluateVerificationRequest, options: CallOptions = {}): AsyncIterable<EvaluationEvent__Output> {
    return this.serverStream('EvaluateVerificationRequest', request, (md, o) => this.s.evaluation.evaluateVerification(request, md, o), options);
  }

  evaluateDataset(request: EvaluateDatasetRequest, options: CallOptions = {}): AsyncIterable<EvaluationEvent__Output> {
    return this.serverStream('EvaluateDatasetRequest', request, (md, o) => this.s.evaluation.evaluateDataset(request, md, o), options);
  }

  async listModels(kind: ModelKind = 'MODEL_KIND_UNSPECIFIED', options: CallOptions = {}): Promise<ModelInfo__Output[]> {
    const res = await this.unary<{ models: ModelInfo__Output[] }>((md, o, cb) => this.s.models.listModels({ kind }, md, o, cb), options);
    return res.models;
  }

  getModel(name: string, options: CallOptions = {}): Promise<ModelInfo__Output> {
    return this.unary((md, o, cb) => this.s.models.getModel({ name }, md, o, cb), options);
  }

  getJob(id: string, options: CallOptions = {}): Promise<Job__Output> {
    return this.unary((md, o, cb) => this.s.jobs.getJob({ id }, md, o, cb), options);
  }

  listJobs(request: ListJobsRequest = {}, options: CallOptions = {}): Promise<ListJobsResponse__Output> {
    return this.unary((md, o, cb) => this.s.jobs.listJobs(request, md, o, cb), options, () => checkRequest('ListJobsRequest', request));
  }

  cancelJob(id: string, options: CallOptions = {}): Promise<Job__Output> {
    return this.unary((md, o, cb) => this.s.jobs.cancelJob({ id }, md, o, cb), options);
  }

  /** Replays a job's events from `fromSeq`, then follows them until the job ends. */
  watchJob(id: string, fromSeq = 0, options: CallOptions = {}): AsyncIterable<JobEvent__Output> {
    const request = { id, fromSeq };
    return this.serverStream('WatchJobRequest', request, (md, o) => this.s.jobs.watchJob(request, md, o), options);
  }

  /** grpc.health.v1.Health/Check: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN'. */
  async health(service = '', options: CallOptions = {}): Promise<string> {
    const res = await this.unary<{ status: string }>((md, o, cb) => this.s.health.check({ service }, md, o, cb), options);
    return res.status;
  }

  /** Waits until the daemon answers health SERVING (for `service`, '' = overall). */
  async waitForReady(options: CallOptions & { service?: string; pollMs?: number; unreachableTimeoutMs?: number } = {}): Promise<void> {
    const started = Date.now();
    const deadline = options.timeoutMs !== undefined ? started + options.timeoutMs : Infinity;
    // A daemon that answers NOT_SERVING is loading models: wait for it. One that does not answer
    // at all is given only `unreachableTimeoutMs` (@default 15000).
    const unreachableDeadline = started + (options.unreachableTimeoutMs ?? 15_000);
    let answered = false;
    for (;;) {
      if (options.signal?.aborted) throw abortError(options.signal);
      try {
        const st = await this.health(options.service ?? '', { signal: options.signal, timeoutMs: 2000, headers: options.headers });
        answered = true;
        if (st === 'SERVING') return;
      } catch (error) {
        const e = error as HyperfaceError;
        if (options.signal?.aborted) throw e;
        if (e.code !== 'UNAVAILABLE' && e.code !== 'DEADLINE_EXCEEDED' && e.code !== 'NOT_FOUND') throw e;
        if (e.code === 'NOT_FOUND') answered = true;
        if (!answered && Date.now() > unreachableDeadline) throw new UnavailableError(status.UNAVAILABLE, `cannot reach the daemon: ${e.message}`, { cause: e });
      }
      if (Date.now() > deadline) throw new DeadlineExceededError(status.DEADLINE_EXCEEDED, `daemon not ready within ${options.timeoutMs} ms`);
      await delay(options.pollMs ?? 200, options.signal);
    }
  }

  close(): void {
    // One channel for every stub: closing packing's closes it.
    this.s.packing.close();
  }

  // --- plumbing -------------------------------------------------------------------------------

  private metadata(options: CallOptions): Metadata {
    const md = new Metadata();
    for (const [key, value] of Object.entries({ ...this.headers, ...options.headers })) md.set(key, value);
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private grpcOptions(options: CallOptions): GrpcCallOptions {
    return options.timeoutMs !== undefined ? { deadline: Date.now() + options.timeoutMs } : {};
  }

  private unary<T>(start: (md: Metadata, o: GrpcCallOptions, cb: (err: ServiceError | null, res?: T) => void) => { cancel(): void }, options: CallOptions, check?: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted) return reject(abortError(signal));
      try {
        check?.();
      } catch (error) {
        return reject(toHyperfaceError(error));
      }
      const onAbort = (): void => call.cancel();
      const call = start(this.metadata(options), this.grpcOptions(options), (err, res) => {
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(signal?.aborted ? abortError(signal) : toHyperfaceError(err));
        else resolve(res as T);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private serverStream<T>(type: string, request: unknown, start: (md: Metadata, o: GrpcCallOptions) => ClientReadableStream<T>, options: CallOptions): AsyncIterable<T> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator needs the client
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const signal = options.signal;
        if (signal?.aborted) throw abortError(signal);
        checkRequest(type, request);
        const call = start(self.metadata(options), self.grpcOptions(options));
        const onAbort = (): void => call.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        let finished = false;
        try {
          for await (const message of call as AsyncIterable<T>) yield message;
          finished = true;
        } catch (error) {
          throw signal?.aborted ? abortError(signal) : toHyperfaceError(error);
        } finally {
          signal?.removeEventListener('abort', onAbort);
          // The consumer stopped early (break/throw): cancel the server-side work.
          if (!finished) call.cancel();
        }
      },
    };
  }

  private duplex<Req, Res>(type: string, start: (md: Metadata, o: GrpcCallOptions) => ClientDuplexStream<Req, Res>, requests: AsyncIterable<Req> | Iterable<Req>, options: CallOptions): AsyncIterable<Res> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator needs the client
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const signal = options.signal;
        if (signal?.aborted) throw abortError(signal);
        const call = start(self.metadata(options), self.grpcOptions(options));
        const onAbort = (): void => call.cancel();
        signal?.addEventListener('abort', onAbort, { once: true });
        let finished = false;
        let invalid: unknown;
        // Feed requests with backpressure while reading responses.
        const feeding = (async () => {
          try {
            for await (const req of requests as AsyncIterable<Req>) {
              try {
                checkRequest(type, req);
              } catch (error) {
                invalid = error;
                throw error;
              }
              if (!call.write(req)) await drained(call);
            }
            call.end();
          } catch (error) {
            call.cancel();
            throw error;
          }
        })();
        feeding.catch(() => undefined);
        try {
          for await (const message of call as AsyncIterable<Res>) yield message;
          await feeding;
          finished = true;
        } catch (error) {
          if (signal?.aborted) throw abortError(signal);
          throw toHyperfaceError(invalid ?? error);
        } finally {
          signal?.removeEventListener('abort', onAbort);
          if (!finished) call.cancel();
        }
      },
    };
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal!));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves on 'drain', rejects on 'error'; removes both listeners either way (a long stream drains many times). */
function drained(call: { once(event: string, fn: (arg?: unknown) => void): unknown; off(event: string, fn: (arg?: unknown) => void): unknown }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      call.off('error', onError);
      resolve();
    };
    const onError = (error?: unknown): void => {
      call.off('drain', onDrain);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    call.once('drain', onDrain);
    call.once('error', onError);
  });
}
