import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeneratorBatchers } from './batcher.js';
import type { Generator, RawImageData, RenderItem } from '../../runtime/models/types.js';

/** A generator whose image is a function of the item's seed alone, recording each call. */
function fakeGenerator(delayMs = 5): Generator & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    calls,
    info: { name: 'fake', kind: 'generator', backend: 'test', provider: 'cpu', inputs: [], outputs: [], dim: 2, imageSize: 1, state: 'ready' },
    async render(items: RenderItem[]): Promise<RawImageData[]> {
      calls.push(items.map((i) => i.seed));
      await new Promise((r) => setTimeout(r, delayMs));
      return items.map((i) => ({ width: 1, height: 1, channels: 3, data: new Uint8Array([i.seed & 255, (i.seed >> 8) & 255, 7]) }));
    },
    dispose: () => Promise.resolve(),
  };
}

const item = (seed: number): RenderItem => ({ embedding: new Float32Array([1, 0]), seed, variation: { beta: 0, pose: 0, color: 0, background: 0, accessories: 0 } });

test('concurrent requests share generator calls up to the preferred batch size, and each gets its own images', async () => {
  const gen = fakeGenerator();
  const batchers = new GeneratorBatchers(() => ({ preferredBatchSize: 8, maxQueueDelayMs: 5 }));
  const requests = Array.from({ length: 6 }, (_, r) => [0, 1, 2, 3].map((k) => item(r * 10 + k)));
  const results = await Promise.all(requests.map((items) => batchers.wrap(gen, 'interactive').render(items)));
  results.forEach((images, r) => assert.deepEqual(images.map((im) => im.data[0]), requests[r]!.map((i) => i.seed)));
  assert.ok(gen.calls.length <= 4, `${gen.calls.length} calls for 24 faces`);
  assert.ok(gen.calls.every((c) => c.length <= 8));
  assert.deepEqual(batchers.stats(gen).faces, 24);
});

test('interactive faces go before queued bulk faces, and bulk goes in small slices while interactive traffic is recent', async () => {
  const gen = fakeGenerator(20);
  const batchers = new GeneratorBatchers(() => ({ preferredBatchSize: 8, maxQueueDelayMs: 0 }));
  const bulk = batchers.wrap(gen, 'bulk');
  const interactive = batchers.wrap(gen, 'interactive');
  // First call: bulk alone (no interactive traffic yet): a full batch.
  const b1 = bulk.render(Array.from({ length: 16 }, (_, k) => item(1000 + k)));
  await new Promise((r) => setTimeout(r, 5));
  const i1 = interactive.render([item(1), item(2)]);
  const [bulkImages, interactiveImages] = await Promise.all([b1, i1]);
  assert.equal(bulkImages.length, 16);
  assert.deepEqual(interactiveImages.map((im) => im.data[0]), [1, 2]);
  assert.deepEqual(gen.calls[0], Array.from({ length: 8 }, (_, k) => 1000 + k), 'bulk alone: full batch');
  // The next call puts the interactive faces first and bulk fills at most a quarter of the batch.
  assert.deepEqual(gen.calls[1], [1, 2, 1008, 1009]);
  assert.ok(gen.calls.slice(2).every((c) => c.length <= 2), JSON.stringify(gen.calls));
});

test('batching never changes an image: the same items alone or mixed into other requests render the same bytes', async () => {
  const gen = fakeGenerator(1);
  const batchers = new GeneratorBatchers(() => ({ preferredBatchSize: 16, maxQueueDelayMs: 3 }));
  const mine = [item(5), item(6), item(7)];
  const alone = await batchers.wrap(gen, 'interactive').render(mine);
  const [mixed] = await Promise.all([batchers.wrap(gen, 'interactive').render(mine), batchers.wrap(gen, 'interactive').render([item(8), item(9)]), batchers.wrap(gen, 'bulk').render([item(10)])]);
  assert.deepEqual(mixed.map((im) => Array.from(im.data)), alone.map((im) => Array.from(im.data)));
});

test('an aborted request is dropped from the queue without failing the others', async () => {
  const gen = fakeGenerator(20);
  const batchers = new GeneratorBatchers(() => ({ preferredBatchSize: 4, maxQueueDelayMs: 0 }));
  const g = batchers.wrap(gen, 'interactive');
  const first = g.render([item(1), item(2), item(3), item(4)]);
  const ac = new AbortController();
  const second = g.render([item(5)], { signal: ac.signal });
  const third = g.render([item(6)]);
  ac.abort(new Error('gone'));
  await assert.rejects(second, { code: 'CANCELLED' });
  assert.equal((await first).length, 4);
  assert.deepEqual((await third).map((im) => im.data[0]), [6]);
  assert.ok(!gen.calls.flat().includes(5), 'the aborted face was never rendered');
});
