// Checks of a folder a dataset is about to be written into, without changing anything. Run when a
// request arrives (so a bad output folder fails it before any work) and again by the writer.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedPreconditionError, PermissionDeniedError } from '../../shared/errors.js';
import { clip, type FileGuard } from '../files/safe-files.js';
import { isTempName } from '../../util/fs-atomic.js';
import { LEASE_FILE } from './lease.js';
import { MANIFEST_FILE } from './manifest.js';

export const RECORDIO_FILES = { rec: 'train.rec', idx: 'train.idx', property: 'property' } as const;
/** Every fixed name a writer (or the generation job) creates in a dataset folder. */
export const DATASET_FILES = [MANIFEST_FILE, LEASE_FILE, RECORDIO_FILES.rec, RECORDIO_FILES.idx, RECORDIO_FILES.property, 'identities.npy', 'identities.json'] as const;

const sizeOf = async (path: string): Promise<number | undefined> => (await lstat(path).catch(() => undefined))?.size;

/**
 * `root` may receive a dataset: no link on the way to it or in place of anything written in it
 * (PERMISSION_DENIED), and no data that is not ours to overwrite (FAILED_PRECONDITION): a
 * train.rec/train.idx or identity folders of images without the manifest that says we wrote them.
 */
export async function checkDatasetTarget(root: string, guard: FileGuard, field: string): Promise<void> {
  await guard.writableTarget(root, field, 'folder');
  for (const name of DATASET_FILES) await guard.writable(join(root, name), field);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const identityDirs = entries.filter((e) => /^\d+$/.test(e.name));
  const link = identityDirs.find((e) => e.isSymbolicLink());
  if (link) throw new PermissionDeniedError(`${field}: ${clip(join(root, link.name))} is a symlink; refusing to write through it`);
  if ((await sizeOf(join(root, MANIFEST_FILE))) !== undefined) return;
  // No manifest: whatever is here was not written by us, so it must not be truncated or replaced.
  for (const name of [RECORDIO_FILES.rec, RECORDIO_FILES.idx]) {
    const size = await sizeOf(join(root, name));
    if (size) throw new FailedPreconditionError(`${clip(root)} holds an existing dataset (${name}, ${size} bytes) without ${MANIFEST_FILE}; it is not overwritten: choose an empty or new folder`);
  }
  for (const dir of identityDirs.filter((e) => e.isDirectory())) {
    const files = (await readdir(join(root, dir.name)).catch(() => [])).filter((f) => !isTempName(f));
    if (files.length > 0) {
      throw new FailedPreconditionError(`${clip(root)} holds existing images (${dir.name}/${clip(files[0]!, 40)}) without ${MANIFEST_FILE}; they are not overwritten: choose an empty or new folder`);
    }
  }
}
