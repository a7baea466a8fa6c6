// onnxruntime-node recognizer backend: the ArcFace family as insightface ships it (112x112 RGB,
// (x - 127.5) / 127.5, NCHW, 512-d) and any image → embedding model the input spec describes.

import type * as ort from 'onnxruntime-node';
import { FailedPreconditionError } from '../../shared/errors.js';
import { onnxModelBytes } from '../convert/index.js';
import { resolveModelFile } from '../models/config.js';
import type { ExecutionProviderName, ModelConfigEntry } from '../models/config.js';
import type { CallOptions, FaceBatch, ModelInfo, Recognizer, TensorSpecInfo } from '../models/types.js';
import { checkFaceBatch, recognizerInfo } from './image-tensor.js';
import { availableProviders, createOnnxSession, LocalSession, type EmbedPlan, type RecognizerSession } from './onnx-session.js';
import { ThreadSession } from './onnx-session-thread.js';
import { normalizeRows } from '../../util/vec.js';

export { availableProviders, CPU_SESSION_OPTIONS, createOnnxSession, type OnnxSessionResult } from './onnx-session.js';

function dimsOf(meta: ort.InferenceSession.ValueMetadata | undefined): (number | string)[] {
  if (!meta || !('shape' in meta)) return [];
  return [...meta.shape];
}

function specInfo(meta: ort.InferenceSession.ValueMetadata): TensorSpecInfo {
  return { name: meta.name, shape: dimsOf(meta).map((d) => (typeof d === 'number' && d >= 0 ? d : -1)), dtype: 'type' in meta ? meta.type : 'unknown' };
}

/** Largest batch sent to a model with a dynamic batch dimension in one run (GPU EPs). */
const MAX_CHUNK = 64;
/**
 * On the CPU EP, one image per run: a face network's activations for one image fit the caches,
 * a batch's do not (faceres, 2 cores: ~35 ms/face at batch 1 against ~80 at 8 and ~140 at 16).
 */
const CPU_CHUNK = 1;

class OnnxRecognizer implements Recognizer {
  readonly info: ModelInfo;
  private disposed = false;
  private readonly plan: EmbedPlan;

  constructor(
    entry: ModelConfigEntry,
    private readonly session: RecognizerSession,
    inputName: string,
    outputName: string,
    /** Fixed batch size of the model, or 0 when dynamic. */
    fixedBatch: number,
    dim: number,
    inputs: TensorSpecInfo[],
    outputs: TensorSpecInfo[],
  ) {
    this.info = recognizerInfo(entry, { backend: 'onnx', provider: session.provider, dim, inputs, outputs });
    const chunk = fixedBatch > 0 ? fixedBatch : session.provider === 'cpu' ? CPU_CHUNK : MAX_CHUNK;
    this.plan = { name: entry.name, spec: entry.input, inputName, outputName, fixedBatch, chunk, dim };
  }

