// Issue 18, item 2 at small N through the CLI a user runs: `hyperface demo` packs identities with
// the builtin gallery, renders them with the builtin generator at the default variation (PNG) and
// evaluates the PNGs as written. The rendered identities must stay apart (leave-one-out
// nearest-centroid rank-1 over all identities, under faceres and the judge faceapi) and close to
// their targets; the demo states the rank-1 in its output and its report.
// bench/generate/separability.mjs measures the same at N = 1,000 and 10,000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { CLI, tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
// This generator (identity bank), measured with these exact arguments when the demo packed in fast
// mode: faceres 0.978, judge 0.939, consistency 0.830; the MLP decoder it replaced: 0.956, 0.922,
// 0.694 (fails the rank-1 bound). Since the default pack mode is the paper's (issue 18), the targets
// lie further from the gallery (the face manifold), and consistency fell to 0.605 (merged tree,
// 2026-12-06): packing buys separation at the price of target fidelity, docs/generation.md.
// Glasses and caps became habits of the person (h18v): which of these 60 people wear them now comes
// from a well-mixed hash of all their parameters, and with 60 people the number of wearers moves
// this mean by several points (0.560 with the earlier per-photo caps, 0.533 / 0.497 with two hashes
// at the same glasses rate); at N = 1,000 it is 0.41-0.43 either way. The bound keeps a margin.
const RANK1_FACERES = 0.97;
const RANK1_JUDGE = 0.9;
const CONSISTENCY = 0.45;

test('builtin generator keeps 60 packed identities apart: rank-1 under faceres and the judge, consistency, stated by the demo', { timeout: 900_000 }, async () => {
  const out = tempDir('hf-sep-');
  const { stdout, stderr } = await run(
    process.execPath,
    [CLI, 'demo', '--out', out, '--identities', '60', '--images-per-identity', '3', '--gallery-size', '120', '--pack-seconds', '600', '--iterations', '100', '--seed', '3', '--json'],
    { maxBuffer: 1 << 24 },
  );
  const summary = JSON.parse(stdout.trim().split('\n').pop()!) as { samples: number; report: string; quality: Record<string, number> & { reference_source: string } };
  assert.equal(summary.samples, 180);
  const q = summary.quality;
  assert.ok(q.rank1! >= RANK1_FACERES, `faceres rank-1 ${q.rank1}`);
  assert.ok(q.judge_rank1! >= RANK1_JUDGE, `judge rank-1 ${q.judge_rank1}`);
  assert.equal(q.reference_source, 'reference');
  assert.ok(q.identity_consistency_mean! >= CONSISTENCY, `consistency ${q.identity_consistency_mean}`);
  assert.match(stderr + stdout, /rank-1 \(leave-one-out nearest centroid over all 60 identities\): [01]\.\d{3} generating recognizer, [01]\.\d{3} judge/);
  assert.ok(readFileSync(summary.report, 'utf8').includes('rank-1 (leave-one-out nearest centroid over all identities)'));
});
