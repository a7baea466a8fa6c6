import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fileGraphModelHandler, initTfjs, tf } from '../backends/tfjs.js';
import { packageDir } from '../models/config.js';
import { createOnnxFaceEngine, detectWith } from './detect.js';
import type { DetectedFace, FaceEngine } from './detect.js';
import { fivePoints, BLAZE_SIZE, MESH_SIZE } from './face-geometry.js';
import * as human from './human-detect.js';
import { decodeImage } from './prepare.js';

const demoDir = fileURLToPath(new URL('../../../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const photos: { rgb: Uint8Array; width: number; height: number }[] = [];
let onnx: FaceEngine & { release(): Promise<void> };

/** The same two models on tfjs (the reference the ONNX conversion must reproduce). */
async function tfjsEngine(): Promise<FaceEngine> {
  await initTfjs();
  const dir = join(packageDir('@vladmandic/human') ?? '', 'models');
  const blaze = await tf.loadGraphModel(fileGraphModelHandler(join(dir, 'blazeface.json')));
  const mesh = await tf.loadGraphModel(fileGraphModelHandler(join(dir, 'facemesh.json')));
  const run = async (model: tf.GraphModel, input: Float32Array, n: number, size: number): Promise<tf.Tensor[]> => {
    const x = tf.transpose(tf.tensor4d(input, [n, 3, size, size]), [0, 2, 3, 1]);
    const out = model.execute(x) as tf.Tensor[];
    x.dispose();
    return out;
  };
  return {
    async blaze(input, n) {
      const out = await run(blaze, input, n, BLAZE_SIZE);
      // As Human does: order the four heads by size, concatenate the 512-anchor head first.
      const [l3, l5, r3, r5] = [...out].sort((a, b) => a.size - b.size) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const logits = (await tf.concat([l5, l3], 1).data()) as Float32Array;
      const regs = (await tf.concat([r5, r3], 1).data()) as Float32Array;
      tf.dispose(out);
      return { logits, regs };
    },
    async mesh(input, n) {
      const out = await run(mesh, input, n, MESH_SIZE);
      const flags = (await out.find((t) => t.shape.at(-1) === 1)!.data()) as Float32Array;
      const points = (await out.find((t) => t.shape.at(-1) === 1404)!.data()) as Float32Array;
      tf.dispose(out);
      return { flags, mesh: points };
    },
  };
}

before(async () => {
  for (let i = 1; i <= 6; i++) photos.push(await decodeImage({ encoded: new Uint8Array(await readFile(join(demoDir, `sample${i}.jpg`))) }));
  onnx = await createOnnxFaceEngine();
});
after(async () => onnx.release());

function maxDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? NaN))));
}

void test('blazeface + facemesh on ONNX give the tfjs boxes and landmarks within 0.5 px on the demo photos', async () => {
  const reference = await tfjsEngine();
  let faces = 0;
  for (const [i, p] of photos.entries()) {
    const a = await detectWith(onnx, p.rgb, p.width, p.height);
    const b = await detectWith(reference, p.rgb, p.width, p.height);
    assert.equal(a.length, b.length, `sample${i + 1}: face count`);
    a.forEach((f, k) => {
      const g = b[k]!;
      const box = (x: DetectedFace): number[] => [x.box.x, x.box.y, x.box.width, x.box.height];
      assert.ok(maxDiff(box(f), box(g)) <= 0.5, `sample${i + 1} face ${k}: box ${JSON.stringify(f.box)} vs ${JSON.stringify(g.box)}`);
      assert.ok(maxDiff(f.landmarks, g.landmarks) <= 0.5, `sample${i + 1} face ${k}: landmarks differ by ${maxDiff(f.landmarks, g.landmarks)} px`);
      assert.ok(maxDiff(Array.from(f.mesh!), Array.from(g.mesh!)) <= 0.5, `sample${i + 1} face ${k}: mesh`);
    });
    faces += a.length;
  }
  assert.equal(faces, 21, 'the six demo photos show 21 faces');
});

void test("the ONNX pipeline reproduces Human's own detect(): same faces, boxes and landmarks (Human truncates mesh points to whole pixels)", async () => {
  for (const [i, p] of photos.entries()) {
    const ours = await detectWith(onnx, p.rgb, p.width, p.height);
    const theirs = await human.detectFaces(p.rgb, p.width, p.height);
    assert.equal(ours.length, theirs.length, `sample${i + 1}: face count`);
    ours.forEach((f, k) => {
      const h = theirs[k]!;
      assert.equal(f.score, h.score, `sample${i + 1} face ${k}: detector score`);
      // Truncated like Human's transformRawCoords, our mesh gives Human's landmarks and box.
      const truncated = Float32Array.from(f.mesh!, Math.trunc);
      assert.ok(maxDiff(fivePoints(truncated), h.landmarks) <= 0.5, `sample${i + 1} face ${k}: ${JSON.stringify(fivePoints(truncated))} vs ${JSON.stringify(h.landmarks)}`);
      assert.ok(maxDiff(f.landmarks, h.landmarks) <= 1, `sample${i + 1} face ${k}: float landmarks within a pixel of Human's`);
      let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let j = 0; j < truncated.length; j += 2) {
        [minX, maxX, minY, maxY] = [Math.min(minX, truncated[j]!), Math.max(maxX, truncated[j]!), Math.min(minY, truncated[j + 1]!), Math.max(maxY, truncated[j + 1]!)];
      }
      const size = f.detectorBox!.x2 - f.detectorBox!.x1;
      const x = Math.trunc(Math.max(0, (minX + maxX) / 2 - size / 2));
      const y = Math.trunc(Math.max(0, (minY + maxY) / 2 - size / 2));
      // Within a pixel: a mesh point a hair from a whole pixel can truncate either way between engines.
      assert.ok(Math.abs(x - h.box.x) <= 1 && Math.abs(y - h.box.y) <= 1, `sample${i + 1} face ${k}: box corner ${x},${y} vs ${h.box.x},${h.box.y}`);
      assert.ok(Math.abs(f.box.width - h.box.width) <= 1 && Math.abs(f.box.height - h.box.height) <= 1, `sample${i + 1} face ${k}: box size`);
    });
  }
});
