// Reference only (parity tests, benches): face detection + five landmarks through @vladmandic/human's
// own pipeline on its Node wasm build. The daemon detects with detect.ts (the same models on
// onnxruntime). Model files are read from disk: Human fetches
// them over HTTP, so a fetch shim maps a private http:// prefix onto the package's models folder.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageDir } from '../models/config.js';

export interface DetectedFace {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  /** x0, y0, … x4, y4: eye (image left), eye (image right), nose tip, mouth corner (left), mouth corner (right). */
  landmarks: number[];
}

interface HumanFace {
  box: [number, number, number, number];
  score: number;
  boxScore?: number;
  mesh: [number, number, number?][];
}
interface HumanInstance {
  load(): Promise<void>;
  warmup?(): Promise<unknown>;
  detect(input: unknown): Promise<{ face: HumanFace[]; error?: string | null }>;
  tf: {
    tensor4d(data: Float32Array, shape: [number, number, number, number], dtype?: string): { dispose(): void };
  };
}

const MODEL_PREFIX = 'http://hyperface-human-models.invalid/';
let humanPromise: Promise<HumanInstance> | undefined;

function installFetchShim(modelsDir: string): void {
  const g = globalThis as { fetch: typeof fetch; __hyperfaceFetchShim?: boolean };
  if (g.__hyperfaceFetchShim) return;
  const original = g.fetch.bind(globalThis);
  g.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(MODEL_PREFIX)) {
      const name = url.slice(MODEL_PREFIX.length).replace(/[?#].*$/, '');
      if (name.includes('..') || name.includes('/')) return new Response(null, { status: 404 });
      try {
        return new Response(await readFile(join(modelsDir, name)), { status: 200 });
      } catch {
        return new Response(null, { status: 404 });
      }
    }
    return original(input, init);
  });
  g.__hyperfaceFetchShim = true;
}

/** Loads (once per thread) Human configured for detection + mesh only. */
export function loadDetector(): Promise<HumanInstance> {
  humanPromise ??= createHuman(false);
  return humanPromise;
}

/** A new Human on wasm for detection + mesh (+ the faceres descriptor when `description`), models read from the package. */
export async function createHuman(description: boolean): Promise<HumanInstance> {
  const dir = packageDir('@vladmandic/human');
  if (!dir) throw new Error('@vladmandic/human is not installed');
  installFetchShim(join(dir, 'models'));
  const require = createRequire(import.meta.url);
  const mod = require(join(dir, 'dist', 'human.node-wasm.js')) as { Human: new (cfg: object) => HumanInstance };
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
  const human = new mod.Human({
    backend: 'wasm',
    wasmPath: wasmDir,
    modelBasePath: MODEL_PREFIX,
    debug: false,
    cacheModels: false,
    async: true,
    warmup: 'none',
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 20, minConfidence: 0.4, iouThreshold: 0.1, return: false, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true },
      iris: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: description },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      attention: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
  await human.load();
  return human;
}

const avg = (pts: [number, number, number?][], idx: number[]): [number, number] => {
  let x = 0;
  let y = 0;
  for (const i of idx) {
    x += pts[i]?.[0] ?? 0;
    y += pts[i]?.[1] ?? 0;
  }
  return [x / idx.length, y / idx.length];
};

/** Five ArcFace-order landmarks from a 468-point facemesh. */
export function fivePointsFromMesh(mesh: [number, number, number?][]): number[] {
  // Eye centres: mean of each eye's corners and lids; nose tip; mouth corners.
  const eyeA = avg(mesh, [33, 133, 159, 145]);
  const eyeB = avg(mesh, [362, 263, 386, 374]);
  const nose = avg(mesh, [1]);
  const mouthA = avg(mesh, [61]);
  const mouthB = avg(mesh, [291]);
  const [el, er] = eyeA[0] <= eyeB[0] ? [eyeA, eyeB] : [eyeB, eyeA];
  const [ml, mr] = mouthA[0] <= mouthB[0] ? [mouthA, mouthB] : [mouthB, mouthA];
  return [el[0], el[1], er[0], er[1], nose[0], nose[1], ml[0], ml[1], mr[0], mr[1]];
}

/** Detects faces in an RGB HWC image; largest first. */
export async function detectFaces(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
  const human = await loadDetector();
  const tensor = human.tf.tensor4d(Float32Array.from(rgb), [1, height, width, 3], 'float32');
  try {
    const res = await human.detect(tensor);
    if (res.error) throw new Error(`face detector: ${res.error}`);
    const faces = res.face
      .filter((f) => Array.isArray(f.mesh) && f.mesh.length >= 468)
      .map((f) => ({
        box: { x: f.box[0], y: f.box[1], width: f.box[2], height: f.box[3] },
        score: f.boxScore ?? f.score,
        landmarks: fivePointsFromMesh(f.mesh),
      }));
    faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    return faces;
  } finally {
    tensor.dispose();
  }
}
