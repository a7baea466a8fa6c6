// Validates the `models` section (schema.ts) and applies what one entry alone cannot say: names
// are unique, `load` and `defaults` name registered models of the right kind, and the catalogue's
// builtin entries are merged in. Every problem is reported at once, each with its field path.

import { InvalidArgumentError } from '../../shared/errors.js';
import { builtinModels, DEFAULT_GENERATOR, DEFAULT_RECOGNIZER } from './catalogue.js';
import { type FieldProblem, type ModelConfigEntry, modelEntrySchema, modelsSectionSchema, toProblems } from './model-config-schema.js';
import type { ModelKind } from './types.js';

export { builtinModels, DEFAULT_GENERATOR, DEFAULT_RECOGNIZER, packageDir, resolveModelFile } from './catalogue.js';
export { EXECUTION_PROVIDERS, MODEL_BACKENDS } from './model-config-schema.js';
export type { ExecutionProviderName, InputSpec, KServeOptions, ModelBackendName, ModelConfigEntry, ModelsSectionInput, OutputSpec, TfjsOptions } from './model-config-schema.js';

export interface ModelsConfig {
  /** Whether the catalogue's builtin entries were registered. */
  builtin: boolean;
  /** Names of the models to load at start; empty = every registered model. */
  load: string[];
  /** The registered models: the builtins (when enabled) followed by the configured entries, narrowed to `load` when it is set. */
  entries: ModelConfigEntry[];
  /** Resolved default names ('' when no model of that kind is registered). */
  defaults: { recognizer: string; generator: string };
}

/** Validates one model entry (strict) and fills its defaults. `path` prefixes error fields. */
export function validateModelEntry(raw: unknown, path: string): ModelConfigEntry {
  const r = modelEntrySchema.safeParse(raw);
  if (!r.success) throw new InvalidArgumentError(toProblems(r.error, path));
  return r.data;
}

export interface ValidateModelsOptions {
  /** Field prefix of the section in error messages. @default 'models' */
  path?: string;
  /** Field prefix of `defaults` (the daemon config keeps them at the top level). @default `${path}.defaults` */
  defaultsPath?: string;
}

/** The `models` section as its schema parsed it (defaults filled in, before the cross-entry checks). */
export interface ParsedModelsSection {
  builtin: boolean;
  load: string[];
  entries: ModelConfigEntry[];
  defaults: { recognizer?: string | undefined; generator?: string | undefined };
}

/** Duplicate entry names, checked on the raw entries so they are reported along with schema errors. */
export function duplicateNameProblems(rawEntries: unknown, path = 'models'): FieldProblem[] {
  const seen = new Map<string, number>();
  const problems: FieldProblem[] = [];
  (Array.isArray(rawEntries) ? rawEntries : []).forEach((e: unknown, i) => {
    const name = (e as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const prev = seen.get(name);
    if (prev !== undefined) problems.push({ field: `${path}.entries[${i}].name`, description: `duplicate model name "${name}" (also ${path}.entries[${prev}])` });
    else seen.set(name, i);
  });
  return problems;
}

/**
 * What one entry alone cannot say: builtin entries are merged in (unless `builtin: false`; a
 * configured entry with a builtin's name replaces it), every `load[i]` names a registered model
 * (then only those are kept), and the default recognizer and generator are chosen.
 */
export function resolveModels(section: ParsedModelsSection, options: ValidateModelsOptions = {}): { models: ModelsConfig; problems: FieldProblem[] } {
  const path = options.path ?? 'models';
  const defaultsPath = options.defaultsPath ?? `${path}.defaults`;
  const { builtin, load, entries: configured, defaults } = section;
  const named = new Set(configured.map((e) => e.name));
  const registered = [...(builtin ? builtinModels().filter((b) => !named.has(b.name)) : []), ...configured];
  const byName = new Map(registered.map((e) => [e.name, e]));
  const problems: FieldProblem[] = [];
  load.forEach((n, i) => {
    if (!byName.has(n)) problems.push({ field: `${path}.load[${i}]`, description: `no model named "${n}" (registered: ${[...byName.keys()].join(', ') || 'none'})` });
  });
  const pick = (kind: ModelKind, wanted: string | undefined, documented: string): string => {
    // The documented default quietly falls back when its model is not registered.
    if (wanted !== undefined && !(wanted === documented && !byName.has(wanted))) {
      const e = byName.get(wanted);
      if (!e) problems.push({ field: `${defaultsPath}.${kind}`, description: `no model named "${wanted}"` });
      else if (e.kind !== kind) problems.push({ field: `${defaultsPath}.${kind}`, description: `model "${wanted}" is a ${e.kind}` });
      return wanted;
    }
    return byName.get(documented)?.kind === kind ? documented : (registered.find((e) => e.kind === kind)?.name ?? '');
  };
  const recognizer = pick('recognizer', defaults.recognizer, DEFAULT_RECOGNIZER);
  const generator = pick('generator', defaults.generator, DEFAULT_GENERATOR);
  const entries = load.length > 0 ? registered.filter((e) => load.includes(e.name)) : registered;
  return { models: { builtin, load, entries, defaults: { recognizer, generator } }, problems };
}

/**
 * Validates a standalone `models` section `{ builtin?, load?, entries?, defaults? }` and resolves
 * it (resolveModels). The daemon config parses the same keys as part of the whole config.
 */
export function validateModelsConfig(raw: unknown, options: ValidateModelsOptions = {}): ModelsConfig {
  const path = options.path ?? 'models';
  const defaultsPath = options.defaultsPath ?? `${path}.defaults`;
  const parsed = modelsSectionSchema.safeParse(raw ?? {});
  const duplicates = duplicateNameProblems((raw as { entries?: unknown } | undefined)?.entries, path);
  if (!parsed.success) {
    const schemaProblems = toProblems(parsed.error, path).map((p) => (p.field.startsWith(`${path}.defaults`) ? { ...p, field: defaultsPath + p.field.slice(`${path}.defaults`.length) } : p));
    throw new InvalidArgumentError([...schemaProblems, ...duplicates]);
  }
  const { models, problems } = resolveModels(parsed.data, options);
  if (duplicates.length + problems.length > 0) throw new InvalidArgumentError([...duplicates, ...problems]);
  return models;
}
