import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignFace, applySimilarity, ARCFACE_TEMPLATE_112, estimateSimilarity, flipHorizontal, invertSimilarity } from './align.js';

void test('Umeyama similarity maps known landmarks onto the ArcFace template within 0.5 px', () => {
  // Landmarks of a face rotated by 17°, scaled 2.7x and shifted in a 640x480 photo.
  const truth = { a: 2.7 * Math.cos(0.3), b: 2.7 * Math.sin(0.3), tx: 250, ty: 120 };
  const src = ARCFACE_TEMPLATE_112.map((p) => applySimilarity(truth, p));
  // Slight landmark noise (±0.6 px in the photo ≈ ±0.2 px in the crop).
  const noisy = src.map(([x, y], i) => [x + (i % 2 ? 0.5 : -0.5), y + (i % 3 ? -0.4 : 0.6)] as [number, number]);
  const t = estimateSimilarity(noisy, ARCFACE_TEMPLATE_112);
  noisy.forEach((p, i) => {
    const [x, y] = applySimilarity(t, p);
    const [u, v] = ARCFACE_TEMPLATE_112[i]!;
    assert.ok(Math.hypot(x - u, y - v) < 0.5, `point ${i}: (${x}, ${y}) vs (${u}, ${v})`);
  });
  const exact = estimateSimilarity(src, ARCFACE_TEMPLATE_112);
  const inv = invertSimilarity(truth);
  assert.ok(Math.abs(exact.a - inv.a) < 1e-9 && Math.abs(exact.b - inv.b) < 1e-9 && Math.abs(exact.tx - inv.tx) < 1e-6);
});

void test('warp puts marked landmark pixels onto the template positions; flip mirrors', () => {
  const W = 400;
  const H = 300;
  const truth = { a: 1.9 * Math.cos(-0.2), b: 1.9 * Math.sin(-0.2), tx: 120, ty: 40 };
  const img = new Uint8Array(W * H * 3);
  const landmarks: number[] = [];
  for (const p of ARCFACE_TEMPLATE_112) {
    const [x, y] = applySimilarity(truth, p);
    landmarks.push(x, y);
    // A bright 5x5 blob around each landmark.
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) img[((Math.round(y) + dy) * W + Math.round(x) + dx) * 3] = 255;
  }
  const { crop } = alignFace(img, W, H, landmarks, 112);
  for (const [u, v] of ARCFACE_TEMPLATE_112) {
    assert.ok((crop[(Math.round(v) * 112 + Math.round(u)) * 3] ?? 0) > 100, `landmark at (${u}, ${v}) is bright`);
  }
  const flipped = flipHorizontal(crop, 112);
  assert.equal(flipped[(10 * 112 + 111) * 3], crop[(10 * 112) * 3]);
});
