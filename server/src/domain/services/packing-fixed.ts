// The packing job's fixed rows (exclusion set, existing identities to extend): checked when the
// request arrives (field-named INVALID_ARGUMENT), persisted with the job (inline rows are written
// into the job folder), and turned into streamed sources when the job runs.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpyFloat32 } from '../../util/npy.js';
import { NotFoundError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../util/fs-atomic.js';
import type { PathPolicy } from '../files/paths.js';
import { ownPath, recordedPath, type FileGuard } from '../files/safe-files.js';
import { memorySource, npyFileSource, validateSource, type FixedSource } from '../packing/fixed-source.js';
import type { FixedGroup, FixedMetrics, FixedReportInfo } from '../packing/fixed.js';
import { checkExclusionAngle, defaultExclusionAngle } from '../packing/exclusion-angle.js';
import type { GalleryBuilder } from './packing.js';

export type FixedSpec = { kind: 'npy'; path: string } | { kind: 'image_dir'; path: string } | { kind: 'inline'; data: Float32Array; rows: number; dim: number };

/** What the job record holds (inline rows become a file of the job folder). */
export type FixedRecord = { kind: 'file'; path: string; own?: boolean } | { kind: 'image_dir'; path: string };

export interface FixedRequest {
  exclude?: FixedRecord;
  excludeMinAngleDeg?: number;
  extend?: FixedRecord;
}

/** Files at most this size are read whole at request time, so bad rows fail the call itself. */
const CHECK_NOW_BYTES = 64 << 20;

const ROLES = ['exclude', 'extend'] as const;

/**
 * Request-time checks of both specs against the packing's dimension; returns the record to persist
 * and a `prepare` step writing inline rows into the job folder.
 */
export async function checkFixed(
  input: { exclude?: FixedSpec; excludeMinAngleDeg?: number; extend?: FixedSpec },
  dim: number,
  paths: PathPolicy,
): Promise<{ request: FixedRequest; prepare: (dir: string) => Promise<FixedRequest> } | null> {
  if (!input.exclude && !input.extend) {
    if (input.excludeMinAngleDeg) checkExclusionAngle(input.excludeMinAngleDeg);
    return null;
  }
  checkExclusionAngle(input.excludeMinAngleDeg);
  const request: FixedRequest = {};
  const inline: { role: 'exclude' | 'extend'; data: Float32Array; rows: number; dim: number }[] = [];
  for (const role of ROLES) {
    const spec = input[role];
    if (!spec) continue;
    if (spec.kind === 'inline') {
      memorySource(spec.data, spec.rows, spec.dim, dim, `${role}.embeddings`); // throws on bad rows
      inline.push({ role, data: spec.data, rows: spec.rows, dim: spec.dim });
      request[role] = { kind: 'file', path: '', own: true };
    } else if (spec.kind === 'npy') {
      const field = `${role}.npy_path`;
      const path = paths.resolve(spec.path, field);
      const src = await npyFileSource(paths.files, path, dim, field);
      if ((await stat(path)).size <= CHECK_NOW_BYTES) await validateSource(src);
      request[role] = { kind: 'file', path };
    } else {
      const field = `${role}.image_dir`;
      const path = paths.resolve(spec.path, field);
      if (!existsSync(path)) throw new NotFoundError(`${field} ${spec.path}`);
      request[role] = { kind: 'image_dir', path };
    }
  }
  if (input.excludeMinAngleDeg) request.excludeMinAngleDeg = input.excludeMinAngleDeg;
  const prepare = async (dir: string): Promise<FixedRequest> => {
    const out = { ...request };
    for (const r of inline) {
      const file = join(dir, `${r.role}.npy`);
      await writeFileAtomic(file, encodeNpyFloat32(r.data, r.rows, r.dim));
      out[r.role] = { kind: 'file', path: file, own: true };
    }
    return out;
  };
  return { request, prepare };
}

export interface LoadedFixed {
  groups: FixedGroup[];
  /** How the exclusion angle was obtained. */
  angleSource: string;
}

/** Builds the job's sources (image folders are embedded once and cached in the job folder). */
export async function loadFixed(
  req: FixedRequest,
  ctx: { dir: string; signal: AbortSignal; recognizer: string; dim: number; files: FileGuard; own: FileGuard; galleries: GalleryBuilder },
): Promise<LoadedFixed> {
  const groups: FixedGroup[] = [];
  let angleSource = '';
  for (const role of ROLES) {
    const rec = req[role];
    if (!rec) continue;
    let source: FixedSource;
    if (rec.kind === 'file') {
      source = await npyFileSource(rec.own ? ctx.own : ctx.files, rec.own ? ownPath(rec.path) : recordedPath(rec.path), ctx.dim, rec.own ? `${role}.embeddings` : `${role}.npy_path`, ctx.signal);
    } else {
      const cached = join(ctx.dir, `${role}-embedded.npy`);
      if (existsSync(cached)) source = await npyFileSource(ctx.own, ownPath(cached), ctx.dim, `${role}.image_dir`, ctx.signal);
      else {
        const built = await ctx.galleries.fromImageDir(recordedPath(rec.path), ctx.recognizer, ctx.signal, ctx.files);
        source = memorySource(built.data, built.rows, built.dim, ctx.dim, `${role}.image_dir`);
        await writeFileAtomic(cached, encodeNpyFloat32(built.data, built.rows, built.dim));
      }
    }
    let minAngleDeg = 0;
    if (role === 'exclude') {
      if (req.excludeMinAngleDeg) {
        minAngleDeg = req.excludeMinAngleDeg;
        angleSource = 'given (exclude_min_angle_deg)';
      } else {
        const t = await defaultExclusionAngle(source, ctx.signal);
        minAngleDeg = t.angleDeg;
        angleSource = `default: arccos of the recognizer's FAR ${t.far} threshold (cosine ${t.cosine.toFixed(4)}), the ${t.method}`;
      }
    }
    groups.push({ role, source, minAngleDeg });
  }
  return { groups, angleSource };
}

/** The wire-independent report of each role (PackResult.exclusion / .extension, the sidecar). */
export function fixedReports(m: FixedMetrics | undefined, angleSource: string): { exclusion?: FixedReportInfo; extension?: FixedReportInfo } {
  const out: { exclusion?: FixedReportInfo; extension?: FixedReportInfo } = {};
  if (m?.exclusion) out.exclusion = { ...m.exclusion, angleSource };
  if (m?.extension) out.extension = { ...m.extension, angleSource: '' };
  return out;
}
