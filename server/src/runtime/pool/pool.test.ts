import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../shared/errors.js';
import { PreprocessPool } from './pool.js';

const demoDir = fileURLToPath(new URL('../../../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const pool = new PreprocessPool({ workers: 2, maxQueue: 64 });
after(() => pool.close());

void test('detection finds the faces in the face-api demo photos and aligns them to 112x112', async () => {
  const results = await Promise.all(
    [1, 2, 3, 4, 5, 6].map(async (i) => pool.prepare({ encoded: new Uint8Array(await readFile(join(demoDir, `sample${i}.jpg`))), aligned: false, largestFace: i !== 1, flip: i === 1, size: 112 })),
  );
  results.forEach((r, i) => {
    assert.equal(r.alignment, 'five-point');
    assert.ok(r.faces.length >= 1, `sample${i + 1}: ${r.faces.length} faces`);
    for (const f of r.faces) {
      assert.equal(f.crop.length, 112 * 112 * 3);
      assert.equal(f.landmarks.length, 10);
      // Landmarks lie inside the detected box.
      for (let k = 0; k < 5; k++) {
        const x = f.landmarks[2 * k] ?? -1;
        const y = f.landmarks[2 * k + 1] ?? -1;
        assert.ok(x >= f.box.x && x <= f.box.x + f.box.width && y >= f.box.y && y <= f.box.y + f.box.height, `landmark ${k} in box`);
      }
    }
  });
  const group = results[0]!;
  assert.ok(group.faces.length >= 3, `sample1 shows three people, found ${group.faces.length}`);
  assert.equal(group.faces[0]!.flipped?.length, 112 * 112 * 3);
  const areas = group.faces.map((f) => f.box.width * f.box.height);
  assert.deepEqual([...areas].sort((a, b) => b - a), areas, 'largest face first');
});

void test('aligned crops are resized; bad inputs give INVALID_ARGUMENT / NOT_FOUND', async () => {
  const crop = { width: 50, height: 50, channels: 4, data: new Uint8Array(50 * 50 * 4).fill(90) };
  const r = await pool.prepare({ raw: crop, aligned: true, largestFace: false, flip: true, size: 112 });
  assert.equal(r.alignment, 'none');
  assert.equal(r.faces[0]?.crop.length, 112 * 112 * 3);
  await assert.rejects(pool.prepare({ raw: { width: 50, height: 40, channels: 3, data: new Uint8Array(6000) }, aligned: true, largestFace: false, flip: false, size: 112 }), InvalidArgumentError);
  await assert.rejects(pool.prepare({ raw: { width: 50, height: 50, channels: 3, data: new Uint8Array(10) }, aligned: true, largestFace: false, flip: false, size: 112 }), InvalidArgumentError);
  await assert.rejects(pool.prepare({ encoded: new Uint8Array([0x89, 0x50, 1, 2, 3]), aligned: false, largestFace: false, flip: false, size: 112 }), InvalidArgumentError);
  await assert.rejects(pool.prepare({ raw: { width: 64, height: 64, channels: 3, data: new Uint8Array(64 * 64 * 3).fill(30) }, aligned: false, largestFace: false, flip: false, size: 112 }), NotFoundError);
});

void test('a saturated pool answers RESOURCE_EXHAUSTED with a retry hint', async () => {
  const small = new PreprocessPool({ workers: 1, maxQueue: 2 });
  try {
    const raw = { width: 256, height: 256, channels: 3, data: new Uint8Array(256 * 256 * 3) };
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => small.prepare({ raw, aligned: true, largestFace: false, flip: true, size: 224 })));
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    assert.ok(rejected.length > 0, 'some tasks are refused');
    for (const o of rejected) {
      assert.ok(o.reason instanceof ResourceExhaustedError, String(o.reason));
      assert.ok(o.reason.retryAfterMs > 0);
    }
    assert.ok(outcomes.some((o) => o.status === 'fulfilled'));
  } finally {
    await small.close();
  }
});
