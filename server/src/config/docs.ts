// The generated parts of the docs: the settings table (docs/configuration.md, from SETTINGS) and
// the model-declaration reference (docs/recognizers.md, from the zod schema of the `models`
// section). scripts/gen-docs.mjs writes them between their markers; docs.test.ts checks they match.
import * as z from 'zod';
import { ENTRY_SCHEMAS, MODEL_BACKENDS, modelsSectionSchema } from '../runtime/models/model-config-schema.js';
import { describeSettings } from './load.js';

export interface GeneratedSection {
  /** Path from the repository root. */
  file: string;
  /** Marker name: the content sits between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->`. */
  name: string;
  render: () => string;
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: 'docs/configuration.md', name: 'settings', render: describeSettings },
  { file: 'docs/recognizers.md', name: 'models', render: describeModelsSchema },
];

/** `text` with the section's content replaced (the markers must be there). */
export function applySection(text: string, section: GeneratedSection): string {
  const begin = `<!-- BEGIN GENERATED: ${section.name} (scripts/gen-docs.mjs) -->`;
  const end = `<!-- END GENERATED: ${section.name} -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${section.file}: markers for ${section.name} not found (${begin} … ${end})`);
  return `${text.slice(0, a + begin.length)}\n${section.render()}\n${text.slice(b)}`;
}

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const).replace(/^"|"$/g, '')}\``;
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v).replace(/^"|"$/g, '')}\``).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.prefixItems) return `[${s.prefixItems.map(typeOf).join(', ')}]`;
  if (s.type === 'array') {
    const item = s.items ? typeOf(s.items) : 'unknown';
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  if (s.type === 'integer' || s.type === 'number') {
    const bounds = [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '', s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : ''].filter(Boolean);
    return `${s.type === 'integer' ? 'int' : 'number'}${bounds.length ? ` ${bounds.join(' ')}` : ''}`;
  }
  if (s.type === 'object' && !s.properties) return 'mapping';
  return s.type ?? 'any';
}

interface Row {
  path: string;
  /** Per backend, merged when they differ (e.g. `backend`'s own name). */
  types: Set<string>;
  description: string;
  /** Default per backend (`required` when the key must be written). */
  defaults: Map<string, string>;
}

/** A minimal valid entry of each backend; parsing it shows every default the schema fills in. */
function minimalEntry(backend: string): Record<string, unknown> {
  const recognizer = ['onnx', 'tfjs', 'kserve-v2'].includes(backend);
  return { name: 'NAME', kind: recognizer ? 'recognizer' : 'generator', backend, ...(backend === 'onnx' || backend === 'tfjs' ? { files: ['m'] } : {}), ...(backend === 'kserve-v2' ? { kserve: { url: 'h:1' } } : {}) };
}

function at(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (v === 'NAME') return 'the entry name';
  return `\`${JSON.stringify(v)}\``;
}

/** `optionalParent`: the object holding these keys may itself be left out (e.g. `tfjs`). */
function walk(schema: JsonSchema, prefix: string[], parsed: unknown, backend: string, rows: Map<string, Row>, optionalParent?: string): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, key];
    if (prop.type === 'object' && prop.properties) {
      walk(prop, path, parsed, backend, rows, schema.required?.includes(key) || at(parsed, path) !== undefined ? optionalParent : path.join('.'));
      continue;
    }
    const id = path.join('.');
    const row = rows.get(id) ?? { path: id, types: new Set<string>(), description: prop.description ?? '', defaults: new Map<string, string>() };
    for (const alternative of typeOf(prop).split(' \\| ')) row.types.add(alternative);
    const required = schema.required?.includes(key) ? (optionalParent ? `required in \`${optionalParent}\`` : 'required') : undefined;
    row.defaults.set(backend, required ?? show(at(parsed, path)));
    rows.set(id, row);
  }
}

/** Markdown reference of the `models` section and of a model entry, per backend. */
export function describeModelsSchema(): string {
  const section = z.toJSONSchema(modelsSectionSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = ['| `models.` key | type | default | meaning |', '|---|---|---|---|'];
  const sectionDefaults = modelsSectionSchema.parse({});
  for (const [key, prop] of Object.entries(section.properties ?? {})) {
    if (prop.type === 'object' && prop.properties) {
      for (const [sub, p] of Object.entries(prop.properties)) out.push(`| \`${key}.${sub}\` | ${typeOf(p)} | ${show(at(sectionDefaults, [key, sub]))} | ${p.description ?? ''} |`);
    } else {
      out.push(`| \`${key}\` | ${key === 'entries' ? 'list of entries' : typeOf(prop)} | ${show(at(sectionDefaults, [key]))} | ${prop.description ?? ''} |`);
    }
  }
  const rows = new Map<string, Row>();
  for (const backend of MODEL_BACKENDS) {
    const schema = ENTRY_SCHEMAS[backend];
    walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, [], schema.parse(minimalEntry(backend)), backend, rows);
  }
  out.push('', 'A model entry (`models.entries[i]`); the `backend` key selects which keys are allowed and their defaults:', '');
  out.push('| key | type | backends | default | meaning |', '|---|---|---|---|---|');
  for (const row of rows.values()) {
    const backends = [...row.defaults.keys()];
    const byValue = new Map<string, string[]>();
    for (const [b, v] of row.defaults) byValue.set(v, [...(byValue.get(v) ?? []), b]);
    const def = byValue.size === 1 ? [...byValue.keys()][0] : [...byValue].map(([v, bs]) => `${v} (${bs.join(', ')})`).join('; ');
    out.push(`| \`${row.path}\` | ${[...row.types].join(' \\| ')} | ${backends.length === MODEL_BACKENDS.length ? 'all' : backends.join(', ')} | ${def} | ${row.description} |`);
  }
  return out.join('\n');
}
