// Numbers on the CLI must fit the proto field they go into (issue 13, item 11): a uint32 flag given
// 4294967298 used to wrap to 2. Out-of-range values are a one-line usage error (exit 2), before any
// daemon is started or contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CLI, tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);

async function fail(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args], { timeout: 60_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

test('CLI numbers that do not fit their proto field are refused with one line, nothing wraps', async () => {
  const dir = tempDir();
  const out = join(dir, 'x.npy');
  const common = ['--data-dir', join(dir, 'd'), '--address', '127.0.0.1:1'];
  const cases: [string[], RegExp][] = [
    [['pack', '--identities', '4294967298', '--dim', '3', '--gallery', 'none', '--out', out, ...common], /--identities .*4294967295/],
    [['pack', '--identities', '10', '--dim=-1', '--gallery', 'none', '--out', out, ...common], /--dim /],
    [['pack', '--identities', '10', '--dim', '3', '--iterations', '99999999999', '--gallery', 'none', '--out', out, ...common], /--iterations /],
    [['pack', '--identities', '10', '--dim', '3', '--seed', '18446744073709551617', '--gallery', 'none', '--out', out, ...common], /--seed /],
    [['pack', '--identities', '10', '--dim', '3', '--alpha', '1e39', '--gallery', 'none', '--out', out, ...common], /--alpha .*float/],
    [['generate', '--embeddings', out, '--images-per-identity', '4294967297', '--out', dir, ...common], /--images-per-identity /],
    [['eval', 'dataset', dir, '--pairs', '8589934592', ...common], /--pairs /],
  ];
  for (const [args, message] of cases) {
    const r = await fail(args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
