// Face detection + five landmarks with @vladmandic/human's blazeface detector and facemesh model,
// converted to ONNX at load time (runtime/convert) and run on onnxruntime; the geometry around them
// (face-geometry.ts) reproduces Human's pipeline. Runs inside the pool workers: each worker holds
// its own two sessions, single-threaded, so workers detect different photos in parallel.
import { join } from 'node:path';
import { workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { CPU_SESSION_OPTIONS } from '../backends/onnx.js';
import { convertTfjsGraphModel } from '../convert/index.js';
import { packageDir } from '../models/config.js';
import { BLAZE_SIZE, blazeInput, decodeBlaze, faceBoxFromMesh, fivePoints, MESH_SIZE, meshInput, meshToImage } from './face-geometry.js';
import type { BlazeOptions } from './face-geometry.js';

export interface DetectedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** x0, y0, … x4, y4: eye (image left), eye (image right), nose tip, mouth corner (left), mouth corner (right). */
  landmarks: number[];
  /** The 468 facemesh points, x/y pairs in photo pixels. */
  mesh?: Float32Array;
  /** The square box the mesh model saw (blazeface's, enlarged). */
  detectorBox?: { x1: number; y1: number; x2: number; y2: number };
}

/** The two models' forward passes on planar (NCHW) float input; swappable so tests can compare engines. */
export interface FaceEngine {
  /** `n` images 3×256×256 in [-1, 1] → logits [n·896] and regressors [n·896·16]. */
  blaze(input: Float32Array, n: number): Promise<{ logits: Float32Array; regs: Float32Array }>;
  /** `n` crops 3×192×192 in [0, 1] → face flags [n] and mesh [n·1404]. */
  mesh(input: Float32Array, n: number): Promise<{ flags: Float32Array; mesh: Float32Array }>;
}

/** Human's settings for the daemon's detector (the pool used them before the switch to ONNX). */
export const DETECTOR_OPTIONS: BlazeOptions = { maxDetected: 20, minConfidence: 0.4, iouThreshold: 0.1, scale: 1.4 };

/** Runs detection with `engine`: largest face first. */
export async function detectWith(engine: FaceEngine, rgb: Uint8Array, width: number, height: number, opts: BlazeOptions = DETECTOR_OPTIONS): Promise<DetectedFace[]> {
  const input = new Float32Array(3 * BLAZE_SIZE * BLAZE_SIZE);
  blazeInput(rgb, width, height, input);
  const { logits, regs } = await engine.blaze(input, 1);
  const boxes = decodeBlaze(logits, regs, width, height, opts).filter((b) => b.crop.x2 - b.crop.x1 > 0 && b.crop.y2 - b.crop.y1 > 0);
  if (boxes.length === 0) return [];
  const px = 3 * MESH_SIZE * MESH_SIZE;
  const crops = new Float32Array(boxes.length * px);
  boxes.forEach((b, i) => meshInput(rgb, width, height, b.crop, crops, i * px));
  const { flags, mesh } = await engine.mesh(crops, boxes.length);
  const faces: DetectedFace[] = [];
  boxes.forEach((b, i) => {
    // Human rounds both scores to two decimals before comparing.
    const faceScore = Math.round(100 * (flags[i] ?? 0)) / 100;
    if (!(faceScore > opts.minConfidence)) return;
    const pts = meshToImage(mesh.subarray(i * 1404, (i + 1) * 1404), b.crop);
    faces.push({ box: faceBoxFromMesh(pts, b.crop, width, height), score: Math.round(100 * b.score) / 100, landmarks: fivePoints(pts), mesh: pts, detectorBox: b.crop });
  });
  faces.sort((a, c) => c.box.width * c.box.height - a.box.width * a.box.height);
  return faces;
}

/** Which ONNX output is which, by shape (names differ between model versions). */
function pick(outputs: { name: string; dims: (number | string)[] }[], dims: number[]): string {
  const o = outputs.find((x) => x.dims.slice(1).join() === dims.join());
  if (!o) throw new Error(`face model has no output of shape [N, ${dims.join(', ')}]`);
  return o.name;
}

