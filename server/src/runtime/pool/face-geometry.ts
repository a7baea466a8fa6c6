// The geometry around Human's blazeface detector and facemesh landmarker, done in plain JS so the
// models themselves can run on onnxruntime: the detector's input resize, anchor decoding and NMS,
// the mesh crop (tf.image.cropAndResize semantics) and mapping the mesh back into the photo. Each
// step follows @vladmandic/human's face/blazeface.ts and face/facemeshutil.ts (rotation off), but
// keeps landmarks as floats (Human truncates them to whole pixels).

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface DetectorBox {
  /** Square crop box (enlarged 1.4×, rounded) the mesh model sees. */
  crop: Box;
  score: number;
}

export const BLAZE_SIZE = 256;
export const MESH_SIZE = 192;

let anchorCache: Float32Array | undefined;
/** Blazeface's 896 anchor centres (x, y) at 256×256: 16×16×2 at stride 16, then 8×8×6 at stride 32. */
export function blazeAnchors(): Float32Array {
  if (anchorCache) return anchorCache;
  const out: number[] = [];
  for (const [stride, per] of [
    [16, 2],
    [32, 6],
  ] as const) {
    const grid = Math.floor((BLAZE_SIZE + stride - 1) / stride);
    for (let gy = 0; gy < grid; gy++) for (let gx = 0; gx < grid; gx++) for (let n = 0; n < per; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
  }
  anchorCache = Float32Array.from(out);
  return anchorCache;
}

/**
 * tf.image.resizeBilinear (no corner alignment, no half-pixel centres) of an RGB HWC uint8 image to
 * 256×256, scaled to [-1, 1] as blazeface wants, written planar (NCHW) into `out` at `offset`.
 */
export function blazeInput(rgb: Uint8Array, width: number, height: number, out: Float32Array, offset = 0): void {
  const S = BLAZE_SIZE;
  const plane = S * S;
  const ry = height / S;
  const rx = width / S;
  // Column sample positions are the same on every row.
  const x0s = new Int32Array(S);
  const x1s = new Int32Array(S);
  const fxs = new Float32Array(S);
  for (let x = 0; x < S; x++) {
    const sx = x * rx;
    x0s[x] = Math.floor(sx) * 3;
    x1s[x] = Math.min(width - 1, Math.ceil(sx)) * 3;
    fxs[x] = sx - Math.floor(sx);
  }
  for (let y = 0; y < S; y++) {
    const sy = y * ry;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    const r0 = y0 * width * 3;
    const r1 = Math.min(height - 1, Math.ceil(sy)) * width * 3;
    const o = offset + y * S;
    for (let x = 0; x < S; x++) {
      const fx = fxs[x]!;
      const a = r0 + x0s[x]!;
      const b = r0 + x1s[x]!;
      const c = r1 + x0s[x]!;
      const d = r1 + x1s[x]!;
      for (let ch = 0; ch < 3; ch++) {
        const top = rgb[a + ch]! + (rgb[b + ch]! - rgb[a + ch]!) * fx;
        const bot = rgb[c + ch]! + (rgb[d + ch]! - rgb[c + ch]!) * fx;
        out[o + ch * plane + x] = (top + (bot - top) * fy) / 127.5 - 1;
      }
    }
  }
}

function iou(b: Float32Array, i: number, j: number): number {
  const [ax1, ay1, ax2, ay2] = [Math.min(b[4 * i]!, b[4 * i + 2]!), Math.min(b[4 * i + 1]!, b[4 * i + 3]!), Math.max(b[4 * i]!, b[4 * i + 2]!), Math.max(b[4 * i + 1]!, b[4 * i + 3]!)];
  const [bx1, by1, bx2, by2] = [Math.min(b[4 * j]!, b[4 * j + 2]!), Math.min(b[4 * j + 1]!, b[4 * j + 3]!), Math.max(b[4 * j]!, b[4 * j + 2]!), Math.max(b[4 * j + 1]!, b[4 * j + 3]!)];
  const areaA = (ax2 - ax1) * (ay2 - ay1);
  const areaB = (bx2 - bx1) * (by2 - by1);
  if (areaA <= 0 || areaB <= 0) return 0;
  const iw = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
  const ih = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const inter = iw * ih;
  return inter / (areaA + areaB - inter);
}

export interface BlazeOptions {
  maxDetected: number;
  minConfidence: number;
  iouThreshold: number;
  /** Box enlargement before the mesh crop. @default 1.4 */
  scale?: number;
}

/**
 * Decodes one image's blazeface output: `logits[896]` and `regs[896×16]` (box centre offset and size,
 * then six keypoints; rows 0–511 from the stride-16 head, 512–895 from stride 32). Greedy NMS as
 * tf.image.nonMaxSuppression, then the box is scaled to the photo, enlarged and squared.
 */
export function decodeBlaze(logits: Float32Array, regs: Float32Array, width: number, height: number, opts: BlazeOptions): DetectorBox[] {
  const anchors = blazeAnchors();
  const n = anchors.length / 2;
  const boxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cx = (regs[i * 16] ?? 0) + (anchors[2 * i] ?? 0);
    const cy = (regs[i * 16 + 1] ?? 0) + (anchors[2 * i + 1] ?? 0);
    const hw = (regs[i * 16 + 2] ?? 0) / 2;
    const hh = (regs[i * 16 + 3] ?? 0) / 2;
    boxes.set([cx - hw, cy - hh, cx + hw, cy + hh], i * 4);
    scores[i] = 1 / (1 + Math.exp(-(logits[i] ?? 0)));
  }
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) if ((scores[i] ?? 0) > opts.minConfidence) candidates.push(i);
  // Highest score first; ties keep the lower index first (tfjs pops from an ascending, stable list).
  candidates.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  const selected: number[] = [];
  for (const c of candidates) {
    if (selected.length >= opts.maxDetected) break;
    if (selected.every((s) => iou(boxes, c, s) < opts.iouThreshold)) selected.push(c);
  }
  const fx = width / BLAZE_SIZE;
  const fy = height / BLAZE_SIZE;
  const k = opts.scale ?? 1.4;
  return selected.map((i) => {
    const x1 = (boxes[4 * i] ?? 0) * fx;
    const y1 = (boxes[4 * i + 1] ?? 0) * fy;
    const x2 = (boxes[4 * i + 2] ?? 0) * fx;
    const y2 = (boxes[4 * i + 3] ?? 0) * fy;
    const cx = x1 + (x2 - x1) / 2;
    const cy = y1 + (y2 - y1) / 2;
    // enlargeBox then squarifyBox: half of the larger enlarged side, rounded corners.
    const half = Math.max(k * Math.abs(x2 - x1), k * Math.abs(y2 - y1)) / 2;
    return { crop: { x1: Math.round(cx - half), y1: Math.round(cy - half), x2: Math.round(cx + half), y2: Math.round(cy + half) }, score: scores[i] ?? 0 };
  });
}

