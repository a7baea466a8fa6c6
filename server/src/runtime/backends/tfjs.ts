// tfjs recognizer backend: graph models (Human's faceres, …) and face-api's ResNet-34 descriptor,
// loaded from local files with a custom IOHandler and run on the wasm backend (GPU work runs on
// onnxruntime: see the onnx backend).

import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FailedPreconditionError, throwIfAborted } from '../../shared/errors.js';
import { checkFaceBatch } from './image-tensor.js';
import { readJsonFile, readShards } from '../convert/tfjs-weights.js';
import { resolveModelFile } from '../models/config.js';
import type { ModelConfigEntry } from '../models/config.js';
import type { CallOptions, FaceBatch, ModelInfo, Recognizer, TensorSpecInfo } from '../models/types.js';

export type TfjsProvider = 'wasm' | 'cpu';

let initPromise: Promise<TfjsProvider> | undefined;

/**
 * Picks and initialises the tfjs backend once per process: `wasm` (wasm binaries loaded from the
 * installed @tensorflow/tfjs-backend-wasm/dist folder), falling back to the pure-JS `cpu` backend.
 */
export function initTfjs(): Promise<TfjsProvider> {
  initPromise ??= (async (): Promise<TfjsProvider> => {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const require = createRequire(import.meta.url);
      const distDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(distDir.endsWith('/') ? distDir : `${distDir}/`);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return 'cpu';
  })();
  return initPromise;
}

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

async function readWeights(manifest: WeightsManifestGroup[], dir: string, file: string): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const buffers: Buffer[] = [];
  for (const group of manifest) buffers.push(await readShards(group.paths, dir, file));
  const all = Buffer.concat(buffers);
  const data = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const specs = manifest.flatMap((g) => g.weights);
  return { specs, data };
}

/** An IOHandler that reads a tfjs_graph_model model.json and its weight shards from disk. */
export function fileGraphModelHandler(file: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const json = (await readJsonFile(file)) as Record<string, unknown>;
      if (typeof json !== 'object' || json === null || json.modelTopology === undefined || !Array.isArray(json.weightsManifest)) {
        throw new FailedPreconditionError(`model file ${file}: not a tfjs graph model (needs modelTopology and weightsManifest)`);
      }
      const { specs, data } = await readWeights(json.weightsManifest as WeightsManifestGroup[], dirname(file), file);
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData: data,
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | null | undefined,
        signature: json.signature as object | undefined,
        userDefinedMetadata: json.userDefinedMetadata as Record<string, unknown> | undefined,
      } as tf.io.ModelArtifacts;
    },
  };
}

type Forward = (x: tf.Tensor4D) => tf.Tensor2D;

interface LoadedTfjs {
  forward: Forward;
  inputs: TensorSpecInfo[];
  outputs: TensorSpecInfo[];
  dispose: () => void;
}

