// Issue 18, item 3: the powered ablation (bench/ablation/run.mjs). Unit tests of its statistics
// (Student-t quantiles, paired-difference confidence intervals) and of the neutral benchmark's pair
// draw, then the command itself at a few identities: it packs, renders, embeds, trains the head and
// prints the paired-difference table; a second run reads everything from its cache; a third trains
// the CosFace head on the cached arms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const ABLATION = fileURLToPath(new URL('../../../bench/ablation/', import.meta.url));

interface PairedDifference {
  n: number;
  mean: number;
  sd: number;
  ci: [number, number];
  p: number;
}
interface Stats {
  mean(xs: number[]): number;
  sampleSd(xs: number[]): number;
  incompleteBeta(x: number, a: number, b: number): number;
  tTwoSided(t: number, df: number): number;
  tQuantile(p: number, df: number): number;
  pairedDifference(a: number[], b: number[], level?: number): PairedDifference;
}
interface Pairs {
  a: number[];
  b: number[];
  issame: boolean[];
  genuine: number;
  impostor: number;
}
const stats = (): Promise<Stats> => import(join(ABLATION, 'stats.mjs')) as Promise<Stats>;

const close = (actual: number, expected: number, tol: number, what: string) => assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);

test('t quantiles and tails match published tables', async () => {
  const s = await stats();
  // two-sided 95 % critical values (any statistics table / scipy.stats.t.ppf(0.975, df))
  for (const [df, q] of [
    [1, 12.7062047],
    [2, 4.3026527],
    [4, 2.7764451],
    [9, 2.2621572],
    [30, 2.0422725],
  ] as const) {
    close(s.tQuantile(0.975, df), q, 1e-6, `t(0.975, ${df})`);
  }
  close(s.tQuantile(0.995, 4), 4.6040949, 1e-6, 't(0.995, 4)');
  close(s.tQuantile(0.975, 1e7), 1.959964, 1e-5, 'large df → normal');
  close(s.tTwoSided(2, 10), 0.0733880, 1e-6, 'P(|T10| ≥ 2)');
  close(s.tTwoSided(0, 5), 1, 1e-12, 'P(|T| ≥ 0)');
  close(s.incompleteBeta(0.3, 2, 3), 0.3483, 1e-12, 'I_0.3(2, 3)'); // 6x²(1/2 − 2x/3 + x²/4) at 0.3
  close(s.incompleteBeta(0.4, 2.5, 1.5) + s.incompleteBeta(0.6, 1.5, 2.5), 1, 1e-12, 'I_x(a,b) + I_1−x(b,a)');
  assert.throws(() => s.tQuantile(0.4, 3), RangeError);
});

test('paired difference: mean, sd, t interval and p of matched seeds', async () => {
  const s = await stats();
  const a = [0.95, 0.93, 0.96, 0.94, 0.97];
  const b = [0.9, 0.91, 0.9, 0.92, 0.91];
  const d = s.pairedDifference(a, b);
  // by hand: diffs 0.05 0.02 0.06 0.02 0.06, mean 0.042, sd = sqrt(0.00168 / 4) = 0.0204939, se 0.0091652
  assert.equal(d.n, 5);
  close(d.mean, 0.042, 1e-12, 'mean');
  close(d.sd, Math.sqrt(0.00168 / 4), 1e-12, 'sd');
  const half = 2.7764451 * (Math.sqrt(0.00168 / 4) / Math.sqrt(5));
  close(d.ci[0], 0.042 - half, 1e-8, 'ci low');
  close(d.ci[1], 0.042 + half, 1e-8, 'ci high');
  close(d.p, s.tTwoSided(0.042 / (Math.sqrt(0.00168 / 4) / Math.sqrt(5)), 4), 1e-12, 'p');
  assert.ok(d.p < 0.05 && d.p > 0.001, `p ${d.p}`);
  // a constant shift: zero spread, the interval collapses on it; identical arms: no difference
  const shift = s.pairedDifference([1, 2, 3], [0.5, 1.5, 2.5]);
  close(shift.ci[0], 0.5, 1e-12, 'shift low');
  close(shift.ci[1], 0.5, 1e-12, 'shift high');
  assert.equal(s.pairedDifference([1, 2], [1, 2]).p, 1);
  // the order of seeds must matter (paired, not pooled): swapping one arm's seeds changes the sd
  assert.notEqual(s.pairedDifference(a, [...b].reverse()).sd, d.sd);
  // one seed: no interval is made up
  const one = s.pairedDifference([0.9], [0.8]);
  assert.ok(Number.isNaN(one.ci[0]) && Number.isNaN(one.ci[1]) && Number.isNaN(one.p));
  assert.throws(() => s.pairedDifference([1, 2], [1]), RangeError);
  close(s.sampleSd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12, 'sample sd');
});

