import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { bankParams, encodeBank, loadBank, nearestBankEntry, quantiseParams, saveBank } from './bank.js';
import { DETAIL, DETAIL_COUNT } from './detail.js';
import { DEFAULT_MODEL_DIR } from './index.js';
import { loadModel, predictParams } from './model.js';
import { loadGenderTable, randomFaceParams } from './params.js';

function unitRows(n: number, dim: number, r: Rng): Float32Array {
  const x = new Float32Array(n * dim).map(() => r.normal());
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * dim, (i + 1) * dim);
    const s = Math.hypot(...row);
    row.forEach((v, j) => (row[j] = v / s));
  }
  return x;
}

/** First `rank` coordinate axes as the basis: rows that live there project exactly. */
function axisBasis(dim: number, rank: number): Float32Array {
  const b = new Float32Array(dim * rank);
  for (let r = 0; r < rank; r++) b[r * rank + r] = 1;
  return b;
}

describe('identity bank', () => {
  it('decodes an entry\'s own embedding (and a nearby one) to that entry, and round-trips through bank.bin', async () => {
    await loadGenderTable();
    const dim = 32;
    const rank = 16;
    const r = new Rng(5);
    const count = 50;
    const emb = new Float32Array(count * dim);
    const sub = unitRows(count, rank, r);
    for (let e = 0; e < count; e++) emb.set(sub.subarray(e * rank, (e + 1) * rank), e * dim);
    const params = Array.from({ length: count }, (_, i) => quantiseParams(randomFaceParams(Rng.derive(9, `bank/${i}`))));
    const bank = encodeBank(emb, dim, axisBasis(dim, rank), rank, params);
    for (let e = 0; e < count; e++) assert.equal(nearestBankEntry(bank, emb.subarray(e * dim, (e + 1) * dim)), e);
    // a target off the bank's subspace (noise in the other 16 dimensions) still finds its entry
    const t = Float32Array.from(emb.subarray(7 * dim, 8 * dim));
    for (let j = rank; j < dim; j++) t[j] = 0.3 * r.normal();
    assert.equal(nearestBankEntry(bank, t), 7);
    assert.deepEqual(bankParams(bank, 7), params[7]);
    const dir = await mkdtemp(join(tmpdir(), 'hf-bank-'));
    try {
      const manifest = await saveBank(dir, bank);
      const back = await loadBank(dir, manifest);
      for (let e = 0; e < count; e += 7) assert.equal(nearestBankEntry(back, emb.subarray(e * dim, (e + 1) * dim)), e);
      assert.deepEqual(bankParams(back, 3), params[3]);
      await assert.rejects(loadBank(dir, { ...manifest, count: count + 1 }), /bytes, expected/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores each entry\'s identity details (format /2); banks without details (/1) still load', async () => {
    await loadGenderTable();
    const dim = 16;
    const rank = 8;
    const r = new Rng(6);
    const count = 12;
    const emb = new Float32Array(count * dim);
    const sub = unitRows(count, rank, r);
    for (let e = 0; e < count; e++) emb.set(sub.subarray(e * rank, (e + 1) * rank), e * dim);
    const withDetails = Array.from({ length: count }, (_, i) => quantiseParams(randomFaceParams(Rng.derive(3, `bank/${i}`))));
    const dir = await mkdtemp(join(tmpdir(), 'hf-bank-'));
    try {
      const m2 = await saveBank(dir, encodeBank(emb, dim, axisBasis(dim, rank), rank, withDetails));
      assert.equal(m2.format, 'hyperface-builtin-bank/2');
      assert.deepEqual(m2.detail, DETAIL.map((d) => d.name));
      const b2 = await loadBank(dir, m2);
      assert.equal(bankParams(b2, 4).detail?.length, DETAIL_COUNT);
      assert.deepEqual(bankParams(b2, 4), withDetails[4]);
      await assert.rejects(loadBank(dir, { ...m2, detail: ['eye.size'] }), /details .* differ/);
      const plain = withDetails.map((p) => ({ numeric: p.numeric, categorical: p.categorical }));
      const m1 = await saveBank(dir, encodeBank(emb, dim, axisBasis(dim, rank), rank, plain));
      assert.equal(m1.format, 'hyperface-builtin-bank/1');
      const b1 = await loadBank(dir, m1);
      assert.equal(bankParams(b1, 4).detail, undefined, 'a /1 bank decodes to facesjs geometry');
      assert.equal(nearestBankEntry(b1, emb.subarray(4 * dim, 5 * dim)), 4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the committed generator decodes through its bank: far-apart identities get distinct faces, the same identity always the same', async () => {
    const { weights, manifest } = await loadModel(DEFAULT_MODEL_DIR);
    assert.ok(weights.bank && manifest.bank, 'the committed model has an identity bank');
    assert.ok(manifest.bank.count >= 10_000, `bank of ${manifest.bank.count}`);
    assert.equal(manifest.bank.format, 'hyperface-builtin-bank/2', 'the bank was drawn from the sampler with identity details');
    const r = new Rng(77);
    const ids = unitRows(200, weights.dim, r);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const x = ids.subarray(i * weights.dim, (i + 1) * weights.dim);
      const p = predictParams(weights, x);
      assert.deepEqual(predictParams(weights, Float32Array.from(x)), p);
      seen.add(`${p.numeric.join()}|${p.categorical.join()}`);
    }
    // 200 uniform random targets: nearly all get their own face (the MLP sent them to a handful)
    assert.ok(seen.size >= 190, `${seen.size} distinct faces for 200 identities`);
  });
});