async function loadGraph(entry: ModelConfigEntry, file: string): Promise<LoadedTfjs> {
  let model: tf.GraphModel;
  try {
    model = await tf.loadGraphModel(fileGraphModelHandler(file));
  } catch (error) {
    if (error instanceof FailedPreconditionError) throw error;
    throw new FailedPreconditionError(`model file ${file}: cannot load tfjs graph model: ${(error as Error).message}`, { cause: error });
  }
  const outputNames = model.outputNodes;
  const size = entry.input.size;
  // Probe once with one zero image to learn the output shapes.
  const probe = tf.tidy(() => {
    const res = model.execute(tf.zeros([1, size, size, 3]), outputNames);
    const list = Array.isArray(res) ? res : [res];
    return list.map((t) => t.shape);
  });
  let outIndex: number;
  if (entry.output.name !== undefined) {
    const want = entry.output.name;
    outIndex = outputNames.findIndex((n) => n === want || n === `${want}:0` || n.replace(/:0$/, '') === want);
    if (outIndex < 0) {
      model.dispose();
      throw new FailedPreconditionError(`model file ${file}: no output named ${want} (outputs: ${outputNames.join(', ')})`);
    }
  } else {
    const dims = probe.map((s) => (s.length === 2 ? (s[1] ?? 0) : 0));
    outIndex = entry.output.dim !== undefined ? dims.indexOf(entry.output.dim) : dims.indexOf(Math.max(...dims));
    if (outIndex < 0) {
      model.dispose();
      throw new FailedPreconditionError(`model file ${file}: no [N, ${entry.output.dim}] output (outputs: ${outputNames.map((n, i) => `${n} ${JSON.stringify(probe[i])}`).join(', ')})`);
    }
  }
  const outName = outputNames[outIndex] as string;
  const outShape = probe[outIndex] ?? [];
  if (outShape.length !== 2) {
    model.dispose();
    throw new FailedPreconditionError(`model file ${file}: output ${outName} has shape ${JSON.stringify(outShape)}, expected [N, D]`);
  }
  const inputs: TensorSpecInfo[] = model.inputs.map((i) => ({ name: i.name, shape: (i.shape ?? []).map((d) => d ?? -1), dtype: i.dtype ?? 'float32' }));
  return {
    forward: (x) => model.execute(x, outName) as tf.Tensor2D,
    inputs,
    outputs: [{ name: outName, shape: [-1, outShape[1] ?? -1], dtype: 'float32' }],
    dispose: () => model.dispose(),
  };
}

interface FaceApiRecognitionNet {
  loadFromWeightMap(map: tf.NamedTensorMap): void;
  forwardInput(input: unknown): tf.Tensor2D;
  dispose(throwOnRedispose?: boolean): void;
}
interface FaceApiModule {
  FaceRecognitionNet: new () => FaceApiRecognitionNet;
  NetInput: new (inputs: tf.Tensor3D[], treatAsBatchInput?: boolean) => unknown;
}

async function loadFaceApi(entry: ModelConfigEntry, file: string): Promise<LoadedTfjs> {
  const json = await readJsonFile(file);
  if (!Array.isArray(json)) throw new FailedPreconditionError(`model file ${file}: not a face-api weights manifest (expected a JSON array of weight groups)`);
  const { specs, data } = await readWeights(json as WeightsManifestGroup[], dirname(file), file);
  let weightMap: tf.NamedTensorMap;
  try {
    weightMap = tf.io.decodeWeights(data, specs);
  } catch (error) {
    throw new FailedPreconditionError(`model file ${file}: cannot decode weights: ${(error as Error).message}`, { cause: error });
  }
  // face-api's node-wasm build requires the same @tensorflow/tfjs instance this module uses.
  const modPath = '@vladmandic/face-api/dist/face-api.node-wasm.js';
  const imported = (await import(modPath)) as Partial<FaceApiModule> & { default?: FaceApiModule };
  const faceapi = (imported.FaceRecognitionNet ? imported : imported.default) as FaceApiModule | undefined;
  if (!faceapi?.FaceRecognitionNet) throw new FailedPreconditionError(`model file ${file}: @vladmandic/face-api does not export FaceRecognitionNet`);
  const net = new faceapi.FaceRecognitionNet();
  try {
    net.loadFromWeightMap(weightMap);
  } catch (error) {
    throw new FailedPreconditionError(`model file ${file}: weights do not fit face-api's recognition network: ${(error as Error).message}`, { cause: error });
  }
  const size = entry.input.size;
  return {
    // forwardInput normalises (mean RGB, /256) internally and expects [N, 150, 150, 3] 0–255.
    forward: (x) => net.forwardInput(new faceapi.NetInput(tf.unstack(x) as tf.Tensor3D[], true)),
    inputs: [{ name: 'input', shape: [-1, size, size, 3], dtype: 'float32' }],
    outputs: [{ name: 'descriptor', shape: [-1, 128], dtype: 'float32' }],
    dispose: () => {
      net.dispose(false);
    },
  };
}

/** Largest batch handed to the graph at once; bigger FaceBatches are split. */
const CHUNK = 32;

