import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { applySection, GENERATED_SECTIONS } from './docs.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

void test('the generated docs sections match their schemas (node scripts/gen-docs.mjs rewrites them)', () => {
  for (const section of GENERATED_SECTIONS) {
    const text = readFileSync(ROOT + section.file, 'utf8');
    assert.equal(applySection(text, section), text, `${section.file} (${section.name}) is out of date: run npm run build && node scripts/gen-docs.mjs`);
  }
});

void test('the models reference lists every key of every backend with its own defaults', () => {
  const models = GENERATED_SECTIONS.find((s) => s.name === 'models')!.render();
  assert.match(models, /\| `input\.layout` \|[^\n]*`"NCHW"` \(onnx, kserve-v2, builtin, onnx-decoder, onnx-diffusion\); `"NHWC"` \(tfjs\)/);
  assert.match(models, /\| `kserve\.timeoutMs` \| int ≥ 1 \| kserve-v2 \| `10000` \|/);
  assert.match(models, /\| `files` \|[^\n]*required \(onnx, tfjs\)/);
  assert.match(models, /\| `builtin` \| boolean \| `true` \|/);
});

void test('docs/configuration.md documents every limit with its default', () => {
  const doc = readFileSync(ROOT + 'docs/configuration.md', 'utf8');
  for (const setting of ['limits.maxConcurrentJobs', 'limits.maxJobAttempts', 'limits.memoryBudgetBytes', 'limits.maxImagePixels', 'limits.maxGallerySize', 'limits.maxEvaluationPairs', 'limits.maxDatasetSamples']) {
    assert.match(doc, new RegExp('\\| `' + setting.replace('.', '\\.') + '` \\|'), `${setting} is documented`);
  }
});
