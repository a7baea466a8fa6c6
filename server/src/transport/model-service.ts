// ModelService: the model repository as seen on the wire.
import type { ModelServiceHandlers } from '@hyperface/sdk/gen/hyperface/v1/ModelService';
import type { ModelInfo as WireModelInfo } from '@hyperface/sdk/gen/hyperface/v1/ModelInfo';
import { InvalidArgumentError } from '../shared/errors.js';
import type { ModelInfo, ModelKind } from '../runtime/models/types.js';
import { unary, type TransportDeps } from './call.js';
import { enumOf } from './bounds.js';

export interface ModelCatalog {
  list(kind?: ModelKind): ModelInfo[];
  info(name: string): ModelInfo;
  readonly defaultRecognizerName: string;
  readonly defaultGeneratorName: string;
}

const STATE = { loading: 'MODEL_STATE_LOADING', warming: 'MODEL_STATE_WARMING', ready: 'MODEL_STATE_READY', failed: 'MODEL_STATE_FAILED' } as const;

export function modelToWire(m: ModelInfo, catalog: ModelCatalog): WireModelInfo {
  return {
    name: m.name,
    kind: m.kind === 'recognizer' ? 'MODEL_KIND_RECOGNIZER' : 'MODEL_KIND_GENERATOR',
    backend: m.backend,
    provider: m.provider,
    inputs: m.inputs,
    outputs: m.outputs,
    dim: m.dim,
    state: STATE[m.state],
    error: m.error ?? '',
    imageSize: m.imageSize,
    isDefault: m.name === (m.kind === 'recognizer' ? catalog.defaultRecognizerName : catalog.defaultGeneratorName),
    description: m.description ?? '',
  };
}

export function modelHandlers(deps: TransportDeps, catalog: ModelCatalog): ModelServiceHandlers {
  return {
    ListModels: unary(deps, 'ListModels', async (req) => {
      const kind = enumOf(req.kind, { MODEL_KIND_UNSPECIFIED: undefined, MODEL_KIND_RECOGNIZER: 'recognizer', MODEL_KIND_GENERATOR: 'generator' } as const, 'kind');
      return { models: catalog.list(kind).map((m) => modelToWire(m, catalog)) };
    }),
    GetModel: unary(deps, 'GetModel', async (req) => {
      if (!req.name) throw new InvalidArgumentError({ field: 'name', description: 'a model name is required' });
      return modelToWire(catalog.info(req.name), catalog);
    }),
  };
}

/** The catalog over a repository that may still be loading: empty list, no defaults meanwhile. */
export function lateCatalog(repository: () => (ModelCatalog | undefined), require: () => ModelCatalog): ModelCatalog {
  return {
    list: (kind) => repository()?.list(kind) ?? [],
    info: (name) => require().info(name),
    get defaultRecognizerName() {
      return repository()?.defaultRecognizerName ?? '';
    },
    get defaultGeneratorName() {
      return repository()?.defaultGeneratorName ?? '';
    },
  };
}
