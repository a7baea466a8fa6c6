// The NumPy peer as its best self: OpenBLAS picks its native kernels (this machine's environment sets
// OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE for every process, which forces AVX2 kernels on an
// AVX-512 CPU). Only the peer's subprocess loses them; tests and CI never go through here.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

export const PYTHON = process.env.PYTHON ?? 'python3';
/** Env for the peer: without the two handicaps, unless HF_PEER_HANDICAP=1 asks for the old peer. */
export function peerEnv() {
  const env = { ...process.env };
  if (process.env.HF_PEER_HANDICAP !== '1') {
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
  }
  return env;
}

/** Runs `python3 script ...args` as the peer; returns its last stdout line parsed as JSON. */
export function runPeer(script, args) {
  const out = execFileSync(PYTHON, [script, ...args.map(String)], { encoding: 'utf8', env: peerEnv(), maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1));
}

export const load1 = () => +loadavg()[0].toFixed(2);

/** Wall and CPU seconds of an async function in this process. */
export async function timed(f) {
  const t = performance.now();
  const u = process.cpuUsage();
  const value = await f();
  const c = process.cpuUsage(u);
  return { value, wall: (performance.now() - t) / 1000, cpu: (c.user + c.system) / 1e6 };
}
