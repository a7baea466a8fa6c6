// docs/configuration.md is generated from the schema (npm run gen:config-docs): its settings table
// must be exactly what describeSettings() prints, so every limit is documented with its default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSettings } from './load.js';

test('docs/configuration.md holds the generated settings table, limits and defaults included', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');
  assert.ok(doc.includes(describeSettings()), 'docs/configuration.md is out of date: run npm run gen:config-docs');
  for (const setting of ['limits.maxConcurrentJobs', 'limits.maxJobAttempts', 'limits.memoryBudgetBytes', 'limits.maxImagePixels', 'limits.maxGallerySize', 'limits.maxPairs']) {
    assert.ok(doc.includes(`| \`${setting}\` |`), `${setting} is documented`);
  }
});
