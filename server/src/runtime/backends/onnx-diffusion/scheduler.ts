// DPM-Solver++ multistep scheduler (Lu et al. 2022, arXiv:2211.01095), 2nd order, "midpoint"
// solver type, epsilon prediction, as diffusers' DPMSolverMultistepScheduler runs it for SD-1.5 by
// default: scaled_linear betas 0.00085..0.012 over 1000 train steps, "linspace" timestep spacing
// (or "leading" with steps_offset, or "trailing"), final sigma 0 (the last step is first order).
// Arithmetic in float64; the caller's latents are float32.

export interface DpmSolverConfig {
  /** @default 1000 */
  numTrainTimesteps: number;
  /** @default 0.00085 */
  betaStart: number;
  /** @default 0.012 */
  betaEnd: number;
  /** @default 'scaled_linear' */
  betaSchedule: 'scaled_linear' | 'linear';
  /** 1 or 2. @default 2 */
  solverOrder: 1 | 2;
  /** @default 'linspace' */
  timestepSpacing: 'linspace' | 'leading' | 'trailing';
  /** Added to "leading" timesteps (SD-1.5 config: 1). @default 1 */
  stepsOffset: number;
  /** Use 1st order on the final steps when there are fewer than 15 steps. @default true */
  lowerOrderFinal: boolean;
}

export const DEFAULT_DPM_SOLVER: Readonly<DpmSolverConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  solverOrder: 2,
  timestepSpacing: 'linspace',
  stepsOffset: 1,
  lowerOrderFinal: true,
});

/** alphas_cumprod (ᾱ_t) of the training noise schedule. */
export function alphasCumprod(cfg: DpmSolverConfig): Float64Array {
  const n = cfg.numTrainTimesteps;
  const out = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const f = n === 1 ? 0 : i / (n - 1);
    // diffusers computes betas in float32 (torch.linspace(..., dtype=float32)); mirror that rounding.
    const beta =
      cfg.betaSchedule === 'scaled_linear'
        ? Math.fround(Math.fround(Math.sqrt(cfg.betaStart) + f * (Math.sqrt(cfg.betaEnd) - Math.sqrt(cfg.betaStart))) ** 2)
        : Math.fround(cfg.betaStart + f * (cfg.betaEnd - cfg.betaStart));
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}

/**
 * Inference timesteps (descending) for `steps` steps, as diffusers 0.29.2's
 * DPMSolverMultistepScheduler.set_timesteps computes them with NumPy (lambda_min_clipped = -inf).
 * NumPy's float rounding is reproduced on purpose: np.linspace's `i * (stop / div)` can land just
 * below .5, and for 62 step counts np.arange's length rounds up so "trailing" gets one extra
 * timestep, -1, that diffusers then runs as well (its sigma clamps to σ(0)).
 */
export function inferenceTimesteps(cfg: DpmSolverConfig, steps: number): number[] {
  const T = cfg.numTrainTimesteps;
  if (cfg.timestepSpacing === 'linspace') {
    // np.linspace(0, T - 1, steps + 1).round()[::-1][:-1]
    return linspace(0, T - 1, steps + 1).map(roundHalfEven).reverse().slice(0, -1);
  }
  if (cfg.timestepSpacing === 'leading') {
    // (np.arange(0, steps + 1) * (T // (steps + 1))).round()[::-1][:-1] + steps_offset
    const ratio = Math.floor(T / (steps + 1));
    const out: number[] = [];
    for (let i = steps; i >= 1; i--) out.push(i * ratio + cfg.stepsOffset);
    return out;
  }
  if (cfg.timestepSpacing === 'trailing') {
    // np.arange(T, 0, -(T / steps)).round() - 1
    return arange(T, 0, -(T / steps)).map((t) => roundHalfEven(t) - 1);
  }
  throw new RangeError(`timestepSpacing ${String(cfg.timestepSpacing)}: expected linspace, leading or trailing`);
}

/** np.linspace(start, stop, num) for float64: start + i * ((stop - start) / (num - 1)), the last one exactly stop. */
function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = div > 0 ? delta / div : NaN;
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(step === 0 ? (i / div) * delta + start : i * step + start);
  if (div > 0) out[num - 1] = stop;
  return out;
}

/**
 * np.arange(start, stop, step) for float64: length ceil((stop - start) / step); values
 * start + i * delta with delta = (start + step) - start (NumPy's fill), not repeated addition.
 */
function arange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  const out: number[] = [];
  for (let i = 0; i < length; i++) out.push(i === 0 ? start : i === 1 ? start + step : start + i * delta);
  return out;
}

/** numpy's round (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface ScheduleStep {
  timestep: number;
  /** σ = sqrt((1 - ᾱ) / ᾱ) at this step; the list has one extra final entry (0). */
  sigma: number;
  alpha: number;
  sigmaT: number;
  lambda: number;
}

