// Open Inference Protocol (KServe v2) gRPC client, and a recognizer backend on top of it: aligned
// crops are preprocessed here (input spec), sent as FP32 raw_input_contents to ModelInfer, and the
// returned [N, D] rows are L2-normalised. The client is exported for generator backends.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  abortError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  throwIfAborted,
  UnavailableError,
} from '../../shared/errors.js';
import type { HyperfaceError } from '../../shared/errors.js';
import type { KServeOptions, ModelConfigEntry } from '../models/config.js';
import type { CallOptions, FaceBatch, ModelInfo, Recognizer, TensorSpecInfo } from '../models/types.js';
import { batchToInput, checkFaceBatch, recognizerInfo } from './image-tensor.js';
import { normalizeRows } from '../../util/vec.js';

export type KServeDatatype = 'FP32' | 'FP64' | 'INT32' | 'INT64' | 'UINT8' | 'INT8' | 'BOOL' | 'FP16' | 'BYTES';

export interface InferTensor {
  name: string;
  datatype: KServeDatatype;
  shape: number[];
  /** Little-endian element bytes (raw_*_contents). */
  data: Uint8Array;
}

export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** Finds proto/kserve/grpc_predict_v2.proto next to the package or in the repository. */
export function kserveProtoFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'proto', 'kserve', 'grpc_predict_v2.proto');
    if (existsSync(file)) return file;
    const up = dirname(dir);
    if (up === dir) throw new FailedPreconditionError('proto/kserve/grpc_predict_v2.proto not found');
    dir = up;
  }
}

type ServiceCtor = grpc.ServiceClientConstructor;
let serviceCtor: ServiceCtor | undefined;

/** The loaded `inference.GRPCInferenceService` definition (shared with test servers). */
export function kserveService(): ServiceCtor {
  if (!serviceCtor) {
    const def = loadSync(kserveProtoFile(), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
    const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: ServiceCtor } };
    serviceCtor = pkg.inference.GRPCInferenceService;
  }
  return serviceCtor;
}

function mapGrpcError(error: grpc.ServiceError, what: string): HyperfaceError {
  const msg = `${what}: ${error.details || error.message}`;
  switch (error.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new DeadlineExceededError(msg);
    case grpc.status.NOT_FOUND:
      return new NotFoundError(msg);
    case grpc.status.INVALID_ARGUMENT:
      return new InvalidArgumentError({ field: 'image', description: msg });
    case grpc.status.RESOURCE_EXHAUSTED:
      return new ResourceExhaustedError(msg, 1000);
    case grpc.status.FAILED_PRECONDITION:
      return new FailedPreconditionError(msg);
    default:
      return new UnavailableError(msg, { cause: error });
  }
}

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

interface RawOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  contents?: { fp32_contents?: number[] } | null;
}

/** A typed client for one KServe v2 / Triton gRPC endpoint. */
export class KServeClient {
  private readonly client: grpc.Client;
  readonly target: string;

