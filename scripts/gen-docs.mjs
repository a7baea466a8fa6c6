#!/usr/bin/env node
// Writes the generated sections of the docs (settings table, model-declaration reference) from the
// compiled schemas; `--check` fails instead when a file is out of date. Build first (npm run build).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { GENERATED_SECTIONS, applySection } = await import(join(root, 'server/dist/config/docs.js'));
const check = process.argv.includes('--check');
let stale = 0;
for (const section of GENERATED_SECTIONS) {
  const file = join(root, section.file);
  const before = readFileSync(file, 'utf8');
  const after = applySection(before, section);
  if (before === after) continue;
  if (check) {
    console.error(`${section.file}: section "${section.name}" is out of date: run node scripts/gen-docs.mjs`);
    stale++;
  } else {
    writeFileSync(file, after);
    console.log(`wrote ${section.file} (${section.name})`);
  }
}
process.exit(stale > 0 ? 1 : 0);
