// ModelRepository: loads every configured model through its backend, warms it up with one dummy
// batch, tracks loading → warming → ready | failed, and hands recognizers / generators out by name.

import { FailedPreconditionError, NotFoundError, throwIfAborted } from '../../shared/errors.js';
import { backendFactories } from '../backends/index.js';
import type { BackendContext, BackendFactory } from '../backends/index.js';
import { builtinModels } from './catalogue.js';
import type { ExecutionProviderName, ModelConfigEntry, ModelsConfig } from './config.js';
import type { Generator, ModelInfo, ModelKind, ModelState, Recognizer } from './types.js';

export type RepositoryLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RepositoryLog = (level: RepositoryLogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface ModelRepositoryOptions {
  log?: RepositoryLog;
  /** Aborts loading (shutdown during start). */
  signal?: AbortSignal;
  /** Replaces every entry's `providers`. */
  providersOverride?: readonly ExecutionProviderName[];
  /** Folder relative model paths resolve against. @default process.cwd() */
  baseDir?: string;
  /** Backend registry. @default backendFactories */
  factories?: Record<string, BackendFactory>;
  /** Run one dummy batch per model before marking it ready. @default true */
  warmup?: boolean;
}

interface Slot {
  entry: ModelConfigEntry;
  builtin: boolean;
  info: ModelInfo;
  model?: Recognizer | Generator;
}

export type StateListener = (info: ModelInfo) => void;

function placeholder(entry: ModelConfigEntry): ModelInfo {
  return {
    name: entry.name,
    kind: entry.kind,
    backend: entry.backend,
    provider: '',
    inputs: [],
    outputs: [],
    dim: entry.output.dim ?? 0,
    imageSize: entry.input.size,
    state: 'loading',
    ...(entry.description !== undefined ? { description: entry.description } : {}),
  };
}

export class ModelRepository {
  private readonly slots = new Map<string, Slot>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly readyListeners = new Set<() => void>();
  private readonly opts: ModelRepositoryOptions;
  private settled = false;
  private disposed = false;
  readonly defaultRecognizerName: string;
  readonly defaultGeneratorName: string;
  /** Settles when every model is ready or failed. */
  readonly loaded: Promise<void>;

  private constructor(cfg: ModelsConfig, opts: ModelRepositoryOptions, startLoading: boolean) {
    this.opts = opts;
    const builtinNames = new Set(builtinModels().map((b) => b.name));
    const builtinEntries = new Map(builtinModels().map((b) => [b.name, b]));
    for (const entry of cfg.entries) {
      // An entry counts as builtin when it is the unmodified builtin declaration.
      const b = builtinEntries.get(entry.name);
      const builtin = builtinNames.has(entry.name) && b !== undefined && b.backend === entry.backend && JSON.stringify(b.files) === JSON.stringify(entry.files);
      this.slots.set(entry.name, { entry, builtin, info: placeholder(entry) });
    }
    const names = cfg.load.length > 0 ? new Set(cfg.load) : undefined;
    if (names) for (const name of [...this.slots.keys()]) if (!names.has(name)) this.slots.delete(name);
    this.defaultRecognizerName = this.slots.get(cfg.defaults.recognizer)?.entry.kind === 'recognizer' ? cfg.defaults.recognizer : ([...this.slots.values()].find((s) => s.entry.kind === 'recognizer')?.entry.name ?? '');
    this.defaultGeneratorName = this.slots.get(cfg.defaults.generator)?.entry.kind === 'generator' ? cfg.defaults.generator : ([...this.slots.values()].find((s) => s.entry.kind === 'generator')?.entry.name ?? '');
    this.loaded = startLoading ? this.loadAll() : Promise.resolve();
    this.loaded.catch(() => undefined);
  }

  /**
   * Loads and warms every model, resolving when all are ready. A configured model that cannot be
   * loaded (missing or broken file, unknown backend, failed warm-up) rejects with a
   * FailedPreconditionError naming the model and the problem, after disposing what was loaded.
   * Builtin entries whose backend is not registered (e.g. the generator before its backend lands)
   * are only marked failed.
   */
  static async create(cfg: ModelsConfig, opts: ModelRepositoryOptions = {}): Promise<ModelRepository> {
    const repo = new ModelRepository(cfg, opts, true);
    try {
      await repo.loaded;
    } catch (error) {
      await repo.dispose();
      throw error;
    }
    return repo;
  }

  /**
   * Returns at once with every model `loading`; loading continues in the background (`loaded`,
   * `onStateChange`, `onReady`). Lets the transport report per-service health while models load.
   */
  static open(cfg: ModelsConfig, opts: ModelRepositoryOptions = {}): ModelRepository {
    return new ModelRepository(cfg, opts, true);
  }

  private log(level: RepositoryLogLevel, msg: string, fields?: Record<string, unknown>): void {
    this.opts.log?.(level, msg, fields);
  }

  private setState(slot: Slot, state: ModelState, error?: string): void {
    slot.info = { ...slot.info, state, ...(error !== undefined ? { error } : {}) };
    if (error === undefined) delete slot.info.error;
    for (const l of this.stateListeners) {
      try {
        l(slot.info);
      } catch (e) {
        this.log('warn', 'model state listener threw', { error: (e as Error).message });
      }
    }
  }

  private async loadAll(): Promise<void> {
    let firstError: FailedPreconditionError | undefined;
    // Yield once so listeners registered right after open() see every transition.
    await Promise.resolve();
    for (const slot of this.slots.values()) {
      try {
        throwIfAborted(this.opts.signal);
        await this.loadOne(slot);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.setState(slot, 'failed', message);
        const missingBackend = !(this.opts.factories ?? backendFactories)[slot.entry.backend];
        if (slot.builtin && missingBackend) {
          this.log('warn', 'builtin model unavailable', { model: slot.entry.name, error: message });
          continue;
        }
        this.log('error', 'model failed to load', { model: slot.entry.name, error: message });
        firstError ??= error instanceof FailedPreconditionError ? error : new FailedPreconditionError(`model ${slot.entry.name}: ${message}`, { cause: error });
        if (this.opts.signal?.aborted) break;
      }
    }
    this.settled = true;
    if (firstError) throw firstError;
    for (const l of this.readyListeners) l();
  }

  private async loadOne(slot: Slot): Promise<void> {
    const { entry } = slot;
    const factory = (this.opts.factories ?? backendFactories)[entry.backend];
    if (!factory) {
      throw new FailedPreconditionError(`model ${entry.name}: backend "${entry.backend}" is not available in this build (registered: ${Object.keys(this.opts.factories ?? backendFactories).join(', ')})`);
    }
    const started = performance.now();
    this.setState(slot, 'loading');
    const ctx: BackendContext = {
      ...(this.opts.baseDir !== undefined ? { baseDir: this.opts.baseDir } : {}),
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      ...(this.opts.providersOverride ? { providersOverride: this.opts.providersOverride } : {}),
      log: (msg) => this.log('warn', msg, { model: entry.name }),
    };
    const model = await factory(entry, ctx);
    if (this.disposed) {
      await model.dispose();
      throw new FailedPreconditionError(`model ${entry.name}: repository disposed while loading`);
    }
    if (model.info.kind !== entry.kind) {
      await model.dispose();
      throw new FailedPreconditionError(`model ${entry.name}: backend ${entry.backend} produced a ${model.info.kind}, but the entry declares a ${entry.kind}`);
    }
    slot.model = model;
    slot.info = { ...model.info, name: entry.name, state: 'warming' };
    this.setState(slot, 'warming');
    if (this.opts.warmup !== false) {
      try {
        await warmUp(model);
      } catch (error) {
        throw new FailedPreconditionError(`model ${entry.name}: warm-up failed: ${(error as Error).message}`, { cause: error });
      }
    }
    this.setState(slot, 'ready');
    this.log('info', 'model ready', { model: entry.name, backend: entry.backend, provider: slot.info.provider, dim: slot.info.dim, ms: Math.round(performance.now() - started) });
  }

  /** Every registered model (optionally one kind), in config order. */
  list(kind?: ModelKind): ModelInfo[] {
    return [...this.slots.values()].filter((s) => kind === undefined || s.entry.kind === kind).map((s) => s.info);
  }

  /** NotFoundError for an unknown name. */
  info(name: string): ModelInfo {
    const slot = this.slots.get(name);
    if (!slot) throw new NotFoundError(`model "${name}"`);
    return slot.info;
  }

  /** The config entry a model was loaded from. */
  entry(name: string): ModelConfigEntry {
    const slot = this.slots.get(name);
    if (!slot) throw new NotFoundError(`model "${name}"`);
    return slot.entry;
  }

  private get(name: string | undefined, kind: ModelKind): Recognizer | Generator {
    const resolved = name || (kind === 'recognizer' ? this.defaultRecognizerName : this.defaultGeneratorName);
    if (!resolved) throw new NotFoundError(`default ${kind} (none is configured)`);
    const slot = this.slots.get(resolved);
    if (!slot) throw new NotFoundError(`${kind} "${resolved}"`);
    if (slot.entry.kind !== kind) throw new FailedPreconditionError(`model "${resolved}" is a ${slot.entry.kind}, not a ${kind}`);
    if (slot.info.state !== 'ready' || !slot.model) {
      throw new FailedPreconditionError(`${kind} "${resolved}" is ${slot.info.state}${slot.info.error ? `: ${slot.info.error}` : ''}`);
    }
    return slot.model;
  }

  /** Empty/undefined name = the default recognizer. NotFound for unknown names; FailedPrecondition when not ready or not a recognizer. */
  recognizer(name?: string): Recognizer {
    return this.get(name, 'recognizer') as Recognizer;
  }

  /** Empty/undefined name = the default generator. */
  generator(name?: string): Generator {
    return this.get(name, 'generator') as Generator;
  }

  /** True when every named model (default: all) is ready. */
  isReady(names?: string[]): boolean {
    const list = names ?? [...this.slots.keys()];
    return list.every((n) => this.slots.get(n)?.info.state === 'ready');
  }

  /** Called on every state change; returns an unsubscribe function. */
  onStateChange(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called once loading has finished without a fatal error (immediately when it already has). */
  onReady(listener: () => void): () => void {
    if (this.settled) {
      this.loaded.then(listener, () => undefined);
      return () => undefined;
    }
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const models = [...this.slots.values()].flatMap((s) => (s.model ? [s.model] : []));
    for (const s of this.slots.values()) delete s.model;
    await Promise.allSettled(models.map((m) => m.dispose()));
  }
}

async function warmUp(model: Recognizer | Generator): Promise<void> {
  if (model.info.kind === 'recognizer') {
    const size = model.info.imageSize || 112;
    await (model as Recognizer).embed({ data: new Uint8Array(size * size * 3).fill(128), count: 1, size });
  } else {
    const dim = Math.max(1, model.info.dim);
    const embedding = new Float32Array(dim);
    embedding[0] = 1;
    await (model as Generator).render([{ embedding, seed: 0, variation: { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 } }]);
  }
}