test('neutral benchmark pairs: distinct, labelled right, both kinds in every fold', async () => {
  const { neutralPairs } = (await import(join(ABLATION, 'proxy.mjs'))) as { neutralPairs: (ids: number, k: number, pairs: number, seed: number) => Pairs };
  const p = neutralPairs(40, 4, 200, 3);
  assert.equal(p.genuine, 200);
  assert.equal(p.impostor, 200);
  assert.equal(p.issame.length, 400);
  const keys = new Set<string>();
  p.issame.forEach((same, i) => {
    const [x, y] = [p.a[i]!, p.b[i]!];
    assert.ok(x !== y && x >= 0 && y >= 0 && x < 160 && y < 160);
    assert.equal(Math.floor(x / 4) === Math.floor(y / 4), same);
    keys.add(x < y ? `${x},${y}` : `${y},${x}`);
  });
  assert.equal(keys.size, 400, 'no pair twice');
  for (let f = 0; f < 10; f++) {
    const fold = p.issame.slice(f * 40, f * 40 + 40);
    assert.ok(fold.includes(true) && fold.includes(false), `fold ${f} mixes both kinds`);
  }
  assert.deepEqual(neutralPairs(40, 4, 200, 3), p, 'seeded');
  assert.throws(() => neutralPairs(10, 2, 11, 1), /only 10 genuine pairs/);
});

interface Lda {
  symmetricEigen: (a: Float64Array, n: number) => { values: Float64Array; vectors: Float64Array };
  fitLda: (x: Float32Array, n: number, k: number, d: number, o?: { dims?: number }) => { dims: number };
  applyLda: (lda: { dims: number }, x: Float32Array, rows: number, d: number) => Float32Array;
}

test('LDA proxy: Jacobi eigenvectors reconstruct the matrix; the fit discards a nuisance the labels reveal', async () => {
  const { symmetricEigen, fitLda, applyLda } = (await import(join(ABLATION, 'lda.mjs'))) as Lda;
  const n = 6;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = Math.sin(1 + i * 7 + j * 3);
  const { values, vectors } = symmetricEigen(a, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let rec = 0;
      let orth = 0;
      for (let t = 0; t < n; t++) {
        rec += vectors[i * n + t]! * values[t]! * vectors[j * n + t]!;
        orth += vectors[t * n + i]! * vectors[t * n + j]!;
      }
      close(rec, a[i * n + j]!, 1e-9, `A[${i},${j}]`);
      close(orth, i === j ? 1 : 0, 1e-9, `VᵀV[${i},${j}]`);
    }
  }
  // 30 identities in dims 0–1 (small spread), a per-photo nuisance 5× larger in dims 2–3
  const [ids, k, d] = [30, 4, 8];
  const x = new Float32Array(ids * k * d);
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const centre = Array.from({ length: ids }, () => [rnd(), rnd()]);
  for (let i = 0; i < ids; i++) {
    for (let s = 0; s < k; s++) {
      const r = (i * k + s) * d;
      x[r] = 0.2 * centre[i]![0]!;
      x[r + 1] = 0.2 * centre[i]![1]!;
      x[r + 2] = rnd();
      x[r + 3] = rnd();
      for (let c = 4; c < d; c++) x[r + c] = 0.01 * rnd();
      x[r + 4] = x[r + 4]! + 1; // a common offset, as every face shares
    }
  }
  const nearestOwn = (e: Float32Array, dim: number) => {
    let right = 0;
    for (let r = 0; r < ids * k; r++) {
      let best = -1;
      let bestDist = Infinity;
      for (let q = 0; q < ids * k; q++) {
        if (q === r) continue;
        let s = 0;
        for (let c = 0; c < dim; c++) s += (e[r * dim + c]! - e[q * dim + c]!) ** 2;
        if (s < bestDist) [bestDist, best] = [s, q];
      }
      if (Math.floor(best / k) === Math.floor(r / k)) right++;
    }
    return right / (ids * k);
  };
  const lda = fitLda(x, ids, k, d, { dims: 2 });
  assert.equal(lda.dims, 2);
  const raw = nearestOwn(x, d);
  const fitted = nearestOwn(applyLda(lda, x, ids * k, d), 2);
  assert.ok(fitted > raw + 0.3, `nearest neighbour of the same identity: LDA ${fitted} vs raw ${raw}`);
});

interface AblationResult {
  config: { identities: number; seeds: number[] };
  rows: Array<{ arm: string; seed: number; faceres_rank1: number; judge_rank1: number; consistency: number; proxy_accuracy: number; raw_accuracy: number; same_face_as_baseline: number | null; pack: { min_angle_deg: number } }>;
  differences: Record<string, Record<string, { n: number; mean: number; ci95: [number, number]; per_seed: number[] }>>;
  summary: Record<string, { seeds: number[] }>;
}

