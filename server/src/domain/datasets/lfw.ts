// The original LFW protocol files: `pairs.txt` (View 2: header "10 300", then per fold 300 matched
// lines "name n1 n2" and 300 mismatched lines "name1 n1 name2 n2") and the View 1 variants
// (`pairsDevTrain.txt` / `pairsDevTest.txt`, header "1100"). Headerless files are accepted too.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';

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

/** Parses pairs.txt text. `field` names the proto field in errors. */
export function parseLfwPairs(text: string, field = 'lfw.pairs_path'): LfwPairs {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
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
    if (!/^\d+$/.test(t)) throw new InvalidArgumentError({ field, description: `line ${line}: image number "${t}" is not an integer` });
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
  return result;
}

export async function readLfwPairs(path: string, field = 'lfw.pairs_path'): Promise<LfwPairs> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`${field} ${path}`, { cause: error });
    throw error;
  }
  return parseLfwPairs(text, field);
}

/** `<dir>/<name>/<name>_<NNNN>.jpg`. */
export function lfwImagePath(imageDir: string, ref: LfwImageRef, ext = 'jpg'): string {
  return join(imageDir, ref.name, `${ref.name}_${String(ref.number).padStart(4, '0')}.${ext}`);
}