/**
 * tf.image.cropAndResize (bilinear, extrapolation 0) of `box` (pixels) to MESH_SIZE², divided by 255,
 * planar (NCHW) into `out` at `offset`.
 */
export function meshInput(rgb: Uint8Array, width: number, height: number, box: Box, out: Float32Array, offset = 0): void {
  const S = MESH_SIZE;
  const plane = S * S;
  // Normalised box corners as Human computes them, then TF's sampling grid.
  const ny1 = box.y1 / height;
  const nx1 = box.x1 / width;
  const ny2 = box.y2 / height;
  const nx2 = box.x2 / width;
  const hs = ((ny2 - ny1) * (height - 1)) / (S - 1);
  const ws = ((nx2 - nx1) * (width - 1)) / (S - 1);
  for (let y = 0; y < S; y++) {
    const sy = ny1 * (height - 1) + y * hs;
    const rowOut = sy < 0 || sy > height - 1;
    const y0 = Math.floor(sy);
    const y1 = Math.ceil(sy);
    const fy = sy - y0;
    for (let x = 0; x < S; x++) {
      const sx = nx1 * (width - 1) + x * ws;
      const o = offset + y * S + x;
      if (rowOut || sx < 0 || sx > width - 1) {
        out[o] = 0;
        out[o + plane] = 0;
        out[o + 2 * plane] = 0;
        continue;
      }
      const x0 = Math.floor(sx);
      const x1 = Math.ceil(sx);
      const fx = sx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const c = (y1 * width + x0) * 3;
      const d = (y1 * width + x1) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = (rgb[a + ch] ?? 0) + ((rgb[b + ch] ?? 0) - (rgb[a + ch] ?? 0)) * fx;
        const bot = (rgb[c + ch] ?? 0) + ((rgb[d + ch] ?? 0) - (rgb[c + ch] ?? 0)) * fx;
        out[o + ch * plane] = (top + (bot - top) * fy) / 255;
      }
    }
  }
}

