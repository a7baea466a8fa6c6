import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from '../../shared/errors.js';
import { builtinModels, validateModelsConfig } from './config.js';
import { ModelRepository } from './repository.js';
import type { Recognizer } from './types.js';

void test('validateModelsConfig: strict keys with field paths, defaults filled in', () => {
  assert.throws(
    () => validateModelsConfig({ entries: [{ name: 'a', kind: 'recognizer', backend: 'onnx', files: ['a.onnx'] }, { name: 'b', kind: 'recognizer', backend: 'onnx', files: ['b.onnx'] }, { name: 'c', kind: 'recognizer', backend: 'onnx', files: ['c.onnx'], input: { size: 'big' } }] }),
    (e: unknown) => e instanceof InvalidArgumentError && e.violations[0]?.field === 'models.entries[2].input.size',
  );
  assert.throws(() => validateModelsConfig({ entries: [{ name: 'a', kind: 'recognizer', backend: 'onnx', files: ['a.onnx'], colour: 'x' }] }), (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('models.entries[0].colour'));
  assert.throws(() => validateModelsConfig({ entries: [{ name: 'k', kind: 'recognizer', backend: 'kserve-v2' }] }), InvalidArgumentError);
  const cfg = validateModelsConfig({ entries: [{ name: 'arc', kind: 'recognizer', backend: 'onnx', files: ['w600k_r50.onnx'] }] });
  const arc = cfg.entries.find((e) => e.name === 'arc');
  assert.deepEqual(arc?.input, { size: 112, layout: 'NCHW', colorOrder: 'RGB', scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] });
  assert.deepEqual(arc?.providers, ['cpu']);
  assert.equal(cfg.defaults.recognizer, 'faceres');
  assert.deepEqual(builtinModels({ kind: 'recognizer' }).map((m) => m.name).sort(), ['faceapi', 'faceres']);
});

function fakeRecognizer(name: string, fail = false): Recognizer {
  return {
    info: { name, kind: 'recognizer', backend: 'fake', provider: 'cpu', inputs: [], outputs: [], dim: 2, imageSize: 8, state: 'ready' },
    embed: async (b) => {
      if (fail) throw new Error('boom');
      return new Float32Array(b.count * 2).fill(Math.SQRT1_2);
    },
    dispose: async () => undefined,
  };
}

void test('ModelRepository: states, defaults, lookups and start-up failures', async () => {
  const cfg = validateModelsConfig({ builtin: false, entries: [{ name: 'r1', kind: 'recognizer', backend: 'onnx', files: ['x.onnx'] }, { name: 'r2', kind: 'recognizer', backend: 'onnx', files: ['y.onnx'] }], defaults: { recognizer: 'r2' } });
  const states: string[] = [];
  const repo = ModelRepository.open(cfg, { factories: { onnx: async (e) => fakeRecognizer(e.name) } });
  repo.onStateChange((i) => states.push(`${i.name}:${i.state}`));
  let readyCalled = false;
  repo.onReady(() => (readyCalled = true));
  await repo.loaded;
  assert.ok(readyCalled);
  assert.deepEqual(states, ['r1:loading', 'r1:warming', 'r1:ready', 'r2:loading', 'r2:warming', 'r2:ready']);
  assert.equal(repo.recognizer().info.name, 'r2');
  assert.equal(repo.recognizer('r1').info.name, 'r1');
  assert.throws(() => repo.recognizer('zz'), NotFoundError);
  assert.throws(() => repo.info('zz'), NotFoundError);
  assert.throws(() => repo.generator(), NotFoundError);
  assert.equal(repo.list('recognizer').length, 2);
  await repo.dispose();

  await assert.rejects(ModelRepository.create(cfg, { factories: { onnx: async (e) => fakeRecognizer(e.name, true) } }), (e: unknown) => e instanceof FailedPreconditionError && e.message.includes('warm-up failed'));
  const gen = validateModelsConfig({ builtin: false, entries: [{ name: 'g', kind: 'generator', backend: 'onnx-decoder', files: ['g.onnx'] }] });
  await assert.rejects(ModelRepository.create(gen, { factories: {} }), (e: unknown) => e instanceof FailedPreconditionError && e.message.includes('onnx-decoder'));
  const missing = validateModelsConfig({ builtin: false, entries: [{ name: 'm', kind: 'recognizer', backend: 'onnx', files: ['/nonexistent/model.onnx'] }] });
  await assert.rejects(ModelRepository.create(missing), (e: unknown) => e instanceof FailedPreconditionError && e.message.includes('/nonexistent/model.onnx'));
});
