import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelInfo } from '../../runtime/models/types.js';
import { pickJudge } from './judge.js';

const model = (name: string, state: ModelInfo['state'] = 'ready'): ModelInfo => ({ name, kind: 'recognizer', backend: 'onnx', provider: 'cpu', inputs: [], outputs: [], dim: 8, imageSize: 112, state });

void test('pickJudge: the first ready recognizer other than the evaluated one (the default when unnamed)', () => {
  const list = [model('faceres'), model('broken', 'failed'), model('faceapi'), model('arc')];
  assert.equal(pickJudge(list, undefined, 'faceres'), 'faceapi');
  assert.equal(pickJudge(list, '', 'faceres'), 'faceapi');
  assert.equal(pickJudge(list, 'faceapi', 'faceres'), 'faceres');
  assert.equal(pickJudge([model('faceres')], undefined, 'faceres'), undefined);
});
