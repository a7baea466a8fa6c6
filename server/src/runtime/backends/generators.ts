// Generator backends, keyed by the `backend` name of a `models` config entry. Spread into the
// backend registry (./index.ts). Implementations are imported lazily so an unused backend costs
// nothing at start.
import type { ExecutionProviderName, ModelConfigEntry } from '../models/config.js';
import type { Generator, Recognizer } from '../models/types.js';

/** What a generator factory reads from the loading context (a subset of BackendContext). */
export interface GeneratorFactoryContext {
  baseDir?: string;
  signal?: AbortSignal;
  providersOverride?: readonly ExecutionProviderName[];
  log?: (msg: string) => void;
}

export type GeneratorFactory = (entry: ModelConfigEntry, ctx: GeneratorFactoryContext) => Promise<Generator | Recognizer>;

/**
 * `builtin` (facesjs + MLP, CPU), `onnx-decoder` (Vec2Face-style one-shot decoders),
 * `onnx-diffusion` (Arc2Face), and `kserve-v2` dispatched on the entry's kind: generators go to the
 * Triton-hosted generator, recognizers to the kserve recognizer exactly as before.
 */
export const generatorBackendFactories: Record<string, GeneratorFactory> = {
  builtin: async (entry, ctx) => (await import('./builtin-generator/index.js')).createBuiltinGenerator(entry, ctx.baseDir !== undefined ? { baseDir: ctx.baseDir } : {}),
  'onnx-decoder': async (entry, ctx) => (await import('./onnx-decoder.js')).createOnnxDecoderGenerator(entry, ctx),
  'onnx-diffusion': async (entry, ctx) => (await import('./onnx-diffusion/index.js')).createOnnxDiffusionGenerator(entry, ctx),
  'kserve-v2': async (entry, ctx) =>
    entry.kind === 'generator'
      ? (await import('./kserve-generator.js')).createKServeGenerator(entry, ctx.signal ? { signal: ctx.signal } : {})
      : (await import('./kserve.js')).createKServeRecognizer(entry, ctx.signal ? { signal: ctx.signal } : {}),
};
