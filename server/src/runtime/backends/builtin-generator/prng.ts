// Seeded, platform-independent randomness for the builtin generator. Never Math.random: the same
// (seed, stream) pair yields the same sequence on every worker and after every restart.

import { mix32 } from '../../../util/hash.js';

export { mix32 };

/** Stable uint32 hash of a list of uint32 words (order matters). */
export function hashWords(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = mix32((h ^ mix32(w >>> 0)) + 0x7f4a7c15);
  }
  return h >>> 0;
}

/** Stable uint32 hash of a string (FNV-1a, then mixed). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A small seeded PRNG (mulberry32) with uniform, integer, choice and Gaussian draws. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A derived generator: independent stream named `stream` of this seed. */
  static derive(seed: number, stream: string): Rng {
    return new Rng(hashWords(seed >>> 0, hashString(stream)));
  }

  /** Uniform uint32. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  uniform(a: number, b: number): number {
    return a + (b - a) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Standard normal (Box–Muller; both values of each pair are used). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    if (u < 1e-12) u = 1e-12;
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** x' = normalize(x + beta * n), n ~ N(0, I) drawn from `rng`. Always draws x.length normals. */
export function perturbEmbedding(x: Float32Array, beta: number, rng: Rng): Float32Array {
  const out = new Float32Array(x.length);
  let norm = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] ?? 0) + beta * rng.normal();
    out[i] = v;
    norm += v * v;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

/** Returns a unit-norm copy (zero vectors stay zero). */
export function l2normalize(x: Float32Array): Float32Array {
  let s = 0;
  for (const v of x) s += v * v;
  const n = Math.sqrt(s);
  const out = new Float32Array(x.length);
  if (n > 0) for (let i = 0; i < x.length; i++) out[i] = (x[i] ?? 0) / n;
  return out;
}
