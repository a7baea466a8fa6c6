// Packing parameters: the ONE place their defaults live (documented with @default), and validation
// that names the proto's snake_case fields.
import { InvalidArgumentError, type FieldViolation } from '../../shared/errors.js';

/**
 * `random` / `random-gallery`: no optimisation, seeded baselines (uniform on the sphere / gallery rows).
 * `code`: no optimisation, an algebraic spherical code (spherical-code.ts), gallery-free.
 */
export type PackMode = 'fast' | 'paper' | 'stochastic' | 'random' | 'random-gallery' | 'code';
export const PACK_MODES: readonly PackMode[] = ['fast', 'paper', 'stochastic', 'random', 'random-gallery', 'code'];

/** Modes that only draw the points (no optimisation steps). */
export const isBaselineMode = (m: PackMode): boolean => m === 'random' || m === 'random-gallery' || m === 'code';

export interface PackParams {
  /** Number of identities N (2 ..= limits.maxIdentities). */
  identities: number;
  /** Embedding dimension D (2 ..= 4096). */
  dim: number;
  /** @default `defaultMode(identities)`: 'paper' up to STOCHASTIC_ABOVE identities, 'stochastic' above */
  mode: PackMode;
  /** @default 'gallery' when a gallery is given, else 'random'; 'code': mode code's points (spherical-code.ts) */
  init: 'gallery' | 'random' | 'code';
  /** Weight of the gallery regulariser; ignored without a gallery. @default 1.0 */
  alpha: number;
  /** Adam learning rate (paper/stochastic); fast mode's initial step scale. @default 0.01 */
  learningRate: number;
  /** Optimisation steps. @default `defaultIterations(mode, N, hasGallery)` (see docs/packing.md). */
  iterations: number;
  /** Mini-batch of identities per stochastic step (clamped to N); mode code: rows per rotated block. @default 1024 */
  batchSize: number;
  /** Seed for initialisation and mini-batches. @default 0 */
  seed: number;
  /** Wall-clock budget in seconds, 0 = none. @default 0 */
  maxSeconds: number;
  /** Progress callback every this many iterations. @default 10 */
  progressEvery: number;
  /** Checkpoint every this many iterations. @default 50 */
  checkpointEvery: number;
  /** @default 'cpu' */
  device: 'cpu' | 'gpu';
}

/** Fast mode restarts (and a longer default schedule) up to this many identities without gallery. */
export const SMALL_PROBLEM = 64;

/**
 * Without `mode`, the paper's full-batch Algorithm 1 runs up to this many identities and its
 * stochastic Algorithm 2 above: one full step costs N²·D (N = 20k, D = 1024: ≈ 2·10¹¹ multiply-adds,
 * seconds on a CPU), while a mini-batch step costs B·N·D and every row still moves each step
 * (Adam's momentum), so above this size more steps in the same time win.
 */
export const STOCHASTIC_ABOVE = 20_000;

export const defaultMode = (n: number): PackMode => (n > STOCHASTIC_ABOVE ? 'stochastic' : 'paper');

/**
 * Default steps. Paper: 500 up to 2,000 identities, then round(10⁶/N) to the nearest 10, at least 100
 * (one step costs N²·D; the min angle reaches its plateau within ≈ 50 steps at N = 1,000 and
 * ≈ 100 at N/G = 10, bench/RESULTS.md); stochastic: 1000 (10 epochs of 1024 at N = 100,000). Fast:
 * 500 (12000 for small pure-geometry problems: 40 restart cycles of 300 steps, well under 5 s).
 */
export function defaultIterations(mode: PackMode, n: number, hasGallery: boolean): number {
  switch (mode) {
    case 'paper':
      return n <= 2000 ? 500 : Math.max(100, Math.round(1e6 / n / 10) * 10);
    case 'stochastic':
      return 1000;
    case 'fast':
      return !hasGallery && n <= SMALL_PROBLEM ? 12000 : 500;
    default:
      return 1;
  }
}

