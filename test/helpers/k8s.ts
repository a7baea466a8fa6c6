// Shared by the deploy tests (deploy-k8s, deploy-docker, deploy-shards): the repository paths,
// `kubectl kustomize` rendering, schema validation of rendered objects and the pod's config.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { loadConfig } from '@hyperface/server/config/load';
import { validateModelsConfig } from '@hyperface/server/runtime/models/config';

export const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const K8S = join(ROOT, 'deploy', 'k8s');
export const CLI = join(ROOT, 'server', 'bin', 'hyperface.js');
export const MERGE = join(K8S, 'merge-shards.mjs');
export const OVERLAYS = ['cpu', 'gpu', 'triton'] as const;
export const GRPC_PORT = 50051;
export const METRICS_PORT = 9464;
export const READINESS_SERVICE = 'hyperface.v1.GenerationService';
/** shutdown.graceMs's default (server/src/config/schema.ts), when the manifests do not set it. */
export const DEFAULT_GRACE_MS = 10_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: unknown;
}

// --- kubectl kustomize ------------------------------------------------------------------------

/** kubectl with the `kustomize` subcommand ($KUBECTL or PATH); undefined when there is none. */
export function findKubectl(): string | undefined {
  const candidate = process.env.KUBECTL ?? 'kubectl';
  const r = spawnSync(candidate, ['kustomize', '--help'], { stdio: 'ignore' });
  return r.status === 0 ? candidate : undefined;
}
export const KUBECTL = findKubectl();
// CI installs kubectl (scripts/ci-system-deps.sh), so there a missing one is a failure, not a skip.
export const noKubectl = KUBECTL === undefined && !process.env.CI ? 'kubectl (with kustomize) is not installed: bash scripts/ci-system-deps.sh' : false;