test('the ablation command at a few identities: table, paired differences, cache', { timeout: 240_000 }, async () => {
  const dir = tempDir('hf-ablation-');
  const args = (json: string) => [
    join(ABLATION, 'run.mjs'),
    ...['--identities', '12', '--k', '2', '--seeds', '1,2', '--arms', 'alpha1,random-gallery', '--iterations', '5', '--gallery-size', '24'],
    ...['--neutral-ids', '20', '--neutral-k', '3', '--pairs', '30', '--epochs', '3', '--cache', join(dir, 'cache'), '--json', join(dir, json), '--markdown', join(dir, 'table.md')],
  ];
  const t0 = Date.now();
  const first = await run(process.execPath, args('first.json'), { maxBuffer: 1 << 24 });
  const firstSeconds = (Date.now() - t0) / 1000;
  const r = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8')) as AblationResult;
  assert.equal(r.rows.length, 4);
  for (const row of r.rows) {
    for (const v of [row.faceres_rank1, row.judge_rank1, row.proxy_accuracy, row.raw_accuracy]) assert.ok(v >= 0 && v <= 1, `${row.arm}/${row.seed}: ${v}`);
  }
  const packed = r.rows.filter((x) => x.arm === 'alpha1');
  const gallery = r.rows.filter((x) => x.arm === 'random-gallery');
  // the geometry the arms differ in: packing spreads the gallery's points
  for (const seed of [1, 2]) assert.ok(packed.find((x) => x.seed === seed)!.pack.min_angle_deg > gallery.find((x) => x.seed === seed)!.pack.min_angle_deg);
  assert.equal(gallery[0]!.same_face_as_baseline, 1);
  const d = r.differences.alpha1!.judge_rank1!;
  assert.equal(d.n, 2);
  assert.deepEqual(
    d.per_seed,
    [1, 2].map((seed) => packed.find((x) => x.seed === seed)!.judge_rank1 - gallery.find((x) => x.seed === seed)!.judge_rank1),
  );
  assert.ok(d.ci95[0] <= d.mean && d.mean <= d.ci95[1]);
  assert.ok(!('random-gallery' in r.differences));
  const table = readFileSync(join(dir, 'table.md'), 'utf8');
  assert.match(table, /\n\| alpha1 \| 2 \| [+-]\d+\.\d\d \[[+-]\d+\.\d\d, [+-]\d+\.\d\d\] p[=<]/);
  assert.match(first.stderr, /Paired differences against random-gallery/);

  // a rerun reads the cached arms: the same figures, no packing or rendering again
  const t1 = Date.now();
  const second = await run(process.execPath, args('second.json'), { maxBuffer: 1 << 24 });
  const again = JSON.parse(readFileSync(join(dir, 'second.json'), 'utf8')) as AblationResult;
  assert.deepEqual(again.differences, r.differences);
  assert.deepEqual(again.rows.map((x) => x.proxy_accuracy), r.rows.map((x) => x.proxy_accuracy));
  assert.doesNotMatch(second.stderr, /render\+embed\)/, 'nothing rendered on the rerun');
  const rerunSeconds = (Date.now() - t1) / 1000;

  // the trained proxy (head.py, Debian's python3-torch) on the same cached arms: it trains (loss
  // falls, train accuracy per epoch recorded) and its result is cached under its own recipe key
  const cosArgs = [...args('cosface.json'), '--proxy', 'cosface', '--head-seeds', '2', '--cached-only'];
  const t2 = Date.now();
  const cos = await run(process.execPath, cosArgs, { maxBuffer: 1 << 24 });
  interface CosfaceRow {
    arm: string;
    seed: number;
    judge_rank1: number;
    proxy: string;
    proxy_accuracy: number;
    fit: { loss_first: number; loss_last: number; train_accuracy_per_epoch: number[] };
    head_seeds: Array<{ seed: number; accuracy: number }>;
  }
  const c = JSON.parse(readFileSync(join(dir, 'cosface.json'), 'utf8')) as { config: { proxy: string }; rows: CosfaceRow[] };
  assert.equal(c.config.proxy, 'cosface');
  assert.equal(c.rows.length, 4, 'every cached arm and seed');
  for (const row of c.rows) {
    assert.equal(row.proxy, 'cosface');
    assert.equal(row.fit.train_accuracy_per_epoch.length, 3, 'one entry per epoch (--epochs 3)');
    assert.ok(row.fit.loss_last < row.fit.loss_first, `${row.arm}/${row.seed}: loss ${row.fit.loss_first} → ${row.fit.loss_last}`);
    assert.ok(row.proxy_accuracy >= 0 && row.proxy_accuracy <= 1);
    // two head seeds per arm and seed (the arm's seed first), their scores averaged
    assert.deepEqual(row.head_seeds.map((h) => h.seed), [row.seed, row.seed + 100000]);
    close(row.proxy_accuracy, (row.head_seeds[0]!.accuracy + row.head_seeds[1]!.accuracy) / 2, 1e-12, 'mean over head seeds');
  }
  // separability does not depend on the proxy: the same rows as the LDA run
  assert.deepEqual(c.rows.map((x) => x.judge_rank1), r.rows.map((x) => x.judge_rank1));
  assert.match(cos.stderr, /Training proxy: CosFace MLP head \(head\.py\), 3 epochs, scores averaged over 2 head seeds/);
  assert.doesNotMatch(cos.stderr, /render\+embed\)/, 'the cosface run reads the cached faces');
  console.log(`ablation smoke: first run ${firstSeconds.toFixed(1)} s, cached rerun ${rerunSeconds.toFixed(1)} s, cosface proxy ${((Date.now() - t2) / 1000).toFixed(1)} s`);
});
