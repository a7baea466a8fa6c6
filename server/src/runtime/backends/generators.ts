// Generator backends, keyed by the `backend` name of a `models` config entry. Spread into the
// backend registry (./index.ts). Implementations are imported lazily so an unused backend costs
// nothing at start.
import type { ExecutionProviderName, ModelConfigEntry } from '../models/config.js';
import type { Generator } from '../models/types.js';

/** What a generator factory reads from the loading context (a subset of BackendContext). */
export interface GeneratorFactoryContext {
  baseDir?: string;
  signal?: AbortSignal;
  providersOverride?: readonly ExecutionProviderName[];
  log?: (msg: string) => void;
}

export type GeneratorFactory = (entry: ModelConfigEntry, ctx: GeneratorFactoryContext) => Promise<Generator>;

/**
 * `builtin` (facesjs + MLP, CPU), `onnx-decoder` (Vec2Face-style one-shot decoders),
 * `onnx-diffusion` (Arc2Face). A Triton-hosted generator (`kserve-v2` with kind generator) is not
 * implemented yet.
 */
export const generatorBackendFactories: Record<string, GeneratorFactory> = {
  builtin: async (entry, ctx) => (await import('./builtin-generator/index.js')).createBuiltinGenerator(entry, ctx.baseDir !== undefined ? { baseDir: ctx.baseDir } : {}),
  'onnx-decoder': async (entry, ctx) => (await import('./onnx-decoder.js')).createOnnxDecoderGenerator(entry, ctx),
  'onnx-diffusion': async (entry, ctx) => (await import('./onnx-diffusion/index.js')).createOnnxDiffusionGenerator(entry, ctx),
};