export function withPackDefaults(partial: Partial<PackParams> & { identities: number; dim: number }, hasGallery: boolean): PackParams {
  const mode = partial.mode ?? defaultMode(partial.identities);
  const pos = (v: number | undefined, d: number) => (v === undefined || v === 0 ? d : v);
  return {
    identities: partial.identities,
    dim: partial.dim,
    mode,
    init: mode === 'random' ? 'random' : mode === 'random-gallery' ? 'gallery' : (partial.init ?? (hasGallery ? 'gallery' : 'random')),
    alpha: partial.alpha ?? 1.0,
    learningRate: pos(partial.learningRate, 0.01),
    iterations: isBaselineMode(mode) ? 1 : pos(partial.iterations, defaultIterations(mode, partial.identities, hasGallery)),
    batchSize: pos(partial.batchSize, 1024),
    seed: partial.seed ?? 0,
    maxSeconds: partial.maxSeconds ?? 0,
    progressEvery: pos(partial.progressEvery, 10),
    checkpointEvery: pos(partial.checkpointEvery, 50),
    device: partial.device ?? 'cpu',
  };
}

const isInt = (v: number) => Number.isSafeInteger(v);

/** Every parameter of a Pack checked at once (validatePackParams = packParamViolations + the dim). */
export function validatePackParams(p: PackParams, limits: { maxIdentities?: number } = {}): void {
  const bad = [...packParamViolations(p, limits), ...dimViolations(p.dim)];
  if (bad.length) throw new InvalidArgumentError(bad);
}

/** `dim` alone: a request may leave it to the gallery or recognizer, known only after they are resolved. */
export function dimViolations(dim: number): FieldViolation[] {
  return Number.isSafeInteger(dim) && dim >= 2 && dim <= 4096 ? [] : [{ field: 'dim', description: 'must be an integer in [2, 4096]' }];
}

/**
 * Every parameter but `dim`, each checked once: the app calls this on the request, before any file
 * or model is touched, with limits.maxIdentities from the config (runPacking trusts its caller).
 * Without `limits` the only bound on N is what an integer allows.
 */
export function packParamViolations(p: PackParams, limits: { maxIdentities?: number } = {}): FieldViolation[] {
  const bad: FieldViolation[] = [];
  const v = (field: string, description: string) => bad.push({ field, description });
  const maxN = limits.maxIdentities ?? Number.MAX_SAFE_INTEGER;
  const setting = limits.maxIdentities !== undefined ? ' (limits.maxIdentities)' : '';
  if (!isInt(p.identities) || p.identities < 2 || p.identities > maxN) v('identities', `must be an integer in [2, ${maxN}]${setting}`);
  if (!PACK_MODES.includes(p.mode)) v('mode', `unknown mode ${String(p.mode)}`);
  if (!['gallery', 'random', 'code'].includes(p.init)) v('init', `unknown init ${String(p.init)}`);
  if (!Number.isFinite(p.alpha) || p.alpha < 0 || p.alpha > 1000) v('alpha', 'must be a finite number in [0, 1000]');
  if (!Number.isFinite(p.learningRate) || p.learningRate <= 0 || p.learningRate > 10) v('learning_rate', 'must be in (0, 10]');
  if (!isInt(p.iterations) || p.iterations < 1 || p.iterations > 10_000_000) v('iterations', 'must be an integer in [1, 10000000]');
  if (!isInt(p.batchSize) || p.batchSize < 1 || p.batchSize > maxN) v('batch_size', `must be an integer in [1, ${maxN}]${setting}`);
  if (!isInt(p.seed) || p.seed < 0) v('seed', 'must be a non-negative integer below 2^53');
  if (!Number.isFinite(p.maxSeconds) || p.maxSeconds < 0) v('max_seconds', 'must be >= 0 (0 = no limit)');
  if (!isInt(p.progressEvery) || p.progressEvery < 1) v('progress_every', 'must be a positive integer');
  if (!isInt(p.checkpointEvery) || p.checkpointEvery < 1) v('checkpoint_every', 'must be a positive integer');
  if (p.device !== 'cpu' && p.device !== 'gpu') v('device', `unknown device ${String(p.device)}`);
  return bad;
}
