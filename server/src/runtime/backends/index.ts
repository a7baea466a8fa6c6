// The backend registry: backend name (as written in the `models` config) → factory. Generator
// backends (builtin, onnx-decoder, onnx-diffusion) are added here by the generation work. Factories
// import their implementation lazily so an unused backend costs nothing at start.

import type { ExecutionProviderName, ModelConfigEntry } from '../models/config.js';
import type { Generator, Recognizer } from '../models/types.js';
import { generatorBackendFactories } from './generators.js';

export interface BackendContext {
  /** Folder that relative model paths resolve against (the config file's folder). */
  baseDir?: string;
  /** Aborted when the daemon shuts down during loading. */
  signal?: AbortSignal;
  /** Replaces every entry's `providers` (e.g. `--device cpu`). */
  providersOverride?: readonly ExecutionProviderName[];
  log?: (msg: string) => void;
}

export type BackendFactory = (entry: ModelConfigEntry, ctx: BackendContext) => Promise<Recognizer | Generator>;

export const backendFactories: Record<string, BackendFactory> = {
  onnx: async (entry, ctx) => (await import('./onnx.js')).createOnnxRecognizer(entry, ctx),
  tfjs: async (entry, ctx) => (await import('./tfjs.js')).createTfjsRecognizer(entry, ctx),
  'kserve-v2': async (entry, ctx) => (await import('./kserve.js')).createKServeRecognizer(entry, ctx),
  ...generatorBackendFactories,
};
