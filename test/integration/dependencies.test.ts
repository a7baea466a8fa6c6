// Declared dependencies and what the published code uses agree: no package is declared without
// being used (a dependency is something every user installs), and no package is loaded without
// being declared (a hidden optional import is an untested code path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every string literal in the workspace's published sources (tests excluded). */
function literals(workspace: string): Set<string> {
  const out = new Set<string>();
  for (const file of sources(join(REPO, workspace, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/'([^'\n]*)'|"([^"\n]*)"|`([^`$\n]*)`/g)) out.add(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function manifest(workspace: string): Manifest {
  return JSON.parse(readFileSync(join(REPO, workspace, 'package.json'), 'utf8')) as Manifest;
}

function dependencies(workspace: string): string[] {
  return Object.keys(manifest(workspace).dependencies ?? {});
}

/** Optional peers: declared, installed only by users who want them (e.g. an extra model package). */
function optionalPeers(workspace: string): string[] {
  return Object.entries(manifest(workspace).peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional)
    .map(([name]) => name);
}

const packageOf = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

for (const workspace of ['server', 'sdk']) {
  test(`${workspace}: every declared dependency is used by its sources`, () => {
    const used = [...literals(workspace)].map((s) => packageOf(s.replace(/^builtin:/, '')));
    const unused = dependencies(workspace).filter((dep) => !used.includes(dep));
    assert.deepEqual(unused, [], `declared in ${workspace}/package.json but never used: ${unused.join(', ')}`);
  });

  test(`${workspace}: no scoped package is named in its sources without being declared`, () => {
    const declared = new Set([...dependencies(workspace), ...optionalPeers(workspace), `@hyperface/${workspace}`]);
    const named = [...literals(workspace)].filter((s) => /^@[a-z0-9-]+\/[a-z0-9._-]+(\/|$)/.test(s)).map(packageOf);
    const hidden = [...new Set(named)].filter((p) => !declared.has(p));
    assert.deepEqual(hidden, [], `named in ${workspace}/src but not a dependency: ${hidden.join(', ')}`);
  });
}