/** Converts blazeface + facemesh from the installed @vladmandic/human and opens ONNX sessions. */
export async function createOnnxFaceEngine(options: { threads?: number; providers?: string[] } = {}): Promise<FaceEngine & { release(): Promise<void> }> {
  const dir = packageDir('@vladmandic/human');
  if (!dir) throw new Error('@vladmandic/human is not installed');
  const target = options.providers?.[0] === 'webgpu' ? 'webgpu' : 'cpu';
  const blaze = await convertTfjsGraphModel(join(dir, 'models', 'blazeface.json'), { inputLayout: 'NCHW', target });
  const mesh = await convertTfjsGraphModel(join(dir, 'models', 'facemesh.json'), { inputLayout: 'NCHW', outputs: ['Identity_1', 'Identity_2'], target });
  const so: ort.InferenceSession.SessionOptions = { ...CPU_SESSION_OPTIONS, executionProviders: options.providers ?? ['cpu'], intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 };
  const bs = await ort.InferenceSession.create(blaze.bytes, so);
  const ms = await ort.InferenceSession.create(mesh.bytes, so);
  const names = {
    logits512: pick(blaze.outputs, [512, 1]),
    logits384: pick(blaze.outputs, [384, 1]),
    regs512: pick(blaze.outputs, [512, 16]),
    regs384: pick(blaze.outputs, [384, 16]),
    flag: pick(mesh.outputs, [1]),
    mesh: pick(mesh.outputs, [1404]),
  };
  return {
    async blaze(input, n) {
      const r = await bs.run({ [blaze.inputName]: new ort.Tensor('float32', input, [n, 3, BLAZE_SIZE, BLAZE_SIZE]) });
      const get = (k: string): Float32Array => r[k]!.data as Float32Array;
      const [l5, l3, r5, r3] = [get(names.logits512), get(names.logits384), get(names.regs512), get(names.regs384)];
      // Per image: the stride-16 head's 512 rows, then the stride-32 head's 384.
      const logits = new Float32Array(n * 896);
      const regs = new Float32Array(n * 896 * 16);
      for (let i = 0; i < n; i++) {
        logits.set(l5.subarray(i * 512, (i + 1) * 512), i * 896);
        logits.set(l3.subarray(i * 384, (i + 1) * 384), i * 896 + 512);
        regs.set(r5.subarray(i * 512 * 16, (i + 1) * 512 * 16), i * 896 * 16);
        regs.set(r3.subarray(i * 384 * 16, (i + 1) * 384 * 16), (i * 896 + 512) * 16);
      }
      return { logits, regs };
    },
    async mesh(input, n) {
      const r = await ms.run({ [mesh.inputName]: new ort.Tensor('float32', input, [n, 3, MESH_SIZE, MESH_SIZE]) });
      return { flags: r[names.flag]!.data as Float32Array, mesh: r[names.mesh]!.data as Float32Array };
    },
    async release() {
      await bs.release();
      await ms.release();
    },
  };
}

let enginePromise: Promise<FaceEngine> | undefined;

/** The pool's choice of providers (piscina workerData), WebGPU first only when it was asked for and exists. */
function workerProviders(): string[] {
  const asked = (workerData as { detectorProviders?: string[] } | undefined)?.detectorProviders ?? ['cpu'];
  const have = new Set(ort.listSupportedBackends().map((b) => b.name));
  const usable = asked.filter((p) => p === 'cpu' || have.has(p));
  return usable.length > 0 ? usable : ['cpu'];
}

/** Detects faces in an RGB HWC image with the ONNX engine (loaded once per thread); largest first. */
export async function detectFaces(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
  enginePromise ??= createOnnxFaceEngine({ providers: workerProviders() }).catch(async () => createOnnxFaceEngine());
  return detectWith(await enginePromise, rgb, width, height);
}
