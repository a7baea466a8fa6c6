#!/usr/bin/env node
// Runs the compiled tests with node's test runner. Node 20 has no glob support in `--test`,
// so the files are collected here. Usage: node scripts/run-tests.mjs [unit|integration|all] [filter]
//
// No silent skips: a skipped (or todo) test fails the run unless test/skips.json lists it with a
// reason; the list and its reasons are printed at the end of every run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// HYPERFACE_TEST_SKIPS points elsewhere only for the runner's own test.
const allowlistFile = process.env.HYPERFACE_TEST_SKIPS ?? fileURLToPath(new URL('../test/skips.json', import.meta.url));
const allowed = JSON.parse(readFileSync(allowlistFile, 'utf8')).skips;
for (const entry of allowed) {
  if (!entry.file || !entry.test || !entry.reason) {
    console.error(`test/skips.json: every entry needs file, test and reason: ${JSON.stringify(entry)}`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'hf-run-tests-'));
const skipLog = join(work, 'skips.jsonl');
const reporter = fileURLToPath(new URL('./skip-reporter.mjs', import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${reporter}`, `--test-reporter-destination=${skipLog}`, ...files],
  { stdio: 'inherit' },
);
const skipped = existsSync(skipLog)
  ? readFileSync(skipLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(work, { recursive: true, force: true });

const isAllowed = (s) => allowed.some((a) => s.kind === 'skip' && (s.file ?? '').includes(a.file) && s.name === a.test);
const unlisted = skipped.filter((s) => !isAllowed(s));

console.log('\nAllowed skips (test/skips.json):');
for (const a of allowed) console.log(`  - ${a.file} › ${a.test}\n      ${a.reason}`);
const taken = skipped.filter(isAllowed);
console.log(`  ${taken.length} of them skipped in this run${taken.length ? `: ${taken.map((s) => s.name).join('; ')}` : ''}`);
if (unlisted.length > 0) {
  console.error(`\n${unlisted.length} test(s) skipped without an entry in test/skips.json — a skip is a failure:`);
  for (const s of unlisted) console.error(`  ✖ ${s.kind}: ${s.file ?? '?'} › ${s.name}${s.reason ? ` (${s.reason})` : ''}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
