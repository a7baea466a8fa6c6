import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../../util/rng.js';
import { bankParams, encodeBank, quantiseParams } from './bank.js';
import { DETAIL_COUNT } from './detail.js';
import { loadGenderTable, randomFaceParams } from './params.js';
import { decodeWithBank } from './refine.js';

const DIM = 24;

/** A bank whose embeddings depend linearly on the details (plus a per-entry part), rows normalised. */
function linearBank(count: number): { bank: ReturnType<typeof encodeBank>; embed: (own: Float32Array, detail: Float32Array) => Float32Array; own: Float32Array[] } {
  const r = new Rng(11);
  const b = Float64Array.from({ length: DETAIL_COUNT * DIM }, () => r.normal() * 0.3);
  const own = Array.from({ length: count }, () => Float32Array.from({ length: DIM }, () => r.normal() * 0.5));
  const embed = (o: Float32Array, detail: Float32Array): Float32Array => {
    const x = Float32Array.from(o);
    for (let k = 0; k < DETAIL_COUNT; k++) for (let j = 0; j < DIM; j++) x[j] = (x[j] ?? 0) + (b[k * DIM + j] ?? 0) * ((detail[k] ?? 0.5) - 0.5);
    const n = Math.sqrt(x.reduce((s, v) => s + v * v, 0));
    return x.map((v) => v / n);
  };
  const params = Array.from({ length: count }, (_, i) => quantiseParams(randomFaceParams(Rng.derive(4, `bank/${i}`))));
  const emb = new Float32Array(count * DIM);
  params.forEach((p, i) => emb.set(embed(own[i]!, p.detail!), i * DIM));
  const basis = new Float32Array(DIM * DIM);
  for (let i = 0; i < DIM; i++) basis[i * DIM + i] = 1;
  return { bank: encodeBank(emb, DIM, basis, DIM, params), embed, own };
}

describe('builtin generator: bank decoding refines the identity details towards the target', () => {
  it('an entry\'s own embedding decodes to that entry unchanged; a target beside it moves the details its way', async () => {
    await loadGenderTable();
    const { bank, embed, own } = linearBank(400);
    let closer = 0;
    let tried = 0;
    for (let e = 0; e < 40; e++) {
      const p = bankParams(bank, e);
      const self = decodeWithBank(bank, embed(own[e]!, p.detail!));
      assert.deepEqual(self.categorical, p.categorical);
      const moved = Math.max(...Array.from(self.detail!, (v, k) => Math.abs(v - (p.detail![k] ?? 0))));
      assert.ok(moved < 0.02, `entry ${e}: its own embedding moved a detail by ${moved}`);
      // the same person with other details: same entry, details refined towards the wanted ones
      const wanted = Float32Array.from(p.detail!, (v, k) => (k % 2 === 0 ? Math.min(1, v + 0.2) : Math.max(0, v - 0.2)));
      const got = decodeWithBank(bank, embed(own[e]!, wanted));
      if (got.categorical.join() !== p.categorical.join()) continue;
      tried++;
      const before = Math.hypot(...Array.from(wanted, (w, k) => w - (p.detail![k] ?? 0)));
      const after = Math.hypot(...Array.from(wanted, (w, k) => w - (got.detail![k] ?? 0)));
      if (after < 0.6 * before) closer++;
    }
    assert.ok(tried >= 30, `${tried} targets kept their entry`);
    assert.ok(closer >= 0.9 * tried, `${closer}/${tried} refinements came much closer to the wanted details`);
  });

  it('two targets that pick the same entry get different faces; the decoding is deterministic', async () => {
    await loadGenderTable();
    const { bank, embed, own } = linearBank(200);
    const r = new Rng(3);
    const p = bankParams(bank, 7);
    const faces = new Set<string>();
    for (let t = 0; t < 10; t++) {
      const x = embed(own[7]!, p.detail!).map((v) => v + 0.05 * r.normal());
      const a = decodeWithBank(bank, x);
      assert.deepEqual(decodeWithBank(bank, Float32Array.from(x)), a);
      if (a.categorical.join() === p.categorical.join()) faces.add(Array.from(a.detail!).join());
    }
    assert.ok(faces.size >= 5, `${faces.size} distinct faces for targets around one entry`);
  });
});
