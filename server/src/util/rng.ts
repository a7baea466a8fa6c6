// The project's one seeded PRNG: xoshiro128** seeded through splitmix32. Never Math.random: the same
// seed (or the same (seed, stream name) pair) yields the same sequence on every worker and after every
// restart. The whole state is four uint32 words, so packing checkpoints save it and a resumed run draws
// exactly the numbers it would have drawn.
import { mix32 } from './hash.js';

export { mix32 };

/** Stable uint32 hash of a list of uint32 words (order matters). */
export function hashWords(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) h = mix32((h ^ mix32(w >>> 0)) + 0x7f4a7c15);
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

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Rng {
  private readonly s: Uint32Array;

  /** A seed up to 2^53 (number), any uint64 (bigint: the low 64 bits), or a saved 4-word state. */
  constructor(seed: number | bigint | Uint32Array = 0) {
    if (seed instanceof Uint32Array) {
      if (seed.length !== 4) throw new RangeError('Rng state must be 4 uint32 words');
      this.s = Uint32Array.from(seed);
      return;
    }
    let lo: number;
    let hi: number;
    if (typeof seed === 'bigint') {
      lo = Number(seed & 0xffffffffn);
      hi = Number((seed >> 32n) & 0xffffffffn);
    } else {
      lo = seed >>> 0;
      hi = Math.floor(seed / 2 ** 32) >>> 0;
    }
    let z = (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
    this.s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      t ^= t >>> 15;
      this.s[i] = (t ^ hi) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** An independent stream named `stream` of a uint32 seed (e.g. 'pose' of a sample's seed). */
  static derive(seed: number, stream: string): Rng {
    return new Rng(hashWords(seed >>> 0, hashString(stream)));
  }

  /** Copy of the state (4 × uint32). */
  state(): Uint32Array {
    return Uint32Array.from(this.s);
  }

  /** Uniform uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform in [a, b) (no arguments: [0, 1), the same draw as next()). */
  uniform(a = 0, b = 1): number {
    const u = this.next();
    return a === 0 && b === 1 ? u : a + (b - a) * u;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('choice from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Standard normal (Box–Muller, no cached spare so the state stays 4 words). */
  normal(): number {
    let u = this.next();
    while (u <= 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** `count` distinct integers from [0, n) (Floyd's algorithm), in draw order. */
  sample(n: number, count: number): Int32Array {
    if (count > n) throw new RangeError(`cannot sample ${count} of ${n}`);
    const chosen = new Set<number>();
    const out = new Int32Array(count);
    let w = 0;
    for (let j = n - count; j < n; j++) {
      const t = this.int(j + 1);
      const pick = chosen.has(t) ? j : t;
      chosen.add(pick);
      out[w++] = pick;
    }
    return out;
  }
}
