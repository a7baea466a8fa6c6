// The interfaces every model backend implements. The runtime knows nothing about RPCs; the domain
// layer talks to models only through these types and the ModelRepository.

export type ModelKind = 'recognizer' | 'generator';
export type ModelState = 'loading' | 'warming' | 'ready' | 'failed';

export interface TensorSpecInfo {
  name: string;
  /** -1 = dynamic. */
  shape: number[];
  dtype: string;
}

export interface ModelInfo {
  name: string;
  kind: ModelKind;
  backend: string;
  /** Execution provider actually in use: cpu, webgpu, cuda, wasm, tensorflow, remote. */
  provider: string;
  inputs: TensorSpecInfo[];
  outputs: TensorSpecInfo[];
  /** Embedding dimension (recognizer output; generator identity input). */
  dim: number;
  /** Square image side in pixels (recognizer input; generator output). */
  imageSize: number;
  state: ModelState;
  error?: string;
  description?: string;
}

/** A batch of aligned face crops: uint8 RGB, HWC, `count` images of `size` x `size`. */
export interface FaceBatch {
  data: Uint8Array;
  count: number;
  size: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Recognizers: return the model's output rows before L2 normalisation (onnx, kserve), so that the
   * flip test can add raw outputs as insightface does. Backends without a raw scale normalise anyway.
   */
  raw?: boolean;
  /**
   * The caller gives up `batch.data`: a backend that hands the crops to another thread may move
   * (detach) a buffer the view owns whole instead of copying it. @default false
   */
  transferInput?: boolean;
}

export interface Recognizer {
  readonly info: ModelInfo;
  /**
   * Embeds aligned crops (any square size; the backend resizes to its input when needed).
   * Returns [count, dim] float32, each row L2-normalised (unless `raw` is asked of a backend that has it).
   */
  embed(batch: FaceBatch, options?: CallOptions): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Intra-class variation amounts, each in [0, 1]. */
export interface VariationSettings {
  beta: number;
  pose: number;
  color: number;
  background: number;
  accessories: number;
}

export interface RenderItem {
  /**
   * The clean unit identity embedding (the same for every sample of an identity), length = generator
   * dim. β is applied by each backend from the seed: the network generators perturb this embedding,
   * the builtin one keeps the identity and varies only the photo's nuisance.
   */
  embedding: Float32Array;
  /** Per-sample seed (uint32); the same (embedding, seed, variation) renders byte-identical pixels. */
  seed: number;
  variation: VariationSettings;
  /**
   * The starting noise x_T of a diffusion generator ([latentChannels, latentSize, latentSize]
   * float32), instead of the N(0, I) draw from `seed`: the same x_T as an upstream (diffusers) run
   * reproduces its image. Generators without latents ignore it.
   */
  initialLatents?: Float32Array;
}

export interface RawImageData {
  width: number;
  height: number;
  channels: 3;
  /** uint8 RGB HWC. */
  data: Uint8Array;
}

export interface Generator {
  readonly info: ModelInfo;
  render(items: RenderItem[], options?: CallOptions): Promise<RawImageData[]>;
  dispose(): Promise<void>;
}
