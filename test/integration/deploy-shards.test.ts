// Deployment artefacts, sharded generation: runs deploy/k8s/merge-shards.mjs on fake shards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { MERGE, run } from '../helpers/k8s.js';

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
