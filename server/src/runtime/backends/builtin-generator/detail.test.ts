import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VariationSettings } from '../../models/types.js';
import { Rng } from '../../../util/rng.js';
import { DETAIL, DETAIL_COUNT } from './detail.js';
import { NO_VARIATION } from './index.js';
import { type FaceParams, loadGenderTable, randomFaceParams } from './params.js';
import { renderFace, sampleFaceConfig } from './render.js';
import { drawVariation } from './variation.js';

const DEFAULT_V: VariationSettings = { beta: 0.02, pose: 0.5, color: 0.5, background: 0.5, accessories: 0.3 };
const withDetail = (p: FaceParams, v: number | undefined): FaceParams =>
  v === undefined ? { numeric: p.numeric, categorical: p.categorical } : { ...p, detail: new Float32Array(DETAIL_COUNT).fill(v) };
const b64 = (d: Uint8Array): string => Buffer.from(d).toString('base64');

/** Centroid of the dark pixels (pupils, eye outlines) in a window around a point of a 112 px crop. */
function darkCentroid(data: Uint8Array, cx: number, cy: number, r: number): [number, number] {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = Math.round(cy - r); y <= Math.round(cy + r); y++) {
    for (let x = Math.round(cx - r); x <= Math.round(cx + r); x++) {
      const i = (y * 112 + x) * 3;
      if ((data[i] ?? 255) + (data[i + 1] ?? 255) + (data[i + 2] ?? 255) < 150) {
        sx += x;
        sy += y;
        n++;
      }
    }
  }
  assert.ok(n > 5, 'the eye is drawn');
  return [sx / n, sy / n];
}

describe('builtin generator: identity details', () => {
  it('details at their midpoint render exactly as facesjs draws the face (no details)', async () => {
    await loadGenderTable();
    for (let id = 0; id < 4; id++) {
      const p = randomFaceParams(new Rng(100 + id));
      const v = drawVariation(id, DEFAULT_V);
      const plain = await renderFace(withDetail(p, undefined), v, 112);
      const mid = await renderFace(withDetail(p, 0.5), v, 112);
      assert.equal(b64(mid.data), b64(plain.data));
    }
  });

  it('details change the face but keep the eyes on the ArcFace template', async () => {
    await loadGenderTable();
    let checked = 0;
    for (let id = 0; id < 12; id++) {
      const p = randomFaceParams(new Rng(200 + id));
      const plain = await renderFace(withDetail(p, undefined), drawVariation(0, NO_VARIATION), 112);
      for (const t of [0, 1]) {
        const moved = await renderFace(withDetail(p, t), drawVariation(0, NO_VARIATION), 112);
        // the same with the eyes' own size and shape kept (and the brows, which can come down to the
        // eyes' top edge, where facesjs put them), so the pupils can be compared pixel for pixel
        const details = withDetail(p, t);
        for (const name of ['eye.size', 'eye.height', 'eyebrow.dy', 'eyebrow.size']) details.detail![DETAIL.findIndex((d) => d.name === name)] = 0.5;
        const sameEyes = await renderFace(details, drawVariation(0, NO_VARIATION), 112);
        assert.notEqual(b64(moved.data), b64(plain.data), 'details at their ends change the face');
        // ArcFace 112 template eye centres; the pupils: brows, nose and mouth stay more than 3 px away
        for (const [ex, ey] of [[38.29, 51.7], [73.53, 51.5]] as const) {
          const a = darkCentroid(plain.data, ex, ey, 3);
          const b = darkCentroid(sameEyes.data, ex, ey, 3);
          // face length scales about the eye line, brows, nose and mouth move vertically, eye.size
          // and eye.height scale each eye about its own centre: the pupils stay within anti-aliasing
          assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) < 1, `eye at (${ex}, ${ey}) moved from ${a.join(',')} to ${b.join(',')} (identity ${id}, details ${t})`);
          checked++;
        }
      }
    }
    assert.equal(checked, 48);
  });

  it('details belong to the identity: no nuisance draw changes them', async () => {
    await loadGenderTable();
    const full: VariationSettings = { beta: 0.2, pose: 1, color: 1, background: 1, accessories: 1 };
    const p = randomFaceParams(new Rng(9));
    assert.equal(p.detail?.length, DETAIL_COUNT);
    const sizes = (s: number): string => {
      const c = sampleFaceConfig(p, drawVariation(s, full)) as unknown as Record<string, { size?: number }>;
      return JSON.stringify([c.eye?.size, c.eyebrow?.size, c.mouth?.size]);
    };
    const base = sizes(0);
    for (let s = 1; s < 40; s++) assert.equal(sizes(s), base);
    // a new identity from the same stream state draws new details
    assert.notDeepEqual(randomFaceParams(new Rng(10)).detail, p.detail);
  });
});
