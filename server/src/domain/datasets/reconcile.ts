// At (re)open the manifest is reconciled with the disk: a row counts only if its image is there and
// whole, each (identity, sample) counts once, and temporary files of an interrupted write go.
// Dropped samples are simply not `has()`, so the resumed run renders them again.
import { constants } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempName } from '../../util/fs-atomic.js';
import { sampleKey, type ManifestRow } from './manifest.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IEND = [0x49, 0x45, 0x4e, 0x44];

/** True when `path` is a non-empty regular file and, if it starts like a PNG/JPEG, ends like a whole one. */
export async function imageIsWhole(path: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size === 0) return false;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(12);
    await fh.read(head, 0, Math.min(8, st.size), 0);
    await fh.read(tail, 0, Math.min(12, st.size), Math.max(0, st.size - 12));
    // A file that starts like a PNG/JPEG must end like one; other content is taken as is.
    if (PNG_SIGNATURE.every((b, i) => head[i] === b)) return st.size >= 20 && IEND.every((b, i) => tail[4 + i] === b);
    if (head[0] === 0xff && head[1] === 0xd8) return st.size >= 4 && tail[Math.min(12, st.size) - 2] === 0xff && tail[Math.min(12, st.size) - 1] === 0xd9;
    return true;
  } finally {
    await fh.close();
  }
}

/** Keeps the first row per sample. */
export function dedupeRows(rows: ManifestRow[]): ManifestRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = sampleKey(r.identity, r.sample);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** ImageFolder: the rows whose file is whole, once each; removes stale temporary files. */
export async function reconcileImageFolder(root: string, rows: ManifestRow[]): Promise<ManifestRow[]> {
  const unique = dedupeRows(rows);
  const whole: boolean[] = [];
  // A bounded number of files open at once.
  for (let i = 0; i < unique.length; i += 64) whole.push(...(await Promise.all(unique.slice(i, i + 64).map((r) => imageIsWhole(join(root, r.file))))));
  await removeTempFiles(root);
  return unique.filter((_, i) => whole[i]);
}

async function removeTempFiles(root: string): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (isTempName(e.name) && e.isFile()) await rm(join(root, e.name), { force: true });
    else if (e.isDirectory() && /^\d+$/.test(e.name)) {
      for (const f of await readdir(join(root, e.name), { withFileTypes: true }).catch(() => [])) {
        if (isTempName(f.name) && f.isFile()) await rm(join(root, e.name, f.name), { force: true });
      }
    }
  }
}
