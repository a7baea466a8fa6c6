import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { packageDir } from '../models/config.js';
import { convertFaceApiRecognition, convertTfjsGraphModel, WEBGPU_OPS } from './index.js';
import type { ConvertedModel, GraphTarget } from './index.js';

// No GPU here: the WebGPU-target graphs are checked for their op set and run on the CPU EP, where
// they must give the CPU-target graphs' outputs.
const human = join(packageDir('@vladmandic/human') ?? '', 'models');
const faceApi = join(packageDir('@vladmandic/face-api') ?? '', 'model', 'face_recognition_model-weights_manifest.json');
const models: { name: string; convert: (target: GraphTarget) => Promise<ConvertedModel> }[] = [
  { name: 'faceres', convert: (target) => convertTfjsGraphModel(join(human, 'faceres.json'), { inputLayout: 'NCHW', outputs: ['global_pooling/Mean'], target }) },
  { name: 'blazeface', convert: (target) => convertTfjsGraphModel(join(human, 'blazeface.json'), { inputLayout: 'NCHW', target }) },
  { name: 'facemesh', convert: (target) => convertTfjsGraphModel(join(human, 'facemesh.json'), { inputLayout: 'NCHW', target }) },
  { name: 'faceapi', convert: (target) => convertFaceApiRecognition(faceApi, { inputLayout: 'NCHW', size: 150, target }) },
];

for (const m of models) {
  void test(`${m.name}: the WebGPU-target graph uses only WebGPU EP ops and matches the CPU-target graph`, async () => {
    const cpu = await m.convert('cpu');
    const gpu = await m.convert('webgpu');
    const foreign = gpu.ops.filter((op) => !WEBGPU_OPS.includes(op));
    assert.deepEqual(foreign, [], `ops without a WebGPU kernel: ${foreign.join(', ')}`);
    const [h, w] = cpu.inputHwc;
    const x = Float32Array.from({ length: 2 * 3 * h * w }, (_, i) => (((i * 2654435761) >>> 0) % 1000) / 500 - 1);
    const run = async (c: ConvertedModel): Promise<ort.InferenceSession.OnnxValueMapType> => {
      const s = await ort.InferenceSession.create(c.bytes, { intraOpNumThreads: 1 });
      try {
        return await s.run({ [c.inputName]: new ort.Tensor('float32', x, [2, 3, h, w]) });
      } finally {
        await s.release();
      }
    };
    const [a, b] = [await run(cpu), await run(gpu)];
    for (const o of cpu.outputs) {
      const p = a[o.name]!.data as Float32Array;
      const q = b[o.name]!.data as Float32Array;
      assert.equal(p.length, q.length);
      const scale = Math.max(1, ...Array.from(p, Math.abs));
      const diff = Math.max(...Array.from(p, (v, i) => Math.abs(v - (q[i] ?? NaN))));
      assert.ok(diff <= 1e-4 * scale, `${o.name}: max difference ${diff} (scale ${scale})`);
    }
  });
}
