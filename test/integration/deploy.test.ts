// Deployment artefacts: renders every Kustomize overlay under deploy/k8s with `kubectl kustomize`,
// validates each rendered object against the Kubernetes schemas (kubernetes-models' validate() for
// types, formats and required fields, plus a TypeScript excess-property check against the same
// models' interfaces so that a misspelt field fails), asserts the properties the operations issue
// asks for, lints deploy/docker/Dockerfile, and runs deploy/k8s/merge-shards.mjs on fake shards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { loadConfig } from '@hyperface/server/config/load';
import { validateModelsConfig } from '@hyperface/server/runtime/models/config';
import { tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy', 'k8s');
const CLI = join(ROOT, 'server', 'bin', 'hyperface.js');
const MERGE = join(K8S, 'merge-shards.mjs');
const OVERLAYS = ['cpu', 'gpu', 'triton'] as const;
const GRPC_PORT = 50051;
const METRICS_PORT = 9464;
const READINESS_SERVICE = 'hyperface.v1.GenerationService';
/** shutdown.graceMs's default (server/src/config/schema.ts), when the manifests do not set it. */
const DEFAULT_GRACE_MS = 10_000;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: unknown;
}

// --- kubectl kustomize ------------------------------------------------------------------------

/** kubectl with the `kustomize` subcommand ($KUBECTL or PATH); undefined when there is none. */
function findKubectl(): string | undefined {
  const candidate = process.env.KUBECTL ?? 'kubectl';
  const r = spawnSync(candidate, ['kustomize', '--help'], { stdio: 'ignore' });
  return r.status === 0 ? candidate : undefined;
}
const KUBECTL = findKubectl();
// CI installs kubectl (scripts/ci-system-deps.sh), so there a missing one is a failure, not a skip.
const noKubectl = KUBECTL === undefined && !process.env.CI ? 'kubectl (with kustomize) is not installed: bash scripts/ci-system-deps.sh' : false;

const rendered = new Map<string, K8sObject[]>();
function render(dir: string): K8sObject[] {
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

function all<T>(objects: K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as unknown as T[];
}
function one<T>(objects: K8sObject[], kind: string, name?: string): T {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0] as unknown as T;
}

// --- schema validation ------------------------------------------------------------------------

