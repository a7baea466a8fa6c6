// The recognizer's verification threshold at a false-accept rate, estimated from impostor pairs: the
// default exclusion angle of packing and the thresholds of the leakage audit.
// An exclusion set holds one row per real person, so every pair of its rows is an impostor pair
// under the recognizer that embedded them. The threshold at FAR f is the cosine exceeded by a
// fraction f of those pairs: sorted descending, the ⌊f·P⌋-th (0-based) of P pairs; with fewer than
// 1/f pairs that is the largest impostor cosine (no impostor pair is accepted). The default angle is
// arccos of the FAR 1e-3 threshold: a packed identity at least that far from every real one would
// be rejected as that person by the recognizer at its 1e-3 operating point.
import { InvalidArgumentError } from '../../shared/errors.js';
import { angleDeg, dot } from './objective.js';
import type { FixedSource } from './fixed-source.js';

/** Rows sampled (evenly spaced) for the estimate: 1024 rows give 523,776 pairs. */
export const THRESHOLD_SAMPLE_ROWS = 1024;
export const DEFAULT_EXCLUSION_FAR = 1e-3;

export interface ImpostorThreshold {
  far: number;
  cosine: number;
  angleDeg: number;
  pairs: number;
  rows: number;
  /** How it was obtained, in words (reported with the result). */
  method: string;
}

/** Thresholds at each FAR from the pairwise cosines of unit rows [m, d] (all distinct identities). */
export function impostorThresholds(rows: Float32Array, m: number, d: number, fars: number[]): ImpostorThreshold[] {
  const pairs = (m * (m - 1)) / 2;
  const cos = new Float32Array(pairs);
  let p = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) cos[p++] = dot(rows, i * d, rows, j * d, d);
  cos.sort();
  return fars.map((far) => {
    const k = Math.floor(far * pairs);
    const c = cos[pairs - 1 - Math.min(k, pairs - 1)]!;
    const method =
      k === 0
        ? `largest impostor cosine among ${pairs} pairs of ${m} real identities (fewer than 1/FAR pairs)`
        : `cosine exceeded by ${k} of ${pairs} impostor pairs of ${m} real identities (FAR ${far})`;
    return { far, cosine: c, angleDeg: angleDeg(c), pairs, rows: m, method };
  });
}

/** Evenly spaced row indices, at most `max` of `rows`. */
export function sampleIndices(rows: number, max: number): Int32Array {
  const m = Math.min(rows, max);
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) out[i] = Math.floor((i * rows) / m);
  return out;
}

/** The default exclusion angle of a set: arccos of its FAR 1e-3 impostor threshold. */
export async function defaultExclusionAngle(src: FixedSource, signal?: AbortSignal): Promise<ImpostorThreshold> {
  if (src.rows < 2) {
    throw new InvalidArgumentError({
      field: 'exclude_min_angle_deg',
      description: 'the default angle is the FAR 1e-3 threshold among the excluded identities and needs at least 2 rows; give the angle',
    });
  }
  const idx = sampleIndices(src.rows, THRESHOLD_SAMPLE_ROWS);
  const rows = await src.rowsAt(idx, signal);
  return impostorThresholds(rows, idx.length, src.dim, [DEFAULT_EXCLUSION_FAR])[0]!;
}

/** Checks a requested angle: 0 < θ < 180 degrees (0/unset = the default). */
export function checkExclusionAngle(deg: number | undefined): void {
  if (deg === undefined || deg === 0) return;
  if (!Number.isFinite(deg) || deg < 0 || deg >= 180) {
    throw new InvalidArgumentError({ field: 'exclude_min_angle_deg', description: `must be in (0, 180) degrees (0 = the default), got ${deg}` });
  }
}
