// Generate's privacy guard (docs/privacy.md): the real identities a rendered face must stay away
// from, checked when the request arrives and loaded (unit rows + the angle) when the job runs.
import { stat } from 'node:fs/promises';
import type { FileGuard, SafePath } from '../files/safe-files.js';
import { memorySource, npyFileSource, validateSource } from '../packing/fixed-source.js';
import { checkExclusionAngle, defaultExclusionAngle } from '../packing/exclusion-angle.js';
import { readNpyMatrix } from '../files/npy-files.js';
import type { GenerateParams } from '../generation/params.js';

const FIELD = 'exclude_path';

/** Request-time checks: the angle, the file's header and (files up to 64 MiB) every row. */
export async function checkGuard(path: SafePath, angle: number | undefined, files: FileGuard): Promise<void> {
  checkExclusionAngle(angle);
  const src = await npyFileSource(files, path, 0, FIELD);
  if ((await stat(path)).size <= 64 << 20) await validateSource(src);
}

/** The job's guard: unit rows and the angle (given, or the FAR 1e-3 default) with how it was obtained. */
export async function loadGuard(path: SafePath, angle: number | undefined, files: FileGuard, signal: AbortSignal): Promise<{ exclude: NonNullable<GenerateParams['exclude']>; angleSource: string }> {
  const m = await readNpyMatrix(files, path, FIELD, signal);
  const src = memorySource(m.data, m.rows, m.cols, 0, FIELD);
  const rows = await src.rowsAt(Int32Array.from({ length: m.rows }, (_, i) => i));
  let minAngleDeg = angle ?? 0;
  let angleSource = 'given (exclude_min_angle_deg)';
  if (!minAngleDeg) {
    const t = await defaultExclusionAngle(src, signal);
    minAngleDeg = t.angleDeg;
    angleSource = `default: arccos of the recognizer's FAR ${t.far} threshold (cosine ${t.cosine.toFixed(4)}), the ${t.method}`;
  }
  return { exclude: { rows, count: m.rows, dim: m.cols, minAngleDeg }, angleSource };
}
