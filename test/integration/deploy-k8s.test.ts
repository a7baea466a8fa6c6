// Deployment artefacts, Kubernetes: renders every Kustomize overlay under deploy/k8s with `kubectl
// kustomize`, validates each rendered object against the Kubernetes schemas (kubernetes-models'
// validate() for types, formats and required fields, plus a TypeScript excess-property check so that
// a misspelt field fails) and asserts the properties the operations issue asks for.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import { tempDir } from '../helpers/daemon.js';
import { DEFAULT_GRACE_MS, GRPC_PORT, type K8sObject, METRICS_PORT, OVERLAYS, READINESS_SERVICE, RENDERED_DIRS, ROOT, all, envOf, mainContainer, noKubectl, one, podConfig, quantity, render, run, strictErrors, typoDeployment, validateWithModel } from '../helpers/k8s.js';

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
