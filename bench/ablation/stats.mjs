// Statistics of the ablation: paired differences over seeds with a Student-t 95 % confidence
// interval (the same seed = the same gallery, generation seeds and training seed, so arms are
// compared pairwise and the seed-to-seed spread cancels).

/** Arithmetic mean (NaN for no values). */
export function mean(xs) {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator; NaN below two values). */
export function sampleSd(xs) {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

function logGamma(x) {
  // Lanczos approximation (g = 7, n = 9), |error| < 1e-13 for x > 0
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function betaContinuedFraction(a, b, x) {
  // Lentz's method for the continued fraction of the incomplete beta function
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x, a, b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Two-sided tail probability P(|T| ≥ |t|) of Student's t with `df` degrees of freedom. */
export function tTwoSided(t, df) {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t quantile q with P(T ≤ q) = p (p in (0.5, 1)), by bisection on the two-sided tail. */
export function tQuantile(p, df) {
  if (!(p > 0.5 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile needs 0.5 < p < 1 and df > 0, got p ${p}, df ${df}`);
  const tail = 2 * (1 - p);
  let lo = 0;
  let hi = 1;
  while (tTwoSided(hi, df) > tail) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSided(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Paired difference a − b over matched observations (same seed): mean, sample sd, a two-sided
 * `level` confidence interval from Student's t with n − 1 degrees of freedom, and the p-value of
 * "no difference". Fewer than two pairs: no interval (NaN), never a made-up one.
 */
export function pairedDifference(a, b, level = 0.95) {
  if (a.length !== b.length) throw new RangeError(`paired samples differ in length: ${a.length} vs ${b.length}`);
  const diffs = a.map((x, i) => x - b[i]);
  const n = diffs.length;
  const m = mean(diffs);
  const sd = sampleSd(diffs);
  if (n < 2) return { n, mean: m, sd: NaN, ci: [NaN, NaN], p: NaN, diffs };
  const se = sd / Math.sqrt(n);
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * se;
  const p = se === 0 ? (m === 0 ? 1 : 0) : tTwoSided(m / se, n - 1);
  return { n, mean: m, sd, ci: [m - half, m + half], p, diffs };
}