  constructor(url: string, options: { credentials?: grpc.ChannelCredentials; channelOptions?: grpc.ChannelOptions } = {}) {
    const tls = url.startsWith('grpcs://');
    this.target = url.replace(/^grpcs?:\/\//, '');
    const creds = options.credentials ?? (tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
    const Ctor = kserveService();
    this.client = new Ctor(this.target, creds, { 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20, ...options.channelOptions });
  }

  private call<Res>(method: string, request: object, what: string, opts: { timeoutMs?: number; signal?: AbortSignal }): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(abortError(opts.signal));
        return;
      }
      const deadline = opts.timeoutMs !== undefined ? new Date(Date.now() + opts.timeoutMs) : undefined;
      const fn = (this.client as unknown as Record<string, (req: object, md: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: Res) => void) => grpc.ClientUnaryCall>)[method];
      if (!fn) {
        reject(new FailedPreconditionError(`kserve client has no method ${method}`));
        return;
      }
      let onAbort: (() => void) | undefined;
      const call = fn.call(this.client, request, new grpc.Metadata(), deadline ? { deadline } : {}, (error, response) => {
        if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
        if (error) {
          if (error.code === grpc.status.CANCELLED && opts.signal?.aborted) reject(abortError(opts.signal));
          else reject(mapGrpcError(error, what));
        } else resolve(response);
      });
      if (opts.signal) {
        onAbort = () => call.cancel();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  async serverLive(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const r = await this.call<{ live: boolean }>('ServerLive', {}, `kserve ${this.target} ServerLive`, opts);
    return r.live;
  }

  async modelReady(name: string, version = '', opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<boolean> {
    const r = await this.call<{ ready: boolean }>('ModelReady', { name, version }, `kserve ${this.target} ModelReady(${name})`, opts);
    return r.ready;
  }

  async modelMetadata(name: string, version = '', opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ModelMetadata> {
    return this.call<ModelMetadata>('ModelMetadata', { name, version }, `kserve ${this.target} ModelMetadata(${name})`, opts);
  }

  /**
   * One ModelInfer call: inputs go as raw_input_contents; outputs come back as raw bytes (from
   * raw_output_contents, or re-encoded from fp32_contents when the server uses typed contents).
   */
  async infer(model: { name: string; version?: string }, inputs: InferTensor[], outputs: string[], opts: { timeoutMs?: number; signal?: AbortSignal; id?: string } = {}): Promise<InferTensor[]> {
    const request = {
      model_name: model.name,
      model_version: model.version ?? '',
      id: opts.id ?? '',
      inputs: inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape })),
      outputs: outputs.map((name) => ({ name })),
      raw_input_contents: inputs.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
    };
    const res = await this.call<{ outputs: RawOutputTensor[]; raw_output_contents: Buffer[] }>('ModelInfer', request, `kserve ${this.target} ModelInfer(${model.name})`, opts);
    return res.outputs.map((o, i) => {
      const raw = res.raw_output_contents[i];
      let data: Uint8Array;
      if (raw && raw.length > 0) data = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      else if (o.contents?.fp32_contents && o.contents.fp32_contents.length > 0) data = bytesOf(Float32Array.from(o.contents.fp32_contents));
      else data = new Uint8Array(0);
      return { name: o.name, datatype: o.datatype as KServeDatatype, shape: o.shape.map(Number), data };
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Reads FP32 little-endian bytes as a Float32Array (copying when unaligned). */
export function fp32(data: Uint8Array): Float32Array {
  if (data.byteOffset % 4 === 0) return new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  return new Float32Array(data.slice().buffer);
}

class KServeRecognizer implements Recognizer {
  readonly info: ModelInfo;

  constructor(
    private readonly entry: ModelConfigEntry,
    private readonly opts: KServeOptions,
    private readonly client: KServeClient,
    dim: number,
    inputs: TensorSpecInfo[],
    outputs: TensorSpecInfo[],
  ) {
    this.info = recognizerInfo(entry, { backend: 'kserve-v2', provider: 'remote', dim, inputs, outputs }, `KServe v2 model ${opts.modelName} at ${opts.url}`);
  }

  async embed(batch: FaceBatch, options?: CallOptions): Promise<Float32Array> {
    checkFaceBatch(batch);
    const spec = this.entry.input;
    const S = spec.size;
    const out = new Float32Array(batch.count * this.info.dim);
    for (let start = 0; start < batch.count; start += this.opts.maxBatch) {
      throwIfAborted(options?.signal);
      const n = Math.min(this.opts.maxBatch, batch.count - start);
      const x = batchToInput(batch, start, n, spec);
      const shape = spec.layout === 'NCHW' ? [n, 3, S, S] : [n, S, S, 3];
      const [y] = await this.client.infer(
        { name: this.opts.modelName, version: this.opts.version },
        [{ name: this.opts.inputName, datatype: 'FP32', shape, data: bytesOf(x) }],
        [this.opts.outputName],
        { timeoutMs: this.opts.timeoutMs, ...(options?.signal ? { signal: options.signal } : {}) },
      );
      if (!y) throw new UnavailableError(`kserve model ${this.opts.modelName}: no output ${this.opts.outputName} in the response`);
      if (y.datatype !== 'FP32') throw new UnavailableError(`kserve model ${this.opts.modelName}: output ${y.name} is ${y.datatype}, expected FP32`);
      const values = fp32(y.data);
      if (values.length !== n * this.info.dim) {
        throw new UnavailableError(`kserve model ${this.opts.modelName}: output ${y.name} ${JSON.stringify(y.shape)} has ${values.length} values, expected ${n} x ${this.info.dim}`);
      }
      out.set(values, start * this.info.dim);
    }
    return options?.raw ? out : normalizeRows(out, out.length / this.info.dim, this.info.dim);
  }

  dispose(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}

/**
 * A recognizer served by a KServe v2 / Triton endpoint. At creation it asks ModelReady (must be
 * true) and ModelMetadata (the output's last dimension gives the embedding size when `output.dim`
 * is not configured); when metadata leaves it open, one zero image is sent to learn it.
 */
export async function createKServeRecognizer(entry: ModelConfigEntry, ctx?: { signal?: AbortSignal }): Promise<Recognizer> {
  const opts = entry.kserve;
  if (!opts) throw new FailedPreconditionError(`model ${entry.name}: backend kserve-v2 needs a kserve section`);
  const client = new KServeClient(opts.url);
  const call = { timeoutMs: opts.timeoutMs, ...(ctx?.signal ? { signal: ctx.signal } : {}) };
  try {
    const ready = await client.modelReady(opts.modelName, opts.version, call);
    if (!ready) throw new FailedPreconditionError(`model ${entry.name}: kserve model ${opts.modelName} at ${opts.url} is not ready`);
    let meta: ModelMetadata | undefined;
    try {
      meta = await client.modelMetadata(opts.modelName, opts.version, call);
    } catch {
      meta = undefined; // metadata is optional for our purposes
    }
    const S = entry.input.size;
    const inShape = entry.input.layout === 'NCHW' ? [-1, 3, S, S] : [-1, S, S, 3];
    const outMeta = meta?.outputs.find((o) => o.name === opts.outputName);
    if (meta && meta.outputs.length > 0 && !outMeta) {
      throw new FailedPreconditionError(`model ${entry.name}: kserve model ${opts.modelName} has no output ${opts.outputName} (outputs: ${meta.outputs.map((o) => o.name).join(', ')})`);
    }
    let dim = entry.output.dim ?? (outMeta && (outMeta.shape.at(-1) ?? -1) > 0 ? Number(outMeta.shape.at(-1)) : 0);
    if (dim === 0) {
      const x = batchToInput({ data: new Uint8Array(S * S * 3), count: 1, size: S }, 0, 1, entry.input);
      const [y] = await client.infer({ name: opts.modelName, version: opts.version }, [{ name: opts.inputName, datatype: 'FP32', shape: [1, ...inShape.slice(1)], data: bytesOf(x) }], [opts.outputName], call);
      dim = y ? fp32(y.data).length : 0;
      if (dim === 0) throw new FailedPreconditionError(`model ${entry.name}: kserve model ${opts.modelName} returned no ${opts.outputName} values`);
    }
    return new KServeRecognizer(
      entry,
      opts,
      client,
      dim,
      [{ name: opts.inputName, shape: inShape, dtype: 'FP32' }],
      [{ name: opts.outputName, shape: [-1, dim], dtype: 'FP32' }],
    );
  } catch (error) {
    client.close();
    if (error instanceof FailedPreconditionError) throw error;
    throw new FailedPreconditionError(`model ${entry.name}: kserve endpoint ${opts.url} unusable: ${(error as Error).message}`, { cause: error });
  }
}
