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
  const x = new Float32Array(n * dim);
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32 - 0.5;
  }
  return x;
}