class TfjsRecognizer implements Recognizer {
  readonly info: ModelInfo;
  private readonly loaded: LoadedTfjs;
  private readonly entry: ModelConfigEntry;
  private disposed = false;

  constructor(entry: ModelConfigEntry, loaded: LoadedTfjs, provider: TfjsProvider) {
    this.entry = entry;
    this.loaded = loaded;
    const dim = loaded.outputs[0]?.shape[1] ?? 0;
    this.info = {
      name: entry.name,
      kind: 'recognizer',
      backend: 'tfjs',
      provider,
      inputs: loaded.inputs,
      outputs: loaded.outputs,
      dim,
      imageSize: entry.input.size,
      state: 'ready',
      ...(entry.description !== undefined ? { description: entry.description } : {}),
    };
  }

  private preprocess(data: Uint8Array, count: number, size: number): tf.Tensor4D {
    const spec = this.entry.input;
    let x: tf.Tensor4D = tf.tensor4d(Float32Array.from(data), [count, size, size, 3], 'float32');
    if (size !== spec.size) x = tf.image.resizeBilinear(x, [spec.size, spec.size], false);
    if (spec.colorOrder === 'BGR') x = tf.reverse(x, 3);
    if (spec.scale !== 1) x = tf.mul(x, spec.scale);
    if (spec.mean.some((m) => m !== 0)) x = tf.sub(x, tf.tensor1d(spec.mean));
    if (spec.std.some((s) => s !== 1)) x = tf.div(x, tf.tensor1d(spec.std));
    if (spec.layout === 'NCHW') x = tf.transpose(x, [0, 3, 1, 2]);
    return x;
  }

  async embed(batch: FaceBatch, options?: CallOptions): Promise<Float32Array> {
    if (this.disposed) throw new FailedPreconditionError(`model ${this.info.name} is disposed`);
    checkFaceBatch(batch);
    const dim = this.info.dim;
    const out = new Float32Array(batch.count * dim);
    const px = batch.size * batch.size * 3;
    for (let start = 0; start < batch.count; start += CHUNK) {
      throwIfAborted(options?.signal);
      const n = Math.min(CHUNK, batch.count - start);
      const result = tf.tidy(() => {
        const x = this.preprocess(batch.data.subarray(start * px, (start + n) * px), n, batch.size);
        const y = this.loaded.forward(x);
        const norm = tf.maximum(tf.norm(y, 'euclidean', 1, true), 1e-12);
        return tf.div(y, norm);
      });
      const values = (await result.data()) as Float32Array;
      result.dispose();
      if (values.length !== n * dim) throw new FailedPreconditionError(`model ${this.info.name}: output has ${values.length} values, expected ${n * dim}`);
      out.set(values, start * dim);
      // Let other work (I/O, timers) run between chunks.
      if (start + n < batch.count) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.loaded.dispose();
    }
    return Promise.resolve();
  }
}

/**
 * Loads a tfjs recognizer described by `entry` (backend `tfjs`): `files[0]` is a graph model.json or
 * a face-api `*weights_manifest.json`. The returned recognizer takes aligned uint8 RGB crops of any
 * square size, resizes them bilinearly to `input.size`, applies scale/mean/std, and returns
 * L2-normalised rows.
 */
export async function createTfjsRecognizer(entry: ModelConfigEntry, ctx?: { baseDir?: string }): Promise<Recognizer> {
  const provider = await initTfjs();
  const first = entry.files[0];
  if (first === undefined) throw new FailedPreconditionError(`model ${entry.name}: backend tfjs needs a model file`);
  const file = resolveModelFile(first, ctx?.baseDir);
  const format = entry.tfjs?.format ?? (/weights_manifest\.json$/.test(basename(file)) ? 'face-api' : 'graph-model');
  const loaded = format === 'face-api' ? await loadFaceApi(entry, file) : await loadGraph(entry, file);
  return new TfjsRecognizer(entry, loaded, provider);
}

export { checkFaceBatch };

/** The tfjs module this backend uses (shared with the preprocessing detector). */
export { tf };
