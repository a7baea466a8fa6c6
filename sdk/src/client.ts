// HyperfaceClient: the typed client for every hyperface.v1 service. Every method takes
// { signal, timeoutMs }; server streams are AsyncIterables; failures are HyperfaceErrors;
// calls are retried with backoff only on UNAVAILABLE (and streams only before their first
// message); several addresses are balanced round-robin.
import { readFileSync } from 'node:fs';
import {
  credentials,
  loadPackageDefinition as grpcLoad,
  Metadata,
  status,
  type CallOptions as GrpcCallOptions,
  type ChannelCredentials,
  type Client,
  type ClientReadableStream,
  type ClientDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { loadPackageDefinition } from './proto.js';
import { toHyperfaceError, UnavailableError, type HyperfaceError } from './errors.js';
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

export interface TlsOptions {
  /** PEM CA certificate(s) to trust (file path or contents). @default the system roots */
  ca?: string | Buffer;
  /** Client certificate and key for mTLS (file paths or contents). */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface RetryOptions {
  /** Attempts in total (1 = no retry). @default 4 */
  maxAttempts?: number;
  /** @default 100 */
  initialBackoffMs?: number;
  /** @default 2000 */
  maxBackoffMs?: number;
}

export interface ClientOptions {
  /** `host:port` of one daemon. */
  address?: string;
  /** Several daemons, balanced round-robin per call. */
  addresses?: string[];
  /** `true` = TLS with system roots; an object = custom CA / mTLS. @default false (plaintext) */
  tls?: boolean | TlsOptions;
  /** Bearer token sent as `authorization: Bearer <token>`. */
  token?: string;
  /** @default { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000 } */
  retry?: RetryOptions;
  /** Largest message received. @default 4 MiB + 64 KiB */
  maxReceiveMessageBytes?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Deadline for the whole call, in milliseconds. @default none */
  timeoutMs?: number;
}

interface Stubs {
  packing: PackingServiceClient;
  generation: GenerationServiceClient;
  recognition: RecognitionServiceClient;
  evaluation: EvaluationServiceClient;
  models: ModelServiceClient;
  jobs: JobServiceClient;
  raw: Client;
}

type Proto = PackingProto & GenerationProto & RecognitionProto & EvaluationProto & ModelsProto & JobsProto;

function readPem(v: string | Buffer | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  return v.includes('-----BEGIN') ? Buffer.from(v) : readFileSync(v);
}

export class HyperfaceClient {
  private readonly stubs: Stubs[];
  private next = 0;
  private readonly retry: Required<RetryOptions>;
  private readonly token?: string;

  constructor(options: ClientOptions) {
    const addresses = options.addresses ?? (options.address ? [options.address] : []);
    if (addresses.length === 0) throw new TypeError('HyperfaceClient needs `address` or `addresses`');
    this.retry = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 2000, ...options.retry };
    this.token = options.token;
    const creds: ChannelCredentials =
      options.tls === true
        ? credentials.createSsl()
        : options.tls
          ? credentials.createSsl(readPem(options.tls.ca) ?? null, readPem(options.tls.key) ?? null, readPem(options.tls.cert) ?? null)
          : credentials.createInsecure();
    const proto = grpcLoad(loadPackageDefinition()) as unknown as Proto;
    const v1 = proto.hyperface.v1;
    const channelOptions = { 'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 4 * 1024 * 1024 + 65536 };
    this.stubs = addresses.map((address) => {
      const packing = new v1.PackingService(address, creds, channelOptions);
      // All stubs of one address share packing's channel.
      const shared = { ...channelOptions, channelOverride: packing.getChannel() };
      return {
        packing,
        generation: new v1.GenerationService(address, creds, shared),
        recognition: new v1.RecognitionService(address, creds, shared),
        evaluation: new v1.EvaluationService(address, creds, shared),
        models: new v1.ModelService(address, creds, shared),
        jobs: new v1.JobService(address, creds, shared),
        raw: packing,
      };
    });
  }

  /** Starts a packing job and streams its events (accepted, progress, chunks, result). */
  pack(request: PackRequest, options: CallOptions = {}): AsyncIterable<PackEvent__Output> {
    return this.serverStream((s, md, o) => s.packing.pack(request, md, o), options);
  }

  /** Streams one event per generated face (plus accepted/progress/summary). */
  generate(request: GenerateRequest, options: CallOptions = {}): AsyncIterable<GenerateEvent__Output> {
    return this.serverStream((s, md, o) => s.generation.generate(request, md, o), options);
  }

  /** Bidirectional embedding: one response per request, in order. */
  embed(requests: AsyncIterable<EmbedRequest> | Iterable<EmbedRequest>, options: CallOptions = {}): AsyncIterable<EmbedResponse__Output> {
    const stubs = this.pick();
    return this.duplex(() => stubs.recognition.embed(this.metadata(), this.grpcOptions(options)), requests, options);
  }

  evaluateVerification(request: EvaluateVerificationRequest, options: CallOptions = {}): AsyncIterable<EvaluationEvent__Output> {
    return this.serverStream((s, md, o) => s.evaluation.evaluateVerification(request, md, o), options);
  }

  evaluateDataset(request: EvaluateDatasetRequest, options: CallOptions = {}): AsyncIterable<EvaluationEvent__Output> {
    return this.serverStream((s, md, o) => s.evaluation.evaluateDataset(request, md, o), options);
  }

  async listModels(kind: ModelKind = 'MODEL_KIND_UNSPECIFIED', options: CallOptions = {}): Promise<ModelInfo__Output[]> {
    const res = await this.unary<{ models: ModelInfo__Output[] }>((s, md, o, cb) => s.models.listModels({ kind }, md, o, cb), options);
    return res.models;
  }

  getModel(name: string, options: CallOptions = {}): Promise<ModelInfo__Output> {
    return this.unary((s, md, o, cb) => s.models.getModel({ name }, md, o, cb), options);
  }

  getJob(id: string, options: CallOptions = {}): Promise<Job__Output> {
    return this.unary((s, md, o, cb) => s.jobs.getJob({ id }, md, o, cb), options);
  }

  listJobs(request: ListJobsRequest = {}, options: CallOptions = {}): Promise<ListJobsResponse__Output> {
    return this.unary((s, md, o, cb) => s.jobs.listJobs(request, md, o, cb), options);
  }

  cancelJob(id: string, options: CallOptions = {}): Promise<Job__Output> {
    return this.unary((s, md, o, cb) => s.jobs.cancelJob({ id }, md, o, cb), options);
  }

  /** Replays a job's events from `fromSeq`, then follows them until the job ends. */
  watchJob(id: string, fromSeq = 0, options: CallOptions = {}): AsyncIterable<JobEvent__Output> {
    return this.serverStream((s, md, o) => s.jobs.watchJob({ id, fromSeq }, md, o), options);
  }

  /** grpc.health.v1.Health/Check: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' | 'SERVICE_UNKNOWN'. */
  health(service = '', options: CallOptions = {}): Promise<string> {
    const names = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
    return this.unary<string>(
      (s, md, o, cb) =>
        s.raw.makeUnaryRequest(
          '/grpc.health.v1.Health/Check',
          (svc: string) => Buffer.from(protobuf.Writer.create().uint32(10).string(svc).finish()),
          (buf: Buffer) => {
            const r = protobuf.Reader.create(buf);
            let v = 0;
            while (r.pos < r.len) {
              const t = r.uint32();
              if (t >>> 3 === 1) v = r.int32();
              else r.skipType(t & 7);
            }
            return names[v] ?? 'UNKNOWN';
          },
          service,
          md,
          o,
          cb,
        ),
      options,
    );
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
      options.signal?.throwIfAborted();
      try {
        const st = await this.health(options.service ?? '', { signal: options.signal, timeoutMs: 2000 });
        answered = true;
        if (st === 'SERVING') return;
      } catch (error) {
        const e = error as HyperfaceError;
        if (e.code !== 'UNAVAILABLE' && e.code !== 'DEADLINE_EXCEEDED' && e.code !== 'NOT_FOUND') throw e;
        if (e.code === 'NOT_FOUND') answered = true;
        if (!answered && Date.now() > unreachableDeadline) throw new UnavailableError(status.UNAVAILABLE, `cannot reach the daemon: ${e.message}`, { cause: e });
      }
      if (Date.now() > deadline) throw new UnavailableError(status.UNAVAILABLE, 'daemon not ready before the timeout');
      await delay(options.pollMs ?? 200, options.signal);
    }
  }

  close(): void {
    for (const s of this.stubs) s.raw.close();
  }

  // --- plumbing -------------------------------------------------------------------------------

  private pick(): Stubs {
    const s = this.stubs[this.next % this.stubs.length]!;
    this.next = (this.next + 1) % this.stubs.length;
    return s;
  }

  private metadata(): Metadata {
    const md = new Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private grpcOptions(options: CallOptions): GrpcCallOptions {
    return options.timeoutMs !== undefined ? { deadline: Date.now() + options.timeoutMs } : {};
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.retry.maxBackoffMs, this.retry.initialBackoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }

  private async unary<T>(start: (s: Stubs, md: Metadata, o: GrpcCallOptions, cb: (err: ServiceError | null, res?: T) => void) => { cancel(): void }, options: CallOptions): Promise<T> {
    const grpcOptions = this.grpcOptions(options);
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        return await new Promise<T>((resolve, reject) => {
          const onAbort = (): void => call.cancel();
          const call = start(this.pick(), this.metadata(), grpcOptions, (err, res) => {
            options.signal?.removeEventListener('abort', onAbort);
            if (err) reject(toHyperfaceError(err));
            else resolve(res as T);
          });
          options.signal?.addEventListener('abort', onAbort, { once: true });
        });
      } catch (error) {
        const e = toHyperfaceError(error);
        if (e.code !== 'UNAVAILABLE' || attempt + 1 >= this.retry.maxAttempts || options.signal?.aborted) throw e;
        await delay(this.backoff(attempt), options.signal);
      }
    }
  }

  private serverStream<T>(start: (s: Stubs, md: Metadata, o: GrpcCallOptions) => ClientReadableStream<T>, options: CallOptions): AsyncIterable<T> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator needs the client
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const grpcOptions = self.grpcOptions(options);
        for (let attempt = 0; ; attempt++) {
          options.signal?.throwIfAborted();
          const call = start(self.pick(), self.metadata(), grpcOptions);
          const onAbort = (): void => call.cancel();
          options.signal?.addEventListener('abort', onAbort, { once: true });
          let received = false;
          let finished = false;
          try {
            for await (const message of call as AsyncIterable<T>) {
              received = true;
              yield message;
            }
            finished = true;
            return;
          } catch (error) {
            const e = toHyperfaceError(error);
            if (options.signal?.aborted) throw toHyperfaceError(Object.assign(new Error('aborted'), { name: 'AbortError' }));
            if (e.code !== 'UNAVAILABLE' || received || attempt + 1 >= self.retry.maxAttempts) throw e;
          } finally {
            options.signal?.removeEventListener('abort', onAbort);
            // The consumer stopped early (break/throw): cancel the server-side work.
            if (!finished) call.cancel();
          }
          await delay(self.backoff(attempt), options.signal);
        }
      },
    };
  }

  private duplex<Req, Res>(start: () => ClientDuplexStream<Req, Res>, requests: AsyncIterable<Req> | Iterable<Req>, options: CallOptions): AsyncIterable<Res> {
    return {
      async *[Symbol.asyncIterator]() {
        options.signal?.throwIfAborted();
        const call = start();
        const onAbort = (): void => call.cancel();
        options.signal?.addEventListener('abort', onAbort, { once: true });
        let finished = false;
        // Feed requests with backpressure while reading responses.
        const feeding = (async () => {
          try {
            for await (const req of requests as AsyncIterable<Req>) {
              if (!call.write(req)) await new Promise<void>((resolve, reject) => {
                call.once('drain', resolve);
                call.once('error', reject);
              });
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
          if (options.signal?.aborted) throw toHyperfaceError(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          throw toHyperfaceError(error);
        } finally {
          options.signal?.removeEventListener('abort', onAbort);
          if (!finished) call.cancel();
        }
      },
    };
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toHyperfaceError(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(toHyperfaceError(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
