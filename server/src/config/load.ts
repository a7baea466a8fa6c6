// Builds the Config from defaults < YAML file < HYPERFACE_* environment < flags, strictly:
// an unknown key, env var or value of the wrong type is an error that names it.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidArgumentError, type FieldViolation } from '../errors.js';
import { validateModelsConfig } from '../runtime/models/config.js';
import { defaultDataDir, envName, SETTINGS, type Config, type Leaf } from './schema.js';

/** Environment variables that are ours but not settings (read by the CLI). */
const NON_SETTING_ENV = new Set(['HYPERFACE_ADDRESS', 'HYPERFACE_TOKEN', 'HYPERFACE_CONFIG', 'HYPERFACE_DEBUG', 'HYPERFACE_TEST_LOG']);

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted setting path → raw value (strings are parsed like env values). */
  overrides?: Record<string, unknown>;
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const values = new Map<string, unknown>();
  const violations: FieldViolation[] = [];
  let entries: unknown[] = [];

  if (options.file) {
    let text: string;
    try {
      text = await readFile(options.file, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError({ field: 'config', description: `cannot read ${options.file}: ${(error as Error).message}` });
    }
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch (error) {
      throw new InvalidArgumentError({ field: 'config', description: `${options.file} is not valid YAML: ${(error as Error).message}` });
    }
    if (doc !== null && doc !== undefined) {
      if (typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidArgumentError({ field: 'config', description: `${options.file} must hold a mapping` });
      entries = flattenFile(doc as Record<string, unknown>, '', values, violations);
      // Key and token files named in the file are relative to the file, not to where the daemon starts.
      for (const path of FILE_RELATIVE) {
        const v = values.get(path);
        if (typeof v === 'string' && v !== '' && !isAbsolute(v)) values.set(path, resolve(dirname(resolve(options.file)), v));
      }
    }
  }

  const env = options.env ?? {};
  const byEnv = new Map(Object.keys(SETTINGS).map((p) => [envName(p), p]));
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('HYPERFACE_') || NON_SETTING_ENV.has(name) || raw === undefined) continue;
    const path = byEnv.get(name);
    if (!path) violations.push({ field: name, description: 'unknown HYPERFACE_* environment variable' });
    else values.set(path, parseText(raw, SETTINGS[path as keyof typeof SETTINGS], name, violations));
  }

  for (const [path, raw] of Object.entries(options.overrides ?? {})) {
    const leaf = (SETTINGS as Record<string, Leaf>)[path];
    if (!leaf) violations.push({ field: path, description: 'unknown setting' });
    else if (raw !== undefined) values.set(path, typeof raw === 'string' && leaf.type !== 'string' ? parseText(raw, leaf, path, violations) : raw);
  }

  const config: Record<string, unknown> = {};
  for (const [path, leafAny] of Object.entries(SETTINGS)) {
    const leaf = leafAny as Leaf;
    const value = values.has(path) ? values.get(path) : leaf.default;
    checkValue(path, value, leaf, violations);
    setPath(config, path, Array.isArray(value) ? [...(value as unknown[])] : value);
  }
  // The model declarations are checked here too, so one run reports every problem of the file.
  if (entries.length > 0) violations.push(...modelProblems(config, entries));
  if (violations.length > 0) throw new InvalidArgumentError(violations);
  config.dataDir ??= defaultDataDir(env);
  (config.models as Record<string, unknown>).entries = entries;
  // Model paths in the file are written relative to the file (docs/recognizers.md).
  (config.models as Record<string, unknown>).baseDir = options.file ? dirname(resolve(options.file)) : process.cwd();
  return config as unknown as Config;
}

/** Settings holding file paths that a config file gives relative to itself (flags and env stay relative to the working directory). */
const FILE_RELATIVE = ['tls.cert', 'tls.key', 'tls.clientCa', 'auth.tokenFile'];

function modelProblems(config: Record<string, unknown>, entries: unknown[]): FieldViolation[] {
  const models = config.models as { builtin?: unknown } | undefined;
  const defaults = (config.defaults ?? {}) as Record<string, unknown>;
  try {
    validateModelsConfig({ builtin: models?.builtin === false ? false : true, entries, defaults }, { defaultsPath: 'defaults' });
    return [];
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations;
    throw error;
  }
}

function flattenFile(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown>, violations: FieldViolation[]): unknown[] {
  let entries: unknown[] = [];
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (path === 'models.entries') {
      if (!Array.isArray(value)) violations.push({ field: path, description: 'must be a list of model declarations' });
      else entries = value;
      continue;
    }
    if (path in SETTINGS) {
      out.set(path, value);
      continue;
    }
    const isSection = Object.keys(SETTINGS).some((p) => p.startsWith(path + '.')) || path === 'models';
    if (isSection && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const nested = flattenFile(value as Record<string, unknown>, path, out, violations);
      if (nested.length > 0) entries = nested;
    } else {
      violations.push({ field: path, description: isSection ? 'must be a mapping' : 'unknown setting' });
    }
  }
  return entries;
}

function parseText(raw: string, leaf: Leaf, name: string, violations: FieldViolation[]): unknown {
  switch (leaf.type) {
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) {
        violations.push({ field: name, description: `expected a number, got ${JSON.stringify(raw)}` });
        return undefined;
      }
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      violations.push({ field: name, description: `expected true or false, got ${JSON.stringify(raw)}` });
      return undefined;
    case 'string[]':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}

function checkValue(path: string, value: unknown, leaf: Leaf, violations: FieldViolation[]): void {
  if (value === undefined) return;
  const bad = (description: string): void => void violations.push({ field: path, description });
  switch (leaf.type) {
    case 'string':
      if (typeof value !== 'string') bad('expected a string');
      return;
    case 'bool':
      if (typeof value !== 'boolean') bad('expected true or false');
      return;
    case 'string[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) bad('expected a list of strings');
      return;
    case 'enum':
      if (typeof value !== 'string' || !leaf.values?.includes(value)) bad(`expected one of ${leaf.values?.join(', ')}`);
      return;
    case 'int':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('expected a number');
      if (leaf.type === 'int' && !Number.isInteger(value)) return bad('expected an integer');
      if (leaf.min !== undefined && value < leaf.min) return bad(`must be >= ${leaf.min}`);
      if (leaf.max !== undefined && value > leaf.max) return bad(`must be <= ${leaf.max}`);
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined && value !== undefined) node[last] = value;
}

/** Markdown table of every setting (docs/configuration.md is generated from this). */
export function describeSettings(): string {
  const rows = Object.entries(SETTINGS).map(([path, leafAny]) => {
    const leaf = leafAny as Leaf;
    const def = leaf.default === undefined ? '(unset)' : JSON.stringify(leaf.default);
    return `| \`${path}\` | \`${envName(path)}\` | ${leaf.type === 'enum' ? leaf.values?.join(' \\| ') : leaf.type} | ${def} | ${leaf.doc} |`;
  });
  return ['| setting | environment | type | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}
