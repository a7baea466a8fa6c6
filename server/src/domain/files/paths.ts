// Every path a request names is confined to the configured data root: resolved against it,
// no `..` escape, no symlink escape (the real path of the deepest existing ancestor is checked),
// and never the daemon's own data dir, wherever that lies (it may sit inside the root).
import { realpathSync, existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError, PermissionDeniedError } from '../../shared/errors.js';
import { clip, FileGuard, type SafePath } from './safe-files.js';

export type { SafePath } from './safe-files.js';

export class PathPolicy {
  private readonly root: string;
  private readonly realRoot: string;
  /** Reads request-controlled files confined to the same root (real path, regular file, size cap). */
  readonly files: FileGuard;

  /** `stateDir`: the daemon's data dir, never reachable through a request path (see checkLayout). */
  constructor(root: string, stateDir?: string) {
    this.root = resolve(root);
    this.realRoot = existsSync(this.root) ? realpathSync(this.root) : this.root;
    this.files = new FileGuard(this.root, stateDir);
  }

  /**
   * A data root inside the data dir would make every request path the daemon's own state: refused
   * at start-up, naming both settings. (A data dir inside the root is fine: it is excluded.)
   */
  static checkLayout(root: string, stateDir: string): void {
    const real = (p: string): string => (existsSync(p) ? realpathSync(p) : resolve(p));
    const r = real(resolve(root));
    const s = real(resolve(stateDir));
    if (inside(s, r)) throw new InvalidArgumentError({ field: 'dataRoot', description: `dataRoot (${r}) lies inside dataDir (${s}), the daemon's own state; choose a dataRoot outside dataDir` });
  }

  /** Resolves `p` (relative to the root, or absolute inside it) for the request field `field`. */
  resolve(p: string, field: string): SafePath {
    if (typeof p !== 'string' || p.length === 0) throw new InvalidArgumentError({ field, description: 'must be a non-empty path' });
    if (p.includes('\0')) throw new InvalidArgumentError({ field, description: 'contains a NUL byte' });
    const abs = isAbsolute(p) ? resolve(p) : resolve(this.root, p);
    if (!inside(this.root, abs)) throw new PermissionDeniedError(`${field}: ${clip(p)} is outside the data root`);
    // Follow symlinks on the existing part of the path.
    let probe = abs;
    while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
    const real = existsSync(probe) ? realpathSync(probe) : probe;
    if (!inside(this.realRoot, real)) throw new PermissionDeniedError(`${field}: ${clip(p)} leaves the data root through a symlink`);
    this.files.checkNotState(abs, field, p);
    this.files.checkNotState(real, field, p);
    return abs as SafePath; // the one place a request string becomes a SafePath
  }
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}