export const rendered = new Map<string, K8sObject[]>();
export function render(dir: string): K8sObject[] {
  const cached = rendered.get(dir);
  if (cached) return cached;
  assert.ok(KUBECTL, 'kubectl with kustomize is required (scripts/ci-system-deps.sh installs it)');
  // stderr carries kustomize's deprecation warnings for the v2-compatible fields; stdout is the YAML.
  const yaml = execFileSync(KUBECTL, ['kustomize', join(K8S, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(yaml)) {
    assert.equal(doc.errors.length, 0, `${dir}: YAML errors: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  assert.ok(objects.length > 0, `${dir} rendered nothing`);
  rendered.set(dir, objects);
  return objects;
}

export function all<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}
export function one<T>(objects: K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as unknown as T;
}

// --- schema validation ------------------------------------------------------------------------

/** kubernetes-models' validate(): the model class for the object's apiVersion/kind. */
export async function validateWithModel(obj: K8sObject): Promise<void> {
  const mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<string, unknown>;
  const Model = mod[obj.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  assert.ok(Model, `no kubernetes-models class for ${obj.apiVersion} ${obj.kind}`);
  new Model(obj).validate();
}

/**
 * Strict field check: the schemas allow unknown properties, so each object is also type-checked
 * as an object literal against its kubernetes-models interface, where an unknown (misspelt)
 * property anywhere in the tree is an excess-property error. One TypeScript program checks every
 * group (a group = one rendered kustomization); returns the diagnostics per group.
 */
export function strictFieldErrors(groups: Record<string, K8sObject[]>): Record<string, string[]> {
  const file = join(ROOT, 'test', '__deploy_manifests_check__.ts');
  const imports: string[] = [];
  const decls: { text: string; group: string; label: string }[] = [];
  const seen = new Set<string>();
  for (const [group, objects] of Object.entries(groups)) {
    for (const obj of objects) {
      const type = `I${obj.kind}_${obj.apiVersion.replace(/[^A-Za-z0-9]/g, '_')}`;
      if (!seen.has(type)) {
        seen.add(type);
        imports.push(`import type { I${obj.kind} as ${type} } from 'kubernetes-models/${obj.apiVersion}/${obj.kind}';`);
      }
      decls.push({ text: `export const o${decls.length}: ${type} = ${JSON.stringify(obj, null, 1)};`, group, label: `${obj.kind}/${obj.metadata.name}` });
    }
  }
  const spans: { start: number; group: string; label: string }[] = [];
  let line = imports.length;
  for (const d of decls) {
    spans.push({ start: line, group: d.group, label: d.label });
    line += d.text.split('\n').length;
  }
  const text = [...imports, ...decls.map((d) => d.text)].join('\n') + '\n';
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === file ? ts.createSourceFile(name, text, languageVersion) : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const program = ts.createProgram([file], options, host);
  const out: Record<string, string[]> = Object.fromEntries(Object.keys(groups).map((g) => [g, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const owner = [...spans].reverse().find((s) => s.start <= at);
    // Errors outside any object (imports: an unknown apiVersion/kind) count against every group.
    for (const g of owner ? [owner.group] : Object.keys(groups)) out[g]!.push(`${owner?.label ?? 'imports'}: ${message}`);
  }
  return out;
}

export const RENDERED_DIRS = [...OVERLAYS.map((o) => `overlays/${o}`), 'generate-job'];
/** A copy of the cpu Deployment with a misspelt field, checked in the same program as the rest. */
export function typoDeployment(): IDeployment {
  const d = structuredClone(render('overlays/cpu').find((o) => o.kind === 'Deployment')!) as unknown as IDeployment;
  const c = d.spec!.template.spec!.containers[0]!;
  (c as unknown as Record<string, unknown>).readinesProbe = c.readinessProbe;
  return d;
}
let strictCache: Record<string, string[]> | undefined;
export function strictErrors(group: string): string[] {
  strictCache ??= strictFieldErrors({ ...Object.fromEntries(RENDERED_DIRS.map((d) => [d, render(d)])), typo: [typoDeployment() as unknown as K8sObject] });
  return strictCache[group]!;
}

// --- helpers for the assertions -----------------------------------------------------------------

export function mainContainer(d: IDeployment): IContainer {
  const c = d.spec?.template.spec?.containers.find((x) => x.name === 'hyperface');
  assert.ok(c, 'the Deployment has a container named hyperface');
  return c;
}
export function envOf(c: IContainer): Record<string, string> {
  return Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}
export function quantity(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The daemon config a pod of this Deployment would load: the ConfigMap's file plus its env. */
export async function podConfig(objects: K8sObject[], d: IDeployment, dir: string): Promise<Awaited<ReturnType<typeof loadConfig>>> {
  const c = mainContainer(d);
  const args = c.args ?? [];
  const i = args.indexOf('--config');
  assert.ok(i >= 0 && args[0] === 'serve', `the container runs \`serve --config FILE\`, got ${JSON.stringify(args)}`);
  const path = args[i + 1]!;
  const mount = c.volumeMounts?.find((m) => path.startsWith(m.mountPath + '/'));
  assert.ok(mount, `${path} is on a mounted volume`);
  const volume = d.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
  assert.ok(volume?.configMap?.name, `${mount.name} is a ConfigMap volume`);
  const cm = one<IConfigMap>(objects, 'ConfigMap', volume.configMap.name);
  const key = path.slice(mount.mountPath.length + 1);
  const text = cm.data?.[key];
  assert.ok(text, `ConfigMap ${cm.metadata?.name} has ${key}`);
  const file = join(dir, key);
  writeFileSync(file, text);
  const env = Object.fromEntries(Object.entries(envOf(c)).map(([k, v]) => [k, v.replace('$(POD_NAME)', 'hyperface-abc')]));
  const config = await loadConfig({ file, env });
  validateModelsConfig({
    builtin: config.models.builtin,
    entries: config.models.entries,
    defaults: { ...(config.defaults.recognizer ? { recognizer: config.defaults.recognizer } : {}), ...(config.defaults.generator ? { generator: config.defaults.generator } : {}) },
  });
  return config;
}
