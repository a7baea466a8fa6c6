// Builds the Config from defaults < YAML file < HYPERFACE_* environment < flags: the three sources
// are merged into one object and parsed once by the schema (schema.ts). Strict: an unknown key,
// env var or value of the wrong type is an error that names it, and one run reports every problem.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { InvalidArgumentError, type FieldViolation } from '../shared/errors.js';
import { duplicateNameProblems, resolveModels } from '../runtime/models/config.js';
import { fieldPath, toProblems } from '../runtime/models/model-config-schema.js';
import { configSchema, defaultDataDir, envName, SETTINGS, SETTINGS_BY_PATH, UNKNOWN, type Config, type Setting } from './schema.js';

/** Environment variables that are ours but not settings (read by the CLI). */
const NON_SETTING_ENV = new Set(['HYPERFACE_ADDRESS', 'HYPERFACE_TOKEN', 'HYPERFACE_CONFIG', 'HYPERFACE_DEBUG', 'HYPERFACE_TEST_LOG']);

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted setting path → raw value (strings are parsed like env values). */
  overrides?: Record<string, unknown>;
}

export async function loadConfig(options: LoadOptions = {}): Promise<Config> {
  const violations: FieldViolation[] = [];
  const raw: Record<string, unknown> = options.file ? await readFileDoc(options.file) : {};
  if (options.file) resolveFileRelative(raw, dirname(resolve(options.file)));
  /** Setting path → the env var or flag that set it, so a bad value names where it came from. */
  const source = new Map<string, string>();

  const env = options.env ?? {};
  const byEnv = new Map(SETTINGS.map((s) => [envName(s.path), s]));
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('HYPERFACE_') || NON_SETTING_ENV.has(name) || text === undefined) continue;
    const setting = byEnv.get(name);
    if (!setting) violations.push({ field: name, description: 'unknown HYPERFACE_* environment variable' });
    else if (set(raw, setting.path, parseText(text, setting, name, violations), violations)) source.set(setting.path, name);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    const setting = SETTINGS_BY_PATH.get(path);
    if (!setting) violations.push({ field: path, description: UNKNOWN });
    else if (value !== undefined && set(raw, path, typeof value === 'string' ? parseText(value, setting, path, violations) : value, violations)) source.set(path, 'flag');
  }

  const parsed = configSchema.safeParse(raw);
  const models = raw.models as { entries?: unknown } | undefined;
  // Duplicate model names are reported along with every other problem of the file.
  violations.push(...duplicateNameProblems(models?.entries));
  if (!parsed.success) violations.push(...problemsOf(parsed.error, source));
  if (violations.length > 0 || !parsed.success) throw new InvalidArgumentError(violations);

  const resolved = resolveModels({ ...parsed.data.models, defaults: parsed.data.defaults }, { defaultsPath: 'defaults' });
  if (resolved.problems.length > 0) throw new InvalidArgumentError(resolved.problems);
  return {
    ...parsed.data,
    dataDir: parsed.data.dataDir ?? defaultDataDir(env),
    // Model paths in the file are written relative to the file (docs/recognizers.md).
    models: { ...resolved.models, baseDir: options.file ? dirname(resolve(options.file)) : process.cwd() },
  };
}

/** Settings holding file paths that a config file gives relative to itself (flags and env stay relative to the working directory). */
const FILE_RELATIVE = [
  ['tls', 'cert'],
  ['tls', 'key'],
  ['tls', 'clientCa'],
  ['auth', 'tokenFile'],
] as const;

function resolveFileRelative(doc: Record<string, unknown>, dir: string): void {
  for (const [section, key] of FILE_RELATIVE) {
    const sec = doc[section];
    if (sec === null || typeof sec !== 'object' || Array.isArray(sec)) continue;
    const v = (sec as Record<string, unknown>)[key];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) (sec as Record<string, unknown>)[key] = resolve(dir, v);
  }
}

async function readFileDoc(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({ field: 'config', description: `cannot read ${file}: ${(error as Error).message}` });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new InvalidArgumentError({ field: 'config', description: `${file} is not valid YAML: ${(error as Error).message}` });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InvalidArgumentError({ field: 'config', description: `${file} must hold a mapping` });
  return doc as Record<string, unknown>;
}

/** Zod issues as field violations: an unknown key is "unknown setting"; a value from env or a flag says so. */
function problemsOf(error: z.ZodError, source: Map<string, string>): FieldViolation[] {
  return error.issues.flatMap((iss): FieldViolation[] => {
    if (iss.code === 'unrecognized_keys' && iss.message === UNKNOWN) return iss.keys.map((key) => ({ field: fieldPath('', [...iss.path, key]), description: UNKNOWN }));
    return toProblems(new z.ZodError([iss]), '').map((p) => {
      const from = source.get(p.field);
      return from && from !== 'flag' ? { ...p, description: `${p.description} (from ${from})` } : p;
    });
  });
}

/** Env and flag text → the leaf's type; the schema checks the value after. */
function parseText(text: string, setting: Setting, name: string, violations: FieldViolation[]): unknown {
  switch (setting.kind) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        violations.push({ field: name, description: `expected a number, got ${JSON.stringify(text)}` });
        return undefined;
      }
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(text)) return true;
      if (/^(0|false|no|off)$/i.test(text)) return false;
      violations.push({ field: name, description: `expected true or false, got ${JSON.stringify(text)}` });
      return undefined;
    case 'list':
      return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return text;
  }
}

/** Sets a dotted path in the merged document; false (with a violation) when a section there is not a mapping. */
function set(target: Record<string, unknown>, path: string, value: unknown, violations: FieldViolation[]): boolean {
  if (value === undefined) return false;
  const parts = path.split('.');
  let node = target;
  for (const [i, part] of parts.slice(0, -1).entries()) {
    const next = node[part] ?? {};
    if (typeof next !== 'object' || Array.isArray(next) || next === null) {
      violations.push({ field: parts.slice(0, i + 1).join('.'), description: 'must be a mapping' });
      return false;
    }
    node = node[part] = next as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
  return true;
}

/** Markdown table of every setting (docs/configuration.md is generated from this). */
export function describeSettings(): string {
  const rows = SETTINGS.map((s) => {
    const json = z.toJSONSchema(s.schema, { io: 'input', unrepresentable: 'any' }) as { default?: unknown; enum?: string[]; type?: string; description?: string };
    const type = json.enum ? json.enum.join(' \\| ') : s.kind === 'list' ? 'string[]' : json.type === 'integer' ? 'int' : json.type === 'boolean' ? 'bool' : (json.type ?? 'string');
    const def = json.default === undefined ? '(unset)' : JSON.stringify(json.default);
    return `| \`${s.path}\` | \`${envName(s.path)}\` | ${type} | ${def} | ${json.description ?? ''} |`;
  });
  return ['| setting | environment | type | default | meaning |', '|---|---|---|---|---|', ...rows, '', '`models.entries` (file only): the model declarations, see docs/recognizers.md.'].join('\n');
}
