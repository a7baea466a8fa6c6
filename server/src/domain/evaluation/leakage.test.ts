import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leakageSide, renderLeakageHtml } from './leakage.js';

const at = (deg: number): number[] => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];

void test('leakageSide: nearest real identity per synthetic identity, thresholds from real impostor pairs, closest pairs', async () => {
  // Real identities on the circle at 0°, 90°, 180°, 270°: impostor cosines 0 (4 pairs) and −1 (2 pairs).
  const real = Float32Array.from([0, 90, 180, 270].flatMap(at));
  // Synthetic identity 0: images at 10° and 60° (nearest real 0 at 10°); identity 1: image at 135° (45° from 90° and 180°).
  const syn = Float32Array.from([10, 60, 134].flatMap(at));
  const side = leakageSide('r', { embeddings: syn, identity: [0, 0, 1], files: ['a', 'b', 'c'] }, { data: real, rows: 4, labels: ['p0', 'p90', 'p180', 'p270'] }, 2);
  assert.equal(side.synthetic_identities, 2);
  assert.deepEqual(side.nearest.map((n) => [n.identity, n.real_label]), [[0, 'p0'], [1, 'p90']]);
  assert.ok(Math.abs(side.nearest[0]!.cosine - Math.cos((10 * Math.PI) / 180)) < 1e-6);
  // 6 pairs < 1/FAR: the threshold is the largest impostor cosine (0), so images with cosine > 0 count: all 3.
  assert.ok(Math.abs(side.thresholds[0]!.cosine) < 1e-6);
  assert.equal(side.thresholds[0]!.images_above, 3);
  assert.equal(side.thresholds[0]!.share_above, 1);
  assert.deepEqual(side.closest_pairs.map((p) => p.file), ['a', 'b', 'c']);
  const html = await renderLeakageHtml({ source: 'x', generator: side, judge: null, judge_note: 'no judge' }, { synthetic: () => Promise.resolve(null), real: () => Promise.resolve(null) });
  assert.match(html, /Leakage/);
  assert.match(html, /no judge/);
});
