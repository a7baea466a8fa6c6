// The packages as a user gets them: `npm pack` the SDK and the server, install both tarballs into
// an empty project outside the repository, start the installed daemon (`node_modules/.bin/hyperface
// serve`) and call it through the installed SDK. Offline: the project's lockfile is derived from the
// repository's, so `npm ci --offline` takes every tarball from the npm cache (the versions CI tested).
//
// onnxruntime-node's postinstall downloads CUDA libraries from outside npm. No field of a package can
// switch off a dependency's install script (npm reads .npmrc, overrides and allowScripts from the
// installing project only), so the user's project declines it as docs/usage.md says; the install here
// runs with npm's environment stripped and a recording proxy for the script's downloads, and must
// not have run it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let dir = '';
let app = '';
const tarballs: Record<'sdk' | 'server', string> = { sdk: '', server: '' };
let proxy: Server | undefined;
/** Connections the install scripts opened through the recording proxy (request lines). */
const proxied: string[] = [];
let installLog = '';
let daemon: ChildProcess | undefined;

/** The environment of a shell outside npm: no npm_* variables leaking from `npm test`, no ORT flags. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || /^ONNXRUNTIME_NODE_INSTALL/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function pack(workspace: 'sdk' | 'server'): Promise<string> {
  const { stdout } = await run(NPM, ['pack', '--json', '--pack-destination', dir], { cwd: join(REPO, workspace), env: cleanEnv(), maxBuffer: 64 << 20 });
  const [info] = JSON.parse(stdout) as { filename: string }[];
  return join(dir, info!.filename);
}

async function tarList(file: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', file], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter(Boolean);
}

/** package-lock.json for the user's project: the repository's production entries plus the two tarballs. */
function deriveLock(deps: Record<string, string>): object {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const packages: Record<string, unknown> = { '': { name: 'hf-user-app', version: '1.0.0', dependencies: deps } };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (entry.link || entry.dev) continue;
    const nested = /^(sdk|server)\/node_modules\/(.*)$/.exec(key);
    if (key.startsWith('node_modules/') && !key.startsWith('node_modules/@hyperface/')) packages[key] = entry;
    else if (nested) packages[`node_modules/@hyperface/${nested[1]}/node_modules/${nested[2]}`] = entry;
  }
  for (const ws of ['sdk', 'server'] as const) {
    const { name: _name, ...entry } = lock.packages[ws]!;
    packages[`node_modules/@hyperface/${ws}`] = { ...entry, resolved: deps[`@hyperface/${ws}`] };
  }
  return { name: 'hf-user-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

before(async () => {
  dir = tempDir('hf-pkg-');
  app = join(dir, 'app');
  mkdirSync(app);
  tarballs.sdk = await pack('sdk');
  tarballs.server = await pack('server');

  proxy = createServer((socket) => {
    socket.once('data', (d) => {
      proxied.push(d.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;

  const deps = { '@hyperface/sdk': `file:${tarballs.sdk}`, '@hyperface/server': `file:${tarballs.server}` };
  // As docs/usage.md tells a user: decline onnxruntime-node's install script (npm >= 11 allowScripts).
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'hf-user-app', version: '1.0.0', private: true, type: 'module', dependencies: deps, allowScripts: { 'onnxruntime-node': false } }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(deriveLock(deps), null, 2));
  try {
    const out = await run(NPM, ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=info'], {
      cwd: app,
      // onnxruntime-node's script sends its downloads through global-agent: record them here.
      env: cleanEnv({ GLOBAL_AGENT_HTTP_PROXY: proxyUrl, GLOBAL_AGENT_HTTPS_PROXY: proxyUrl }),
      maxBuffer: 64 << 20,
      timeout: 300_000,
    });
    installLog = out.stdout + out.stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ci of the packed tarballs failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
});

after(async () => {
  if (daemon && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon!.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
  }
  proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarballs hold no compiled tests', async () => {
  for (const file of [tarballs.sdk, tarballs.server]) {
    const tests = (await tarList(file)).filter((p) => /\.test\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(p));
    assert.deepEqual(tests, [], `${file} ships tests`);
  }
});

test('the packed SDK ships its protos and the packed server the kserve proto', async () => {
  const sdk = await tarList(tarballs.sdk);
  assert.ok(sdk.includes('package/proto/hyperface/v1/common.proto'), 'sdk tarball has proto/hyperface/v1');
  assert.ok(sdk.includes('package/dist/gen/descriptors.js'), 'sdk tarball has the generated descriptors');
  const server = await tarList(tarballs.server);
  assert.ok(server.includes('package/proto/kserve/grpc_predict_v2.proto'), 'server tarball has proto/kserve');
  assert.ok(server.includes('package/bin/hyperface.js'));
});

test('installing the server as a dependency did not run the onnxruntime-node CUDA download', () => {
  assert.deepEqual(proxied, [], `install scripts went to the network: ${proxied.join(', ')}`);
  assert.doesNotMatch(installLog, /run onnxruntime-node@[\d.]+ postinstall/, 'onnxruntime-node postinstall ran');
  assert.ok(existsSync(join(app, 'node_modules/onnxruntime-node/package.json')), 'onnxruntime-node installed');
  assert.equal(existsSync(join(app, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so')), false);
});

test('the installed server package embeds: its main entry exports startDaemon and loadConfig, and the daemon they start serves', { timeout: 300_000 }, async () => {
  writeFileSync(
    join(app, 'embed.mjs'),
    `import { startDaemon, loadConfig, VERSION } from '@hyperface/server';
const config = await loadConfig({ overrides: { listen: '127.0.0.1:0', dataDir: process.argv[2] } });
const daemon = await startDaemon(config);
await daemon.ready;
console.log(JSON.stringify({ entry: import.meta.resolve('@hyperface/server'), version: VERSION, port: daemon.port }));
await daemon.shutdown();
`,
  );
  const { stdout } = await run(process.execPath, ['embed.mjs', join(dir, 'embed-data')], { cwd: app, env: cleanEnv({ HYPERFACE_LOG_LEVEL: 'warn' }), timeout: 240_000 });
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as { entry: string; version: string; port: number };
  assert.ok(out.entry.startsWith(`file://${app}/node_modules/@hyperface/server/dist/index.js`), `entry resolved to ${out.entry}`);
  assert.match(out.version, /^\d+\.\d+\.\d+/);
  assert.ok(out.port > 0, `port ${out.port}`);
});

test('the installed daemon answers the installed SDK: health, models, a streamed Pack', { timeout: 300_000 }, async () => {
  const data = join(dir, 'data');
  daemon = spawn(join(app, 'node_modules/.bin/hyperface'), ['serve', '--listen', '127.0.0.1:0', '--data-dir', data], {
    cwd: app,
    env: cleanEnv({ HYPERFACE_LOG_LEVEL: 'warn' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  daemon.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: daemon!.stdout! }).on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { port?: number };
        if (msg.port) resolve(msg.port);
      } catch {
        // another line
      }
    });
    daemon!.once('exit', (code) => reject(new Error(`installed daemon exited with ${code}:\n${err}`)));
  });
  // The client runs from the user's project, so @hyperface/sdk resolves to the installed tarball.
  writeFileSync(
    join(app, 'client.mjs'),
    `import { HyperfaceClient, collectPack } from '@hyperface/sdk';
const client = new HyperfaceClient({ address: process.argv[2] });
await client.waitForReady({ timeoutMs: 180000 });
const models = await client.listModels();
const packed = await collectPack(client.pack({ identities: 6, dim: 16, gallery: { none: true }, iterations: 200, seed: 1, streamEmbeddings: true }));
client.close();
console.log(JSON.stringify({ sdk: import.meta.resolve('@hyperface/sdk'), health: 'SERVING', models: models.map((m) => m.name + ':' + m.state), rows: packed.embeddings?.rows, cols: packed.embeddings?.cols, shape: packed.result.shape }));
`,
  );
  const { stdout } = await run(process.execPath, ['client.mjs', `127.0.0.1:${port}`], { cwd: app, env: cleanEnv(), timeout: 240_000 }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`client failed: ${error.message}\n${error.stderr ?? ''}\ndaemon:\n${err.slice(-3000)}`);
  });
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as { sdk: string; models: string[]; rows: number; cols: number; shape: number[] };
  assert.ok(out.sdk.startsWith(`file://${app}/node_modules/@hyperface/sdk/`), `SDK resolved from ${out.sdk}`);
  // The builtin generator ships in the server package (models/): the installed daemon loads it.
  assert.ok(out.models.includes('builtin:MODEL_STATE_READY'), `models: ${out.models.join(', ')}`);
  assert.equal(out.rows, 6);
  assert.equal(out.cols, 16);
  assert.deepEqual(out.shape, [6, 16]);
});