/** Mesh points (x, y) in photo pixels from the model's 468×3 output in crop coordinates. */
export function meshToImage(raw: Float32Array, box: Box): Float32Array {
  const n = Math.floor(raw.length / 3);
  const w = Math.abs(box.x2 - box.x1);
  const h = Math.abs(box.y2 - box.y1);
  const cx = box.x1 + (box.x2 - box.x1) / 2;
  const cy = box.y1 + (box.y2 - box.y1) / 2;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (w / MESH_SIZE) * ((raw[3 * i] ?? 0) - MESH_SIZE / 2) + cx;
    out[2 * i + 1] = (h / MESH_SIZE) * ((raw[3 * i + 1] ?? 0) - MESH_SIZE / 2) + cy;
  }
  return out;
}

/** The face box Human reports: the mesh's bounding-box centre with the crop's size, clamped to the photo. */
export function faceBoxFromMesh(mesh: Float32Array, crop: Box, width: number, height: number): { x: number; y: number; width: number; height: number } {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < mesh.length; i += 2) {
    minX = Math.min(minX, mesh[i]!);
    maxX = Math.max(maxX, mesh[i]!);
    minY = Math.min(minY, mesh[i + 1]!);
    maxY = Math.max(maxY, mesh[i + 1]!);
  }
  const cx = minX + (maxX - minX) / 2;
  const cy = minY + (maxY - minY) / 2;
  const bw = Math.abs(crop.x2 - crop.x1);
  const bh = Math.abs(crop.y2 - crop.y1);
  const x1 = Math.max(0, cx - bw / 2);
  const y1 = Math.max(0, cy - bh / 2);
  return { x: x1, y: y1, width: Math.min(width, cx + bw / 2) - x1, height: Math.min(height, cy + bh / 2) - y1 };
}

/** Five ArcFace-order landmarks (eyes, nose tip, mouth corners; image-left first) from 468 mesh points (x, y pairs). */
export function fivePoints(mesh: Float32Array): number[] {
  const avg = (idx: number[]): [number, number] => {
    let x = 0;
    let y = 0;
    for (const i of idx) {
      x += mesh[2 * i] ?? 0;
      y += mesh[2 * i + 1] ?? 0;
    }
    return [x / idx.length, y / idx.length];
  };
  // Eye centres: mean of each eye's corners and lids; nose tip; mouth corners.
  const eyeA = avg([33, 133, 159, 145]);
  const eyeB = avg([362, 263, 386, 374]);
  const nose = avg([1]);
  const mouthA = avg([61]);
  const mouthB = avg([291]);
  const [el, er] = eyeA[0] <= eyeB[0] ? [eyeA, eyeB] : [eyeB, eyeA];
  const [ml, mr] = mouthA[0] <= mouthB[0] ? [mouthA, mouthB] : [mouthB, mouthA];
  return [el[0], el[1], er[0], er[1], nose[0], nose[1], ml[0], ml[1], mr[0], mr[1]];
}
