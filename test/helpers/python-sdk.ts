// The Python SDK (sdk/python) as a user installs it: a fresh virtualenv over Debian's python3
// (--system-site-packages: grpcio, protobuf, numpy, torch from apt), then an offline pip install of
// the package, whose build step generates the gRPC stubs from proto/.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const PYTHON_SDK = fileURLToPath(new URL('../../../sdk/python/', import.meta.url));

/** pip without this machine's pip configuration (find-links, extra indexes): only what we pass. */
export function pipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIP_')) env[k] = v;
  return { ...env, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
}

/** Creates `dir/venv`, installs sdk/python into it offline; returns the venv's python. */
export async function installPythonSdk(dir: string): Promise<string> {
  const venv = join(dir, 'venv');
  await run(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', venv]);
  try {
    await run(join(venv, 'bin', 'pip'), ['install', '--no-index', '--no-build-isolation', PYTHON_SDK], { env: pipEnv(), timeout: 300_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`pip install sdk/python failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  return join(venv, 'bin', 'python');
}