  async embed(batch: FaceBatch, options?: CallOptions): Promise<Float32Array> {
    if (this.disposed) throw new FailedPreconditionError(`model ${this.info.name} is disposed`);
    checkFaceBatch(batch);
    const dim = this.info.dim;
    const out = batch.count === 0 ? new Float32Array(0) : await this.session.embed(this.plan, batch, { ...(options?.signal ? { signal: options.signal } : {}), transferInput: options?.transferInput === true });
    return options?.raw ? out : normalizeRows(out, out.length / dim, dim);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

/**
 * Loads an onnx recognizer (`files[0]` is the .onnx file, or a tfjs graph model.json / face-api
 * `*weights_manifest.json`, converted to ONNX at load time). The model must take one float image
 * tensor `[N, 3, S, S]` (NCHW) or `[N, S, S, 3]` (NHWC) and return `[N, D]`. A fixed batch
 * dimension is honoured by running in chunks of that size; a fixed image size overrides a
 * configured one only when they agree (otherwise FAILED_PRECONDITION).
 */
export async function createOnnxRecognizer(entry: ModelConfigEntry, ctx?: { baseDir?: string; log?: (msg: string) => void; providersOverride?: readonly ExecutionProviderName[] }): Promise<Recognizer> {
  const first = entry.files[0];
  if (first === undefined) throw new FailedPreconditionError(`model ${entry.name}: backend onnx needs a model file`);
  const file = resolveModelFile(first, ctx?.baseDir);
  // tfjs graph models and face-api manifests are converted to ONNX here, at load time.
  const keep = entry.output.name !== undefined ? [entry.output.name] : undefined;
  const providers = ctx?.providersOverride ?? entry.providers;
  const available = availableProviders();
  // A converted graph is written for the provider that will run it (WebGPU lacks PRelu and Gemm kernels).
  const target = providers.find((p) => available.includes(p)) === 'webgpu' ? 'webgpu' : 'cpu';
  const bytes = await onnxModelBytes(file, { layout: entry.input.layout, size: entry.input.size, target, ...(keep ? { outputs: keep } : {}) });
  const session = await openRecognizerSession(bytes, file, providers, available, ctx?.log);
  const fail = async (problem: string): Promise<never> => {
    await session.release();
    throw new FailedPreconditionError(`model file ${file}: ${problem}`);
  };
  const inputMeta = session.inputMetadata;
  if (inputMeta.length !== 1 || !inputMeta[0]) return fail(`expected exactly one input, found ${inputMeta.length} (${session.inputNames.join(', ')})`);
  const inMeta = inputMeta[0];
  const inDims = dimsOf(inMeta);
  const spec = { ...entry.input };
  if (inDims.length !== 0) {
    if (inDims.length !== 4) return fail(`input ${inMeta.name} has rank ${inDims.length}, expected 4 (${spec.layout})`);
    const [, a, b, c] = inDims;
    const channels = spec.layout === 'NCHW' ? a : c;
    const h = spec.layout === 'NCHW' ? b : a;
    const w = spec.layout === 'NCHW' ? c : b;
    if (typeof channels === 'number' && channels !== 3) return fail(`input ${inMeta.name} ${JSON.stringify(inDims)} does not have 3 channels in ${spec.layout} layout`);
    if (typeof h === 'number' && typeof w === 'number' && h > 0) {
      if (h !== w) return fail(`input ${inMeta.name} ${JSON.stringify(inDims)} is not square`);
      spec.size = h;
    }
  }
  if ('type' in inMeta && inMeta.type !== 'float32') return fail(`input ${inMeta.name} has type ${inMeta.type}, expected float32`);
  const batchDim = inDims[0];
  const fixedBatch = typeof batchDim === 'number' && batchDim > 0 ? batchDim : 0;

  const outs = session.outputMetadata;
  let outMeta: ort.InferenceSession.ValueMetadata | undefined;
  if (entry.output.name !== undefined) {
    outMeta = outs.find((o) => o.name === entry.output.name);
    if (!outMeta) return fail(`no output named ${entry.output.name} (outputs: ${session.outputNames.join(', ')})`);
  } else {
    outMeta = (entry.output.dim !== undefined ? outs.find((o) => dimsOf(o).at(-1) === entry.output.dim) : undefined) ?? outs[0];
    if (!outMeta) return fail('model has no outputs');
  }
  const outName = outMeta.name;

  // Probe with one zero batch to learn (and check) the embedding dimension.
  const rows = fixedBatch > 0 ? fixedBatch : 1;
  const S = spec.size;
  const probeDims = spec.layout === 'NCHW' ? [rows, 3, S, S] : [rows, S, S, 3];
  let dim: number;
  try {
    const y = await session.runOne(inMeta.name, new Float32Array(rows * 3 * S * S), probeDims, outName);
    if (y.dims.length !== 2) return await fail(`output ${outName} has shape ${JSON.stringify(y.dims)}, expected [N, D]`);
    dim = y.dims[1] ?? 0;
  } catch (error) {
    if (error instanceof FailedPreconditionError) throw error;
    await session.release();
    throw new FailedPreconditionError(`model file ${file}: test run with input ${JSON.stringify(probeDims)} failed: ${(error as Error).message}`, { cause: error });
  }
  if (entry.output.dim !== undefined && entry.output.dim !== dim) return fail(`output ${outName} has dimension ${dim}, config says ${entry.output.dim}`);
  const inputs = [{ ...specInfo(inMeta), shape: spec.layout === 'NCHW' ? [fixedBatch || -1, 3, S, S] : [fixedBatch || -1, S, S, 3] }];
  const outputs = [{ ...specInfo(outMeta), shape: [fixedBatch || -1, dim] }];
  return new OnnxRecognizer({ ...entry, input: spec }, session, inMeta.name, outName, fixedBatch, dim, inputs, outputs);
}

/**
 * The session of a recognizer. On the CPU EP it lives on a thread of its own: onnxruntime-node runs
 * synchronously on its caller, and the daemon's main thread has gRPC and batching to do meanwhile
 * (bench/embed/daemon.mjs). GPU providers stay on this thread, as before.
 */
async function openRecognizerSession(bytes: Uint8Array, file: string, providers: readonly ExecutionProviderName[], available: ExecutionProviderName[], log?: (msg: string) => void): Promise<RecognizerSession> {
  const first = providers.find((p) => available.includes(p)) ?? 'cpu';
  if (first === 'cpu') return ThreadSession.open(bytes, file, ['cpu']);
  const { session, provider } = await createOnnxSession(bytes, file, providers, log);
  return new LocalSession(session, provider);
}
