// Deployment artefacts, Docker: lints deploy/docker/Dockerfile and runs its ENTRYPOINT + CMD through
// the real CLI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, GRPC_PORT, METRICS_PORT, ROOT, run } from '../helpers/k8s.js';

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
    for (const p of ['sdk/src/client.ts', 'server/src/daemon/daemon.ts', 'proto/hyperface/v1/common.proto', 'package-lock.json']) assert.ok(!dockerIgnored(p), `${p} is kept`);
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
