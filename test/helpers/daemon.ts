// Starts the real daemon for integration tests: in this process (startDaemon on port 0) or as a
// child process (`hyperface serve --listen 127.0.0.1:0`) when a test needs to kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HyperfaceClient } from '@hyperface/sdk';
import { loadConfig } from '@hyperface/server/config/load';
import { startDaemon, type Daemon } from '@hyperface/server/daemon/daemon';
import { createLogger } from '@hyperface/server/shared/logging';

export const CLI = fileURLToPath(new URL('../../../server/bin/hyperface.js', import.meta.url));

export function tempDir(prefix = 'hf-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestDaemon {
  daemon: Daemon;
  client: HyperfaceClient;
  address: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** In-process daemon on a free port. `models: false` skips loading the recognizers/generators. */
export async function startTestDaemon(overrides: Record<string, unknown> = {}, options: { models?: boolean; waitReady?: boolean } = {}): Promise<TestDaemon> {
  const dataDir = (overrides.dataDir as string | undefined) ?? tempDir();
  const config = await loadConfig({
    env: {},
    overrides: { listen: '127.0.0.1:0', dataDir, dataRoot: '/', ...(options.models === false ? { 'models.builtin': false } : {}), ...overrides },
  });
  const daemon = await startDaemon(config, { log: createLogger(process.env.HYPERFACE_TEST_LOG ? 'debug' : 'error') });
  // Models load after the port opens; a test's first call must not race them (UNAVAILABLE under load).
  // A failed start-up is the test's to see through daemon.ready.
  if (options.waitReady !== false) await daemon.ready.catch(() => undefined);
  const address = `127.0.0.1:${daemon.port}`;
  const client = new HyperfaceClient({ address });
  return {
    daemon,
    client,
    address,
    dataDir,
    stop: async () => {
      client.close();
      await daemon.shutdown();
    },
  };
}

export interface ChildDaemon {
  child: ChildProcess;
  port: number;
  address: string;
  client: HyperfaceClient;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Stops a child daemon (SIGTERM, waits for it) and removes `dir`; either may be unset (a failed before()). */
export async function stopChild(d: ChildDaemon | undefined, dir?: string): Promise<void> {
  if (d) {
    d.client.close();
    d.child.kill('SIGTERM');
    await d.exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Waits until the daemon serves models and its generator `name` is READY; throws with its state otherwise. */
export async function waitGeneratorReady(client: HyperfaceClient, name = 'builtin', timeoutMs = 180_000): Promise<void> {
  await client.waitForReady({ service: 'hyperface.v1.ModelService', timeoutMs });
  const generator = (await client.listModels('MODEL_KIND_GENERATOR')).find((m) => m.name === name);
  if (!generator || generator.state !== 'MODEL_STATE_READY') throw new Error(`${name} generator not ready: ${generator ? `${generator.state} ${generator.error}` : 'not registered'}`);
}

/**
 * `hyperface serve` as a child process; resolves once it printed its port. The per-user state
 * folder (the default dataDir) points into a temp folder unless `env` sets XDG_STATE_HOME.
 */
export async function spawnDaemon(args: string[], env: NodeJS.ProcessEnv = {}, options: { cwd?: string } = {}): Promise<ChildDaemon> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env: { ...process.env, XDG_STATE_HOME: tempDir('hf-state-'), HYPERFACE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { port?: number };
        if (msg.port) resolve(msg.port);
      } catch {
        // not our line
      }
    });
    void exited.then((code) => reject(new Error(`daemon exited with ${code} before listening:\n${err}`)));
  });
  const address = `127.0.0.1:${port}`;
  return { child, port, address, client: new HyperfaceClient({ address }), exited, stderr: () => err };
}

/**
 * Starts `request` (detached) on a fresh daemon over a new data dir and SIGKILLs that daemon once a
 * progress event reaches `iteration`: the job is left mid-way on disk for a restart to resume.
 */
export async function packKilledAt(request: Parameters<HyperfaceClient['pack']>[0], iteration: number): Promise<{ dataDir: string; jobId: string }> {
  const dataDir = tempDir();
  const first = await spawnDaemon(['--data-dir', dataDir, '--models-builtin', 'false']);
  let jobId = '';
  for await (const ev of first.client.pack(request)) {
    if (ev.accepted) jobId = ev.accepted.jobId;
    if (ev.progress && ev.progress.iteration >= iteration) break;
  }
  first.child.kill('SIGKILL');
  await first.exited;
  first.client.close();
  return { dataDir, jobId };
}
