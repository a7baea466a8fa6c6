#!/usr/bin/env node
// Regenerates the settings table of docs/configuration.md from the config schema
// (server/src/config/schema.ts via describeSettings, the same table `hyperface serve --settings`
// prints). `--check` exits 1 when the file is out of date. Needs the server built (npm run build).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSettings } from '../server/dist/config/load.js';

const file = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
const text = readFileSync(file, 'utf8');
const lines = text.split('\n');
const start = lines.findIndex((l) => l.startsWith('| setting |'));
if (start < 0) throw new Error('docs/configuration.md has no settings table');
let end = start;
while (end < lines.length && lines[end].startsWith('|')) end++;
lines.splice(start, end - start, ...describeSettings().split('\n'));
const next = lines.join('\n');
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('docs/configuration.md is out of date: run npm run gen:config-docs');
    process.exit(1);
  }
} else writeFileSync(file, next);
