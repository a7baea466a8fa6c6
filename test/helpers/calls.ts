// Small pieces the integration tests share: the status code a call ends with, and deterministic
// identity rows built in code.
import type { HyperfaceError } from '@hyperface/sdk';

/** 'OK', or the gRPC status code name a call (a stream or a promise) failed with. */
export async function codeOf(it: AsyncIterable<unknown> | Promise<unknown>): Promise<string> {
  try {
    if (Symbol.asyncIterator in it) for await (const _ of it) void _;
    else await it;
    return 'OK';
  } catch (error) {
    return (error as HyperfaceError).code;
  }
}

/** n × dim rows, uniform in [-0.5, 0.5) from a 32-bit LCG (not normalised): the same bytes every run. */
export function lcgIdentities(n: number, dim: number, seed: number): Float32Array {
  const next = lcgWords(seed);
  return Float32Array.from({ length: n * dim }, () => next() / 2 ** 32 - 0.5);
}

/** Each row of [rows, dim] scaled to unit length (a copy). */
export function unitRows(x: Float32Array, rows: number, dim: number): Float32Array {
  const out = Float32Array.from(x);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += out[r * dim + c]! ** 2;
    for (let c = 0; c < dim; c++) out[r * dim + c]! /= Math.sqrt(s);
  }
  return out;
}

/** The tests' one seeded generator (bench/lib/lcg.mjs is the benches'): the next uint32 per call. */
export function lcgWords(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}
