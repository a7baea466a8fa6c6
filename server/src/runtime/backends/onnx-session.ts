// onnxruntime sessions for recognizers: creation with provider fallback, the embed loop (uint8 crops
// → model input → raw rows), and where the session lives. onnxruntime-node's `run` is synchronous
// on the calling thread, so a CPU recognizer gets a thread of its own (onnx-session-thread.ts):
// while it computes, the main thread keeps decoding gRPC frames and batching the next requests
// instead of waiting (issue 21: the daemon at 1.3–1.4× the in-process model, mostly this wait).

import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { FailedPreconditionError, InvalidArgumentError, throwIfAborted } from '../../shared/errors.js';
import type { ExecutionProviderName, InputSpec } from '../models/config.js';
import type { FaceBatch } from '../models/types.js';
import { batchToInput } from './image-tensor.js';

/** Execution providers this onnxruntime-node build can use (cuda only when its libraries are bundled). */
export function availableProviders(): ExecutionProviderName[] {
  const out: ExecutionProviderName[] = [];
  try {
    for (const b of ort.listSupportedBackends()) {
      if (b.name === 'cpu' || b.name === 'webgpu') out.push(b.name);
      else if (b.name === 'cuda' && b.bundled) out.push('cuda');
    }
  } catch {
    out.push('cpu');
  }
  if (!out.includes('cpu')) out.push('cpu');
  return out;
}

/**
 * CPU EP settings shared by every session: full graph optimisation, and intra-op threads that sleep
 * instead of spinning between ops — the daemon shares its cores with the preprocessing workers (and
 * other processes), where spinning threads halve throughput (measured: faceres 93 → 47 ms/face).
 */
export const CPU_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

export interface OnnxSessionResult {
  session: ort.InferenceSession;
  provider: ExecutionProviderName;
}

/**
 * Creates a session trying `providers` in order (cuda is skipped when not available) and
 * returns the first that works. Throws FailedPreconditionError naming `file` when none does.
 */
export async function createOnnxSession(model: Uint8Array, file: string, providers: readonly ExecutionProviderName[], log?: (msg: string) => void): Promise<OnnxSessionResult> {
  const available = availableProviders();
  const order = providers.filter((p) => available.includes(p));
  if (order.length === 0) order.push('cpu');
  let lastError: unknown;
  for (const provider of order) {
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [provider], ...CPU_SESSION_OPTIONS, intraOpNumThreads: availableParallelism() });
      return { session, provider };
    } catch (error) {
      lastError = error;
      log?.(`onnx: provider ${provider} failed for ${file}: ${(error as Error).message}; trying the next one`);
    }
  }
  throw new FailedPreconditionError(`model file ${file}: onnxruntime cannot load it: ${(lastError as Error | undefined)?.message ?? 'unknown error'}`, { cause: lastError });
}

/** What the embed loop needs to know about a loaded recognizer. */
export interface EmbedPlan {
  name: string;
  spec: InputSpec;
  inputName: string;
  outputName: string;
  /** Fixed batch size of the model, or 0 when dynamic. */
  fixedBatch: number;
  /** Images per run. */
  chunk: number;
  dim: number;
}

/**
 * Runs `batch` through `session` in chunks of `plan.chunk` images and returns the raw output rows
 * [count, dim]. `between` runs before each chunk (cancellation checks, yielding to messages).
 */
export async function embedChunks(session: ort.InferenceSession, plan: EmbedPlan, batch: FaceBatch, between: () => Promise<void> | void): Promise<Float32Array> {
  const { spec, dim } = plan;
  const S = spec.size;
  const out = new Float32Array(batch.count * dim);
  for (let start = 0; start < batch.count; start += plan.chunk) {
    await between();
    const n = Math.min(plan.chunk, batch.count - start);
    const rows = plan.fixedBatch > 0 ? plan.fixedBatch : n;
    let data = batchToInput(batch, start, n, spec);
    if (rows > n) {
      // Fixed batch larger than what is left: pad with zeros.
      const padded = new Float32Array(rows * S * S * 3);
      padded.set(data);
      data = padded;
    }
    const dims = spec.layout === 'NCHW' ? [rows, 3, S, S] : [rows, S, S, 3];
    let result: ort.InferenceSession.OnnxValueMapType;
    try {
      result = await session.run({ [plan.inputName]: new ort.Tensor('float32', data, dims) }, [plan.outputName]);
    } catch (error) {
      throw new InvalidArgumentError({ field: 'image', description: `model ${plan.name} rejected input ${JSON.stringify(dims)}: ${(error as Error).message}` }, { cause: error });
    }
    const y = result[plan.outputName];
    if (!y) throw new FailedPreconditionError(`model ${plan.name}: no output ${plan.outputName}`);
    const values = y.data as Float32Array;
    if (values.length < n * dim) throw new FailedPreconditionError(`model ${plan.name}: output has ${values.length} values, expected ${n * dim}`);
    out.set(values.subarray(0, n * dim), start * dim);
    y.dispose();
  }
  return out;
}

/** A recognizer's session, on this thread or on its own (same behaviour, same errors). */
export interface RecognizerSession {
  readonly provider: ExecutionProviderName;
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** One float32 input, one output (the load-time probe). */
  runOne(input: string, data: Float32Array, dims: number[], output: string): Promise<{ dims: readonly number[]; data: Float32Array }>;
  /**
   * Raw output rows of `batch`; CANCELLED/DEADLINE_EXCEEDED between chunks when `signal` fires.
   * `transferInput`: `batch.data` may be detached (see CallOptions).
   */
  embed(plan: EmbedPlan, batch: FaceBatch, options?: { signal?: AbortSignal; transferInput?: boolean }): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The session on the calling thread (GPU providers: their runs wait on the device, not on a core). */
export class LocalSession implements RecognizerSession {
  constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ExecutionProviderName,
  ) {}

  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.inputMetadata;
  }
  get outputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.outputMetadata;
  }
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async runOne(input: string, data: Float32Array, dims: number[], output: string): Promise<{ dims: readonly number[]; data: Float32Array }> {
    const res = await this.session.run({ [input]: new ort.Tensor('float32', data, dims) }, [output]);
    const y = res[output];
    if (!y) throw new Error(`output ${output} missing from the result`);
    const out = { dims: [...y.dims], data: Float32Array.from(y.data as Float32Array) };
    y.dispose();
    return out;
  }

  embed(plan: EmbedPlan, batch: FaceBatch, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    return embedChunks(this.session, plan, batch, () => throwIfAborted(options.signal));
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