/** The schedule a sampling run walks: per step (and one final entry) σ, α_t, σ_t, λ. */
export function buildSchedule(cfg: DpmSolverConfig, steps: number): { timesteps: number[]; points: ScheduleStep[] } {
  const ac = alphasCumprod(cfg);
  const timesteps = inferenceTimesteps(cfg, steps);
  // np.interp(timesteps, arange(T), σ): exact at integer timesteps, clamped outside [0, T - 1].
  // diffusers stores sigmas as float32.
  const sigmaAt = (t: number): number => {
    const a = ac[Math.min(ac.length - 1, Math.max(0, t))] as number;
    return Math.fround(Math.sqrt((1 - a) / a));
  };
  const sigmas = timesteps.map(sigmaAt);
  sigmas.push(0);
  const points = sigmas.map((sigma, i) => {
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    const sigmaT = sigma * alpha;
    return { timestep: timesteps[i] ?? -1, sigma, alpha, sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
  });
  return { timesteps, points };
}

/** x0 prediction from an epsilon prediction (DPM-Solver++ "data prediction"). */
export function epsilonToX0(sample: Float32Array, eps: Float32Array, p: ScheduleStep): Float32Array {
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) out[i] = ((sample[i] ?? 0) - p.sigmaT * (eps[i] ?? 0)) / p.alpha;
  return out;
}

/** x_t = (σ_t/σ_s) x_s − α_t (e^{−h} − 1) D0  (first order, = DDIM). */
export function firstOrderUpdate(sample: Float32Array, x0: Float32Array, s: ScheduleStep, t: ScheduleStep): Float32Array {
  const h = t.lambda - s.lambda;
  const a = t.sigmaT / s.sigmaT;
  const b = t.alpha * (Math.exp(-h) - 1);
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) out[i] = a * (sample[i] ?? 0) - b * (x0[i] ?? 0);
  return out;
}

/**
 * Second-order multistep (midpoint): with m0 = x0 at s0, m1 = x0 at s1, r0 = h0 / h,
 * D1 = (m0 − m1) / r0, x_t = (σ_t/σ_s0) x − α_t (e^{−h} − 1) D0 − ½ α_t (e^{−h} − 1) D1.
 */
export function secondOrderUpdate(
  sample: Float32Array,
  m0: Float32Array,
  m1: Float32Array,
  s1: ScheduleStep,
  s0: ScheduleStep,
  t: ScheduleStep,
): Float32Array {
  const h = t.lambda - s0.lambda;
  const h0 = s0.lambda - s1.lambda;
  const r0 = h0 / h;
  const a = t.sigmaT / s0.sigmaT;
  const b = t.alpha * (Math.exp(-h) - 1);
  const out = new Float32Array(sample.length);
  for (let i = 0; i < out.length; i++) {
    const d0 = m0[i] ?? 0;
    const d1 = (d0 - (m1[i] ?? 0)) / r0;
    out[i] = a * (sample[i] ?? 0) - b * d0 - 0.5 * b * d1;
  }
  return out;
}

/** Stateful sampler: call `step(eps, sample)` once per timestep, in order. */
export class DpmSolverMultistep {
  readonly timesteps: number[];
  readonly points: ScheduleStep[];
  private index = 0;
  private previousX0: Float32Array | undefined;
  private readonly cfg: DpmSolverConfig;

  constructor(steps: number, cfg: Partial<DpmSolverConfig> = {}) {
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError('steps must be a positive integer');
    this.cfg = { ...DEFAULT_DPM_SOLVER, ...cfg };
    const s = buildSchedule(this.cfg, steps);
    this.timesteps = s.timesteps;
    this.points = s.points;
  }

  /** The initial noise scale (1 for DPM-Solver). */
  get initNoiseSigma(): number {
    return 1;
  }

  step(eps: Float32Array, sample: Float32Array): Float32Array {
    const i = this.index;
    const n = this.timesteps.length;
    if (i >= n) throw new Error('scheduler: no steps left');
    const s0 = this.points[i] as ScheduleStep;
    const t = this.points[i + 1] as ScheduleStep;
    const x0 = epsilonToX0(sample, eps, s0);
    // final sigma is 0 → the last step is first order; also for < 15 steps with lowerOrderFinal
    const lowerFinal = i === n - 1;
    const lowerSecond = i === n - 2 && this.cfg.lowerOrderFinal && n < 15;
    let out: Float32Array;
    // A repeated timestep (NumPy's rounding makes some at high step counts) gives h0 = 0, where
    // diffusers' midpoint update divides by zero and returns inf/NaN; the first-order update is
    // what the second-order one reduces to there, so take it. Every other step is diffusers' own.
    const prev = this.points[i - 1];
    const repeated = prev !== undefined && !(prev.lambda !== s0.lambda && Number.isFinite(s0.lambda - prev.lambda));
    if (this.cfg.solverOrder === 1 || !this.previousX0 || lowerFinal || repeated) {
      out = firstOrderUpdate(sample, x0, s0, t);
    } else {
      // order 2 (lowerSecond only matters for 3rd order; kept for parity with diffusers' flags)
      void lowerSecond;
      out = secondOrderUpdate(sample, x0, this.previousX0, this.points[i - 1] as ScheduleStep, s0, t);
    }
    this.previousX0 = x0;
    this.index++;
    return out;
  }
}
