import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createComputeEngine, type ComputeEngine } from '../../runtime/compute/engine.js';
import { runPacking, withPackDefaults } from './index.js';

/** A real engine whose full passes take `delay` seconds longer (a large N on a small machine). */
function slowed(engine: ComputeEngine, delay: number, calls: Record<string, number>): ComputeEngine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const f = v as (...a: unknown[]) => unknown;
      if (prop === 'nearestNeighbours' || prop === 'refineNeighbours') {
        return async (...args: unknown[]) => {
          calls[prop] = (calls[prop] ?? 0) + 1;
          if (prop === 'nearestNeighbours') await sleep(delay * 1000);
          return f.apply(target, args);
        };
      }
      if (prop === 'passSeconds') {
        // the sleep is part of the pass
        return (...args: unknown[]) => {
          const s = f.apply(target, args) as number | undefined;
          return s === undefined ? undefined : s + (args[0] === 'nn' ? delay : 0);
        };
      }
      return f.bind(target);
    },
  });
}

void test(`fast mode from compute.refineFrom identities: one full pass, sub-quadratic refreshes, exact final metrics, and max_seconds covers that final pass`, async () => {
  const engine = await createComputeEngine({ threads: 2, refineFrom: 2000 });
  try {
    const calls: Record<string, number> = {};
    // each full pass takes 1 s more: as at N = 100,000, the refreshes are cheap and the exact passes are not
    const compute = slowed(engine, 1, calls);
    const n = 3000;
    const d = 8;
    const budget = 10;
    const p = withPackDefaults({ identities: n, dim: d, mode: 'fast', iterations: 1_000_000, maxSeconds: budget }, false);
    const t0 = performance.now();
    const out = await runPacking(p, null, { compute });
    const wall = (performance.now() - t0) / 1000;
    assert.equal(out.stopReason, 'max_seconds');
    // a full pass to start and one for the final metrics; every refresh between was refined
    assert.equal(calls.nearestNeighbours, 2);
    assert.ok((calls.refineNeighbours ?? 0) >= 2, `refined ${calls.refineNeighbours} times`);
    // before: the loop ran to the budget and the final exact pass (≥ 1 s) came on top
    assert.ok(out.elapsedSeconds <= budget * 1.02, `elapsed ${out.elapsedSeconds.toFixed(3)} s for a ${budget} s budget`);
    assert.ok(wall <= budget * 1.02 + 0.1, `wall ${wall.toFixed(3)} s`);
    assert.ok(out.elapsedSeconds >= budget * 0.6, `stopped after ${out.elapsedSeconds.toFixed(3)} s`);
    const exact = await engine.nearestNeighbours(out.embeddings, n, d, 1);
    let worst = -1;
    for (const c of exact.value) worst = Math.max(worst, c);
    assert.ok(Math.abs(out.metrics.minAngleDeg - (Math.acos(Math.min(1, worst)) * 180) / Math.PI) < 1e-3, 'reported min angle is the exact one of the returned points');
  } finally {
    await engine.release();
  }
});
