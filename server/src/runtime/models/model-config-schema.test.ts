import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../../shared/errors.js';
import { validateModelEntry, validateModelsConfig } from './config.js';

function violations(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations.map((v) => `${v.field}: ${v.description}`);
    throw error;
  }
  assert.fail('expected INVALID_ARGUMENT');
}

void test('models schema: one spelling (`builtin`); the old `builtins` names the new one', () => {
  assert.deepEqual(violations(() => validateModelsConfig({ builtins: false })), ['models.builtins: unknown key "builtins" (renamed: write `builtin`)']);
  assert.equal(validateModelsConfig({ builtin: false }).entries.length, 0);
  assert.ok(validateModelsConfig({}).entries.some((e) => e.name === 'faceres'));
});

void test('models schema: every problem at once, each with its path, across entries and defaults', () => {
  const got = violations(() =>
    validateModelsConfig(
      {
        load: [7],
        entries: [
          { name: 'bad name', kind: 'recognizer', backend: 'onnx', files: [] },
          { name: 'k', kind: 'recognizer', backend: 'kserve-v2', kserve: { url: 'no-port', maxBatch: 0 }, tfjs: { format: 'graph-model' } },
          { name: 't', kind: 'recognizer', backend: 'tfjs', files: ['m.json'], input: { mean: [1, 2], std: 0, layout: 'CHW' }, providers: [] },
        ],
        defaults: { recognizer: '' },
      },
      { defaultsPath: 'defaults' },
    ),
  );
  assert.deepEqual(got.sort(), [
    'defaults.recognizer: must not be empty',
    'models.entries[0].files: backend onnx needs at least one model file',
    'models.entries[0].name: may only contain letters, digits, ".", "_" and "-"',
    'models.entries[1].kserve.maxBatch: must be >= 1',
    'models.entries[1].kserve.url: must be host:port, optionally prefixed grpc:// or grpcs://',
    'models.entries[1].tfjs: unknown key "tfjs" (only allowed with backend tfjs)',
    'models.entries[2].input.layout: must be one of NCHW, NHWC',
    'models.entries[2].input.mean: must be a number or an array of 3 numbers',
    'models.entries[2].input.std: must be > 0',
    'models.entries[2].providers: must be a non-empty array',
    'models.load[0]: must be a model name',
  ]);
});

void test('models schema: defaults per backend, filled once', () => {
  const onnx = validateModelEntry({ name: 'a', kind: 'recognizer', backend: 'onnx', files: ['a.onnx'], input: { mean: 0.5 } }, 'e');
  assert.deepEqual(onnx.input, { size: 112, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [0.5, 0.5, 0.5], std: [127.5, 127.5, 127.5] });
  const tfjs = validateModelEntry({ name: 't', kind: 'recognizer', backend: 'tfjs', files: ['m.json'] }, 'e');
  assert.deepEqual(tfjs.input, { size: 112, layout: 'NHWC', colorOrder: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  const k = validateModelEntry({ name: 'remote', kind: 'generator', backend: 'kserve-v2', kserve: { url: 'grpc://h:8001' } }, 'e');
  assert.deepEqual(k.kserve, { url: 'grpc://h:8001', modelName: 'remote', version: '', timeoutMs: 10_000, inputName: 'input', outputName: 'output', maxBatch: 32 });
  assert.deepEqual(k.files, []);
  assert.deepEqual(violations(() => validateModelEntry({ name: 'g', kind: 'recognizer', backend: 'onnx-diffusion' }, 'e')), ['e.kind: backend onnx-diffusion cannot serve a recognizer (use onnx, tfjs, kserve-v2)']);
  const cfg = validateModelsConfig({ builtin: false, entries: [{ name: 'r', kind: 'recognizer', backend: 'onnx', files: ['r.onnx'] }, { name: 'g', kind: 'generator', backend: 'onnx-decoder', files: ['g.onnx'] }] });
  assert.deepEqual(cfg.defaults, { recognizer: 'r', generator: 'g' });
  assert.deepEqual(violations(() => validateModelsConfig({ builtin: false, entries: [{ name: 'r', kind: 'recognizer', backend: 'onnx', files: ['r.onnx'] }], defaults: { generator: 'r' } })), ['models.defaults.generator: model "r" is a recognizer']);
});