/** kubernetes-models' validate(): the model class for the object's apiVersion/kind. */
async function validateWithModel(obj: K8sObject): Promise<void> {
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
function strictFieldErrors(groups: Record<string, K8sObject[]>): Record<string, string[]> {
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

const RENDERED_DIRS = [...OVERLAYS.map((o) => `overlays/${o}`), 'generate-job'];
/** A copy of the cpu Deployment with a misspelt field, checked in the same program as the rest. */
function typoDeployment(): IDeployment {
  const d = structuredClone(render('overlays/cpu').find((o) => o.kind === 'Deployment')!) as unknown as IDeployment;
  const c = d.spec!.template.spec!.containers[0]!;
  (c as unknown as Record<string, unknown>).readinesProbe = c.readinessProbe;
  return d;
}
let strictCache: Record<string, string[]> | undefined;
function strictErrors(group: string): string[] {
  strictCache ??= strictFieldErrors({ ...Object.fromEntries(RENDERED_DIRS.map((d) => [d, render(d)])), typo: [typoDeployment() as unknown as K8sObject] });
  return strictCache[group]!;
}

// --- helpers for the assertions -----------------------------------------------------------------

function mainContainer(d: IDeployment): IContainer {
  const c = d.spec?.template.spec?.containers.find((x) => x.name === 'hyperface');
  assert.ok(c, 'the Deployment has a container named hyperface');
  return c;
}
function envOf(c: IContainer): Record<string, string> {
  return Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}
function quantity(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The daemon config a pod of this Deployment would load: the ConfigMap's file plus its env. */
async function podConfig(objects: K8sObject[], d: IDeployment, dir: string): Promise<Awaited<ReturnType<typeof loadConfig>>> {
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

// --- the tests ------------------------------------------------------------------------------------

describe('kubernetes manifests', { skip: noKubectl }, () => {
  for (const dir of RENDERED_DIRS) {
    test(`${dir}: every rendered object validates against the Kubernetes schemas`, async () => {
      const objects = render(dir);
      for (const obj of objects) {
        assert.ok(obj.apiVersion && obj.kind && obj.metadata?.name, `object without apiVersion/kind/name: ${JSON.stringify(obj).slice(0, 200)}`);
        await validateWithModel(obj);
      }
      assert.deepEqual(strictErrors(dir), []);
    });
  }

  test('the validation catches a misspelt field and a wrongly typed one', async () => {
    const errors = strictErrors('typo');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /readinesProbe/);
    const d = typoDeployment();
    const c = d.spec!.template.spec!.containers[0]!;
    (c.ports![0] as unknown as Record<string, unknown>).containerPort = 'grpc';
    await assert.rejects(validateWithModel(d as unknown as K8sObject), /containerPort/);
  });

  for (const overlay of OVERLAYS) {
    test(`${overlay}: probes, headless Service, drain time, PDB, HPA, PVC and config`, async () => {
      const objects = render(`overlays/${overlay}`);
      const d = one<IDeployment>(objects, 'Deployment', 'hyperface');
      const pod = d.spec!.template.spec!;
      const c = mainContainer(d);
      const podLabels = d.spec!.template.metadata!.labels!;
      for (const [k, v] of Object.entries(d.spec!.selector.matchLabels!)) assert.equal(podLabels[k], v, `selector ${k} matches the pod template`);

      // Native gRPC probes on grpc.health.v1.
      assert.deepEqual(c.livenessProbe?.grpc, { port: GRPC_PORT });
      assert.deepEqual(c.readinessProbe?.grpc, { port: GRPC_PORT, service: READINESS_SERVICE });
      assert.equal(c.startupProbe?.grpc?.port, GRPC_PORT);
      for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        assert.equal(probe?.httpGet ?? probe?.exec ?? probe?.tcpSocket, undefined, 'probes are grpc only');
      }
      assert.deepEqual(
        (c.ports ?? []).map((p) => [p.name, p.containerPort]),
        [
          ['grpc', GRPC_PORT],
          ['metrics', METRICS_PORT],
        ],
      );
      assert.equal(pod.enableServiceLinks, false, 'service links would inject unknown HYPERFACE_* variables');

      // The daemon config the pod loads is valid, listens on all interfaces and serves metrics.
      const config = await podConfig(objects, d, tempDir('hf-deploy-'));
      assert.equal(config.listen, `0.0.0.0:${GRPC_PORT}`);
      assert.equal(config.metrics.listen, `0.0.0.0:${METRICS_PORT}`);
      assert.equal(config.dataDir, '/data/state/hyperface-abc');
      assert.equal(config.dataRoot, '/data');

      // terminationGracePeriodSeconds above the drain time (+2 s for closing streams and exporters).
      const graceMs = Number(envOf(c).HYPERFACE_SHUTDOWN_GRACE_MS ?? config.shutdown.graceMs ?? DEFAULT_GRACE_MS);
      assert.equal(config.shutdown.graceMs, graceMs);
      assert.ok(pod.terminationGracePeriodSeconds! * 1000 > graceMs + 2000, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} s > drain ${graceMs} ms + 2 s`);

      // Non-root, matching the image's USER.
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(pod.securityContext?.runAsUser, 10001);

      // Headless Service for client-side balancing, selecting the pods, with grpc and metrics ports.
      const svc = one<IService>(objects, 'Service', 'hyperface');
      assert.equal(svc.spec?.clusterIP, 'None');
      for (const [k, v] of Object.entries(svc.spec.selector!)) assert.equal(podLabels[k], v);
      const ports = Object.fromEntries((svc.spec?.ports ?? []).map((p) => [p.name, p]));
      assert.equal(ports.grpc?.port, GRPC_PORT);
      assert.equal(ports.metrics?.port, METRICS_PORT);

      // PodDisruptionBudget over the same pods.
      const pdb = one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
      for (const [k, v] of Object.entries(pdb.spec!.selector!.matchLabels!)) assert.equal(podLabels[k], v);
      assert.ok(pdb.spec?.maxUnavailable !== undefined || pdb.spec?.minAvailable !== undefined);

      // HPA on queue depth: the per-pod hyperface_jobs_running gauge (needs prometheus-adapter).
      const hpa = one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'hyperface' });
      const metric = hpa.spec?.metrics?.find((m) => m.type === 'Pods');
      assert.equal(metric?.pods?.metric.name, 'hyperface_jobs_running');
      assert.ok(hpa.spec.minReplicas! >= 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas!);

      // /data on the PVC, which is rendered too.
      const dataMount = c.volumeMounts?.find((m) => m.mountPath === '/data');
      const dataVolume = pod.volumes?.find((v) => v.name === dataMount?.name);
      const claim = dataVolume?.persistentVolumeClaim?.claimName;
      assert.ok(claim, '/data is a PVC');
      one<IPersistentVolumeClaim>(objects, 'PersistentVolumeClaim', claim);

      // GPUs: requested only by the gpu overlay (daemon) and the triton overlay (sidecar).
      const gpus = (x: IContainer | undefined): [number, number] => [quantity(x?.resources?.requests?.['nvidia.com/gpu'] ?? 0), quantity(x?.resources?.limits?.['nvidia.com/gpu'] ?? 0)];
      const triton = pod.initContainers?.find((x) => x.name === 'triton');
      if (overlay === 'gpu') {
        assert.deepEqual(gpus(c), [1, 1]);
        const env = envOf(c);
        assert.deepEqual(env.NVIDIA_DRIVER_CAPABILITIES?.split(',').sort(), ['compute', 'graphics', 'utility']);
        assert.equal(config.compute.device, 'gpu');
        assert.ok(pod.tolerations?.some((t) => t.key === 'nvidia.com/gpu'));
        assert.match(c.image!, /-gpu$/);
      } else {
        assert.deepEqual(gpus(c), [0, 0]);
        assert.equal(config.compute.device, 'cpu');
      }
      if (overlay === 'triton') {
        assert.ok(triton, 'the triton overlay adds a Triton sidecar');
        assert.equal(triton.restartPolicy, 'Always', 'a native sidecar (init container that keeps running)');
        assert.deepEqual(gpus(triton), [1, 1]);
        assert.ok(triton.startupProbe?.httpGet, 'the daemon starts once Triton is ready');
        const kserve = config.models.entries.filter((e) => (e as { backend?: string }).backend === 'kserve-v2') as { kserve: { url: string } }[];
        assert.ok(kserve.length > 0 && kserve.every((e) => /^grpc:\/\/(127\.0\.0\.1|localhost):8001$/.test(e.kserve.url)), 'models point at the sidecar');
      } else {
        assert.equal(triton, undefined);
      }
    });
  }

  test('generate-job: an Indexed Job whose pods partition the identity range, and a merge Job', async () => {
    const objects = render('generate-job');
    const jobs = all<IJob>(objects, 'Job');
    const gen = one<IJob>(objects, 'Job', 'hyperface-generate');
    const merge = one<IJob>(objects, 'Job', 'hyperface-generate-merge');
    assert.equal(jobs.length, 2);
    assert.equal(gen.spec?.completionMode, 'Indexed');
    const cmName = gen.spec?.template.spec?.containers[0]?.envFrom?.[0]?.configMapRef?.name;
    assert.ok(cmName);
    assert.equal(merge.spec?.template.spec?.containers[0]?.envFrom?.[0]?.configMapRef?.name, cmName);
    const params = one<IConfigMap>(objects, 'ConfigMap', cmName).data!;
    const shards = Number(params.SHARDS);
    assert.equal(gen.spec?.completions, shards, 'completions = SHARDS');
    assert.equal(gen.spec?.parallelism, shards);
    assert.equal(gen.spec?.template.spec?.enableServiceLinks, false);
    assert.equal(params.HYPERFACE_ADDRESS, `hyperface:${GRPC_PORT}`, 'the pods talk to the headless Service');

    // Run each pod's script with a stub `hyperface` that records its arguments: the shards cover
    // [0, N) exactly once, each into its own folder, for the shipped N/SHARDS and awkward ones.
    const container = gen.spec.template.spec.containers[0]!;
    assert.deepEqual(container.command, ['/bin/sh', '-c']);
    const script = container.args![0]!;
    const bin = tempDir('hf-deploy-bin-');
    writeFileSync(join(bin, 'hyperface'), '#!/bin/sh\necho "$@"\n');
    chmodSync(join(bin, 'hyperface'), 0o755);
    const cases: [number, number][] = [
      [Number(params.TOTAL_IDENTITIES), shards],
      [10, 3],
      [5, 8],
      [7, 7],
    ];
    for (const [n, k] of cases) {
      const covered: number[] = [];
      const outs = new Set<string>();
      const results = await Promise.all(
        Array.from({ length: k }, (_, i) =>
          run('/bin/sh', ['-c', script], { env: { ...params, PATH: `${bin}:/usr/bin:/bin`, JOB_COMPLETION_INDEX: String(i), TOTAL_IDENTITIES: String(n), SHARDS: String(k) } }),
        ),
      );
      for (const { stdout } of results) {
        const args = stdout.trim().split('\n').at(-1)!.split(' ');
        if (args[0] !== 'generate') continue; // a pod with no identities left exits 0
        const flag = (name: string): string => args[args.indexOf(name) + 1]!;
        assert.equal(flag('--address'), params.HYPERFACE_ADDRESS);
        assert.equal(flag('--images-per-identity'), params.IMAGES_PER_IDENTITY);
        assert.equal(flag('--seed'), params.SEED);
        const offset = Number(flag('--identity-offset'));
        const count = Number(flag('--identity-count'));
        assert.ok(count >= 1);
        for (let id = offset; id < offset + count; id++) covered.push(id);
        outs.add(flag('--out'));
        assert.match(flag('--out'), new RegExp(`^${params.RUN_DIR}/shard-\\d{5}$`));
      }
      assert.deepEqual(
        covered.sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
        `N=${n} K=${k}`,
      );
      assert.equal(outs.size, results.filter((r) => r.stdout.includes('generate')).length, 'one folder per shard');
    }

    // The merge Job runs the script shipped in the image (the Dockerfile copies it to /app/...).
    const mergeArgs = merge.spec.template.spec.containers[0].args!.join(' ');
    assert.match(mergeArgs, /node \/app\/deploy\/k8s\/merge-shards\.mjs/);
    assert.match(readFileSync(join(ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8'), /COPY deploy\/k8s\/merge-shards\.mjs \/app\/deploy\/k8s\/merge-shards\.mjs/);
    for (const flag of ['--shards-dir', '--identity-count', '--images-per-identity', '--out', '--wait-seconds']) assert.ok(mergeArgs.includes(flag), flag);
  });
});

// --- Dockerfile ---------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (current !== '' && line.trim().startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    current += line;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(current);
    assert.ok(m, `unparseable Dockerfile line: ${current}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
    current = '';
  }
  return out;
}

/** .dockerignore patterns as regular expressions (*, **, leading !), enough for this file. */
function dockerIgnored(path: string): boolean {
  const file = join(ROOT, '.dockerignore');
  let ignored = false;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      '^' +
        pattern
          .split('/')
          .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')))
          .join('/')
          .replace(/\(\?:\.\*\)\//g, '(?:.*/)?') +
        '(?:/.*)?$',
    );
    if (re.test(path)) ignored = !negate;
  }
  return ignored;
}

describe('deploy/docker/Dockerfile', () => {
  const text = readFileSync(join(ROOT, 'deploy', 'docker', 'Dockerfile'), 'utf8');
  const ins = parseDockerfile(text);
  const stages = ins.filter((i) => i.op === 'FROM');
  const finalStart = ins.lastIndexOf(stages.at(-1)!);

  test('builds on node:20-bookworm-slim with npm ci and the onnxruntime download skipped', () => {
    assert.ok(stages.length >= 1);
    for (const s of stages) assert.match(s.args, /^node:20-bookworm-slim(\s+AS\s+\w+)?$/i);
    const ci = ins.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    assert.ok(ci >= 0, 'runs npm ci');
    const skip = ins.findIndex((i) => (i.op === 'ENV' && /ONNXRUNTIME_NODE_INSTALL[= ]skip/.test(i.args)) || (i.op === 'RUN' && /ONNXRUNTIME_NODE_INSTALL=skip/.test(i.args)));
    assert.ok(skip >= 0 && skip <= ci, 'ONNXRUNTIME_NODE_INSTALL=skip is set before npm ci');
    assert.ok(ins.some((i) => i.op === 'RUN' && /tsc -b[^&]*\bserver\b/.test(i.args)), 'builds the server');
  });

  test('every COPY source exists in the build context and is not excluded by .dockerignore', () => {
    const copies = ins.filter((i) => i.op === 'COPY' || i.op === 'ADD');
    assert.ok(copies.length > 0);
    for (const c of copies) {
      const words = c.args.split(/\s+/).filter((w) => !w.startsWith('--chown') && !w.startsWith('--chmod') && !w.startsWith('--link'));
      if (c.args.includes('--from=')) continue;
      assert.ok(!c.args.trim().startsWith('['), 'COPY in shell form');
      const sources = words.slice(0, -1);
      assert.ok(sources.length >= 1, `COPY ${c.args}`);
      for (const src of sources) {
        const p = src.replace(/^\.\//, '').replace(/\/$/, '');
        assert.ok(existsSync(join(ROOT, p)), `COPY source ${src} exists`);
        assert.ok(!dockerIgnored(p), `COPY source ${src} is not excluded by .dockerignore`);
      }
    }
    // And the context does not carry build outputs or dependencies.
    for (const p of ['node_modules', 'server/node_modules', 'server/dist', 'sdk/dist', '.git']) assert.ok(dockerIgnored(p), `${p} is excluded`);
    for (const p of ['sdk/src/client.ts', 'server/src/daemon.ts', 'proto/hyperface/v1/common.proto', 'package-lock.json']) assert.ok(!dockerIgnored(p), `${p} is kept`);
  });

  test('runs as a non-root user and exposes the gRPC and metrics ports', () => {
    const users = ins.slice(finalStart).filter((i) => i.op === 'USER');
    assert.ok(users.length > 0, 'the final stage sets USER');
    const user = users.at(-1)!.args.split(':')[0]!;
    assert.match(user, /^\d+$/, 'a numeric USER, so runAsNonRoot can verify it');
    assert.notEqual(Number(user), 0);
    const exposed = ins.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
    assert.ok(exposed.includes(String(GRPC_PORT)) && exposed.includes(String(METRICS_PORT)), `EXPOSE ${exposed.join(' ')}`);
  });

  test('ENTRYPOINT + CMD is the real `hyperface serve` command line', async () => {
    const json = (op: string): string[] => JSON.parse(ins.filter((i) => i.op === op).at(-1)!.args) as string[];
    const entry = json('ENTRYPOINT');
    const cmd = json('CMD');
    assert.deepEqual(entry, ['hyperface']);
    // `hyperface` is the symlink to server/bin/hyperface.js made in the final stage.
    assert.ok(ins.slice(finalStart).some((i) => i.op === 'RUN' && /ln -s \/app\/server\/bin\/hyperface\.js \/usr\/local\/bin\/hyperface/.test(i.args)));
    assert.ok(statSync(CLI).isFile());
    assert.equal(cmd[0], 'serve');
    // The real CLI parses the flags (strictly) and prints the configuration it would serve with.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HYPERFACE_')));
    const { stdout } = await run(process.execPath, [CLI, ...cmd, '--print-config'], { env });
    const config = JSON.parse(stdout) as { listen: string; dataDir: string; dataRoot: string; metrics: { listen?: string } };
    assert.equal(config.listen, `0.0.0.0:${GRPC_PORT}`);
    assert.equal(config.dataDir, '/data');
    assert.equal(config.dataRoot, '/data');
    assert.equal(config.metrics.listen, `0.0.0.0:${METRICS_PORT}`);
  });

  test('deploy/docker/README.md explains the GPU runtime', () => {
    const readme = readFileSync(join(ROOT, 'deploy', 'docker', 'README.md'), 'utf8');
    for (const s of ['libvulkan1', 'NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics', 'ONNXRUNTIME_NODE_INSTALL', 'cuda']) assert.ok(readme.includes(s), s);
  });
});

// --- merge-shards.mjs ---------------------------------------------------------------------------

interface Row {
  identity: number;
  sample: number;
  seed: number;
  file: string;
  cosine: number;
  shard?: string;
}
function fakeShard(dir: string, identities: number[], perIdentity: number, opts: { seed?: (i: number, s: number) => number; tornTail?: boolean } = {}): Row[] {
  mkdirSync(dir, { recursive: true });
  const rows: Row[] = [];
  for (const identity of identities) {
    for (let sample = 0; sample < perIdentity; sample++) {
      const file = `${String(identity).padStart(6, '0')}/${String(sample).padStart(4, '0')}.png`;
      mkdirSync(join(dir, dirname(file)), { recursive: true });
      writeFileSync(join(dir, file), `image ${identity}/${sample}`);
      rows.push({ identity, sample, seed: opts.seed ? opts.seed(identity, sample) : identity * 1000 + sample, file, cosine: 0.5 });
    }
  }
  const text = rows.map((r) => JSON.stringify(r) + '\n').join('') + (opts.tornTail ? '{"identity":99,"sam' : '');
  writeFileSync(join(dir, 'manifest.jsonl'), text);
  return rows;
}
async function merge(args: string[]): Promise<{ code: number; summary: Record<string, unknown> }> {
  const r = await run(process.execPath, [MERGE, ...args]).then(
    (x) => ({ code: 0, stdout: x.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  const last = r.stdout.trim().split('\n').at(-1);
  return { code: r.code, summary: last ? (JSON.parse(last) as Record<string, unknown>) : {} };
}
function readRows(dir: string): Row[] {
  return readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
}

describe('deploy/k8s/merge-shards.mjs', () => {
  test('merges shards into one sorted manifest without duplicates, linking the images', async () => {
    const run = tempDir('hf-merge-');
    // Shards written out of order, one with a torn last line (still being appended), and one
    // identity present in two shards (a retried pod) with the same seeds: kept once.
    fakeShard(join(run, 'shard-00001'), [3, 4, 5], 2);
    fakeShard(join(run, 'shard-00000'), [0, 1, 2, 3], 2, { tornTail: true });
    mkdirSync(join(run, 'not-a-shard'));
    const out = join(run, 'merged');
    const { code, summary } = await merge(['--shards-dir', run, '--out', out, '--images-per-identity', '2', '--identity-count', '6', '--link']);
    assert.equal(code, 0, JSON.stringify(summary));
    assert.equal(summary.complete, true);
    assert.equal(summary.shards, 2);
    assert.equal(summary.duplicates, 2);
    const rows = readRows(out);
    assert.deepEqual(
      rows.map((r) => [r.identity, r.sample]),
      Array.from({ length: 12 }, (_, i) => [Math.floor(i / 2), i % 2]),
    );
    for (const r of rows) {
      assert.equal(r.seed, r.identity * 1000 + r.sample);
      assert.equal(readFileSync(join(out, r.file), 'utf8'), `image ${r.identity}/${r.sample}`);
      assert.match(r.shard!, /^\.\.\/shard-0000[01]$/);
    }
    // Merging again (a retried merge pod) gives the same result.
    const again = await merge(['--shards-dir', run, '--out', out, '--images-per-identity', '2', '--identity-count', '6', '--link']);
    assert.equal(again.code, 0);
    assert.deepEqual(readRows(out), rows);
  });

  test('without --link the merged rows point into the shard folders', async () => {
    const run = tempDir('hf-merge-');
    fakeShard(join(run, 'a'), [0], 1);
    fakeShard(join(run, 'b'), [1], 1);
    const out = join(run, 'merged');
    const { code } = await merge([join(run, 'a'), join(run, 'b'), '--out', out, '--images-per-identity', '1']);
    assert.equal(code, 0);
    const rows = readRows(out);
    assert.deepEqual(
      rows.map((r) => r.file),
      ['../a/000000/0000.png', '../b/000001/0000.png'],
    );
    for (const r of rows) assert.ok(existsSync(join(out, r.file)));
  });

  test('fails on a missing sample, a conflicting duplicate or a row out of range', async () => {
    const run = tempDir('hf-merge-');
    fakeShard(join(run, 'shard-00000'), [0, 1], 3);
    fakeShard(join(run, 'shard-00001'), [2], 2); // identity 2 lacks sample 2
    const out = join(run, 'merged');
    const missing = await merge(['--shards-dir', run, '--out', out, '--images-per-identity', '3', '--identity-count', '3']);
    assert.equal(missing.code, 1);
    assert.equal(missing.summary.missing, 1);
    assert.deepEqual(missing.summary.first_missing, [{ identity: 2, sample: 2 }]);
    assert.ok(!existsSync(join(out, 'manifest.jsonl')), 'no manifest for an incomplete run');

    fakeShard(join(run, 'shard-00001'), [2], 3);
    fakeShard(join(run, 'shard-00002'), [1], 3, { seed: () => 7 }); // another run's seeds
    const conflict = await merge(['--shards-dir', run, '--out', out, '--images-per-identity', '3', '--identity-count', '3']);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.summary.conflicts, 3);

    const run2 = tempDir('hf-merge-');
    fakeShard(join(run2, 'shard-00000'), [0, 1, 2], 1);
    const range = await merge(['--shards-dir', run2, '--out', join(run2, 'merged'), '--images-per-identity', '1', '--identity-count', '2']);
    assert.equal(range.code, 1);
    assert.equal(range.summary.out_of_range, 1);

    const usage = await merge(['--out', out]);
    assert.equal(usage.code, 2);
  });

  test('--wait-seconds waits for the shards still being generated', async () => {
    const run = tempDir('hf-merge-');
    fakeShard(join(run, 'shard-00000'), [0], 2);
    const out = join(run, 'merged');
    const pending = merge(['--shards-dir', run, '--out', out, '--images-per-identity', '2', '--identity-count', '2', '--wait-seconds', '20', '--poll-seconds', '1']);
    await new Promise((r) => setTimeout(r, 1200));
    fakeShard(join(run, 'shard-00001'), [1], 2);
    const { code, summary } = await pending;
    assert.equal(code, 0, JSON.stringify(summary));
    assert.equal(readRows(out).length, 4);
  });
});
