// The benches' seeded inputs: a 32-bit LCG (Numerical Recipes constants), so a bench draws the same
// identities on every run and machine and its figures reproduce. test/helpers/calls.ts has the same
// generator for the tests (lcgIdentities), which cannot import from bench/.

/** A uniform draw in [0, 1) per call, from `seed`. */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** n × dim rows, uniform in [-0.5, 0.5) (not normalised). */
export function lcgRows(n, dim, seed) {
  const next = lcg(seed);
  return Float32Array.from({ length: n * dim }, () => next() - 0.5);
}
