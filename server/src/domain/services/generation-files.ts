// The files of a generate job: its identities (a request's .npy confined to the data root, or a file
// of the daemon's own: a pack job's result, the job's copy of inline rows), their sidecar, and the
// fingerprint that says whether two requests write the same dataset.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import { readSidecarFile } from '../fence/files.js';
import { readNpyMatrix } from '../files/npy-files.js';
import { FileGuard, isInside, ownPath, recordedPath, sidecarOf, type SafePath } from '../files/safe-files.js';
import type { GenerateJobRequest } from './generation-job.js';

export type Matrix = { data: Float32Array; rows: number; dim: number };

/** Files the daemon wrote itself (job folders): not confined to the data root, still type- and size-checked. */
const OWN_FILES = new FileGuard(undefined);

export class GenerationFiles {
  /** `jobsRoot`: the daemon's job folders; `requestFiles`: the guard of request paths. */
  constructor(
    private readonly jobsRoot: string,
    private readonly requestFiles: FileGuard,
  ) {}

  /** A job's identities file: the daemon's own (job folders) or a request path confined when it was accepted. */
  identitiesOf(req: GenerateJobRequest): SafePath {
    return this.own(req.identitiesPath) ? ownPath(req.identitiesPath) : recordedPath(req.identitiesPath);
  }

  /** Identities from a request's .npy (confined to the data root) or from a job folder (the daemon's own). */
  async readMatrix(path: SafePath, signal?: AbortSignal): Promise<Matrix> {
    const m = await readNpyMatrix(this.guardFor(path), path, 'embeddings_path', signal);
    return { data: m.data, rows: m.rows, dim: m.cols };
  }

  /**
   * The identities' sidecar (`<file>.json`, as Pack writes it), copied next to the dataset's
   * identities.npy so that evaluation can check which recognizer's space they live in.
   */
  async copySidecar(identitiesPath: SafePath, outputDir: string, signal: AbortSignal): Promise<void> {
    const from = sidecarOf(identitiesPath);
    let text: string;
    try {
      text = (await this.guardFor(from).read(from, { maxBytes: 1 << 20, field: 'embeddings_path', signal })).toString('utf8');
      await readSidecarFile(from, { files: this.guardFor(from), field: 'embeddings_path', signal, maxBytes: 1 << 20 }); // valid JSON, checked in the fence
    } catch {
      return; // no (readable) sidecar: evaluation matches references by width and says so
    }
    await writeFileAtomic(join(outputDir, 'identities.json'), text);
  }

  private own(path: string): boolean {
    return isInside(resolve(this.jobsRoot), resolve(path));
  }

  private guardFor(path: string): FileGuard {
    return this.own(path) ? OWN_FILES : this.requestFiles;
  }
}

/** What a job writes (request + identities): an identical request attaches to the job writing its folder. */
export function fingerprintOf(req: GenerateJobRequest, m: Matrix): string {
  const { params, format, jpegQuality, imageSize, datasetFormat, outputDir } = req;
  const h = createHash('sha256');
  h.update(JSON.stringify({ params, format, jpegQuality, imageSize, datasetFormat, outputDir, shape: [m.rows, m.dim] }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return h.digest('hex');
}
