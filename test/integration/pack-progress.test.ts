// Pack progress says which figures are exact (issue 21): between full neighbour passes, fast mode's
// metrics are over candidate lists only, so its min angle can only overstate the exact one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon } from '../helpers/daemon.js';

test('pack progress carries metrics_exact: true in paper mode, true only at full passes in fast mode', async () => {
  const d = await startTestDaemon({}, { models: false });
  try {
    // the stream may coalesce progress events a slow reader has not taken yet: no counts asserted
    const flags = async (mode: 'PACK_MODE_PAPER' | 'PACK_MODE_FAST', iterations: number) => {
      const out: boolean[] = [];
      for await (const ev of d.client.pack({ identities: 1000, dim: 16, gallery: { none: true }, mode, iterations, progressEvery: 1, seed: 3 })) {
        if (ev.progress) out.push(ev.progress.metricsExact);
      }
      return out;
    };
    const paper = await flags('PACK_MODE_PAPER', 13);
    assert.ok(paper.length > 0 && paper.every((e) => e === true), JSON.stringify(paper));
    // fast mode at this N refreshes its lists with a full pass every few steps; the steps between are not exact
    const fast = await flags('PACK_MODE_FAST', 60);
    assert.ok(fast.includes(true) && fast.includes(false), JSON.stringify(fast));
  } finally {
    await d.stop();
  }
});
