#!/usr/bin/env node
// Generates the TypeScript types for proto/hyperface/v1/*.proto into sdk/src/gen with
// @grpc/proto-loader's generator. `--check` regenerates into a temporary folder and fails when
// the checked-in types differ (CI runs it through `npm run typecheck`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const check = process.argv.includes('--check');
const protoDir = 'proto';
const files = readdirSync(join(protoDir, 'hyperface/v1')).filter((f) => f.endsWith('.proto')).map((f) => `hyperface/v1/${f}`).sort();
const outDir = check ? mkdtempSync(join(tmpdir(), 'hf-gen-')) : 'sdk/src/gen';
const generator = require.resolve('@grpc/proto-loader/build/bin/proto-loader-gen-types.js', { paths: ['sdk'] });

if (!check) rmSync(outDir, { recursive: true, force: true });
const r = spawnSync(process.execPath, [generator, ...files, '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--includeComments', '--importFileExtension=.js', '--grpcLib=@grpc/grpc-js', `--outDir=${outDir}`, `--includeDirs=${protoDir}`], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

if (check) {
  const list = (dir) => (existsSync(dir) ? walk(dir).map((p) => relative(dir, p)).sort() : []);
  const a = list('sdk/src/gen');
  const b = list(outDir);
  const differ = a.length !== b.length || a.some((p, i) => p !== b[i] || readFileSync(join('sdk/src/gen', p), 'utf8') !== readFileSync(join(outDir, p), 'utf8'));
  rmSync(outDir, { recursive: true, force: true });
  if (differ) {
    console.error('sdk/src/gen is out of date with proto/: run `npm run gen:types` and commit the result');
    process.exit(1);
  }
  console.log('generated types are current');
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
