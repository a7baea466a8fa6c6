#!/usr/bin/env node
// Runs the compiled tests with node's test runner. Node 20 has no glob support in `--test`,
// so the files are collected here. Usage: node scripts/run-tests.mjs [unit|integration|all] [filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const which = process.argv[2] ?? 'all';
const filter = process.argv[3];
const roots = {
  unit: ['sdk/dist', 'server/dist', 'tools/dist'],
  integration: ['test/dist'],
};
const dirs = which === 'all' ? [...roots.unit, ...roots.integration] : roots[which];
if (!dirs) {
  console.error(`unknown test set ${which}: use unit, integration or all`);
  process.exit(2);
}

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js') && (!filter || path.includes(filter))) out.push(path);
  }
  return out;
}

const files = dirs.flatMap((d) => collect(d, [])).sort();
if (files.length === 0) {
  console.error('no compiled tests found: run `npm run build` first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
