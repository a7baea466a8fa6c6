// The original LFW protocol files: `pairs.txt` (View 2: header "10 300", then per fold 300 matched
// lines "name n1 n2" and 300 mismatched lines "name1 n1 name2 n2") and the View 1 variants
// (`pairsDevTrain.txt` / `pairsDevTest.txt`, header "1100"). Headerless files are accepted too.

import { InvalidArgumentError } from '../../shared/errors.js';
import { DEFAULT_READ_LIMITS } from '../files/read-limits.js';
import { readLfwPairsFile } from '../fence/files.js';
import { clip, FileGuard, type SafePath } from '../files/safe-files.js';

export interface LfwImageRef {
  name: string;
  /** 1-based image number as in the file names. */
  number: number;
}

export interface LfwPair {
  a: LfwImageRef;
  b: LfwImageRef;
  issame: boolean;
}

export interface LfwPairs {
  pairs: LfwPair[];
  /** From the header: number of folds (1 for View 1 files, undefined when there is no header). */
  folds?: number;
  /** From the header: matched (= mismatched) pairs per fold. */
  pairsPerFold?: number;
}

/** Parses pairs.txt text. `field` names the proto field in errors; at most `maxPairs` pairs. */
export function parseLfwPairs(text: string, field = 'lfw.pairs_path', maxPairs = DEFAULT_READ_LIMITS.maxPairs): LfwPairs {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines.length > maxPairs + 1) throw new InvalidArgumentError({ field, description: `${lines.length} lines: more pairs than the limit of ${maxPairs} (limits.maxEvaluationPairs)` });
  const result: LfwPairs = { pairs: [] };
  let start = 0;
  const first = lines[0]?.split(/\s+/) ?? [];
  if (first.length > 0 && first.length <= 2 && first.every((t) => /^\d+$/.test(t))) {
    if (first.length === 2) {
      result.folds = Number(first[0]);
      result.pairsPerFold = Number(first[1]);
    } else {
      result.folds = 1;
      result.pairsPerFold = Number(first[0]);
    }
    start = 1;
  }
  const num = (t: string, line: number): number => {
    if (!/^\d{1,9}$/.test(t)) throw new InvalidArgumentError({ field, description: `line ${line}: image number "${clip(t, 40)}" is not an integer` });
    return Number(t);
  };
  for (let i = start; i < lines.length; i++) {
    const t = lines[i]!.split(/\s+/);
    if (t.length === 3) {
      result.pairs.push({ a: { name: t[0]!, number: num(t[1]!, i + 1) }, b: { name: t[0]!, number: num(t[2]!, i + 1) }, issame: true });
    } else if (t.length === 4) {
      result.pairs.push({ a: { name: t[0]!, number: num(t[1]!, i + 1) }, b: { name: t[2]!, number: num(t[3]!, i + 1) }, issame: false });
    } else {
      throw new InvalidArgumentError({ field, description: `line ${i + 1}: expected "name n1 n2" or "name1 n1 name2 n2", got ${t.length} fields` });
    }
  }
  if (result.folds !== undefined && result.pairsPerFold !== undefined) {
    // View 2 pairs.txt lists pairsPerFold matched + pairsPerFold mismatched per fold.
    const expected = result.folds * result.pairsPerFold * (result.folds === 1 ? 1 : 2);
    if (result.folds > 1 && result.pairs.length !== expected) {
      throw new InvalidArgumentError({ field, description: `header promises ${expected} pairs, file has ${result.pairs.length}` });
    }
  }
  if (result.pairs.length === 0) throw new InvalidArgumentError({ field, description: 'no pairs in the file' });
  if (result.pairs.length > maxPairs) throw new InvalidArgumentError({ field, description: `${result.pairs.length} pairs, over the limit of ${maxPairs} (limits.maxEvaluationPairs)` });
  return result;
}

export interface LfwReadOptions {
  field?: string;
  /** Confines the file (default: unconfined; file type and size rules still hold). */
  files?: FileGuard;
  maxPairs?: number;
  signal?: AbortSignal;
}

export async function readLfwPairs(path: SafePath, options: LfwReadOptions = {}): Promise<LfwPairs> {
  const field = options.field ?? 'lfw.pairs_path';
  const files = options.files ?? new FileGuard(undefined);
  return readLfwPairsFile(path, { files, field, maxPairs: options.maxPairs ?? DEFAULT_READ_LIMITS.maxPairs, ...(options.signal ? { signal: options.signal } : {}) });
}

/**
 * `<dir>/<name>/<name>_<NNNN>.jpg`. The name comes from the file: a name that would climb out of
 * `imageDir` (`..`, `/`) is refused (PERMISSION_DENIED) when a guard is given.
 */
export function lfwImagePath(imageDir: SafePath, ref: LfwImageRef, ext = 'jpg', files = new FileGuard(undefined), field = 'lfw.pairs_path'): SafePath {
  return files.join(imageDir, `${ref.name}/${ref.name}_${String(ref.number).padStart(4, '0')}.${ext}`, field);
}
