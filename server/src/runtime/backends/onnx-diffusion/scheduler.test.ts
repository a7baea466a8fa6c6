import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { alphasCumprod, buildSchedule, DEFAULT_DPM_SOLVER, DpmSolverMultistep, inferenceTimesteps } from './scheduler.js';

// An independent NumPy implementation of DPM-Solver++(2M) written from the paper's equations
// (Lu et al. 2022, arXiv:2211.01095, Algorithm 2 with the data-prediction model), not from our code:
//   x0_i = (x_i - σ_i ε_i) / α_i,  h_i = λ_{i+1} - λ_i,  r = h_{i-1} / h_i,
//   D_i = (1 + 1/(2r)) x0_i - 1/(2r) x0_{i-1}           (D_0 = x0_0: first order),
//   x_{i+1} = (σ_{i+1}/σ_i) x_i - α_{i+1} (e^{-h_i} - 1) D_i.
const PY = String.raw`
import json, sys
import numpy as np
req = json.loads(sys.stdin.read())
T = 1000
betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=np.float64) ** 2
ac = np.cumprod(1.0 - betas)
def timesteps(steps, spacing):
    if spacing == 'linspace':
        return np.linspace(0, T - 1, steps + 1).round()[::-1][:-1].astype(np.int64)
    ratio = T // (steps + 1)
    return (np.arange(0, steps + 1) * ratio).round()[::-1][:-1].astype(np.int64) + 1
out = {'ac': ac[[0, 1, 499, 998, 999]].tolist()}
for spacing in ('linspace', 'leading'):
    out['ts_' + spacing] = timesteps(25, spacing).tolist()
ts = timesteps(req['steps'], 'linspace')
sig = np.sqrt((1 - ac[ts]) / ac[ts])
sig = np.append(sig, 0.0)
alpha = 1 / np.sqrt(sig ** 2 + 1)
sigma_t = sig * alpha
with np.errstate(divide='ignore'):
    lam = np.log(alpha) - np.log(sigma_t)
out['sigmas'] = sig.tolist(); out['alpha'] = alpha.tolist(); out['sigma_t'] = sigma_t.tolist()
out['lambda'] = [float(v) if np.isfinite(v) else None for v in lam]
x = np.array(req['x'], dtype=np.float64)
prev = None
traj = []
for i, eps in enumerate(req['eps']):
    eps = np.array(eps, dtype=np.float64)
    x0 = (x - sigma_t[i] * eps) / alpha[i]
    if i == len(ts) - 1:
        x = x0  # σ_{N} = 0: the update reduces to x0 (first order)
    else:
        h = lam[i + 1] - lam[i]
        if prev is None:
            D = x0
        else:
            r = (lam[i] - lam[i - 1]) / h
            D = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * prev
        x = (sigma_t[i + 1] / sigma_t[i]) * x - alpha[i + 1] * (np.exp(-h) - 1) * D
    prev = x0
    traj.append(x.tolist())
out['traj'] = traj
print(json.dumps(out))
`;

function python(input: unknown): Record<string, unknown> {
  return JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify(input), encoding: 'utf8' })) as Record<string, unknown>;
}

function close(actual: number, expected: number, rtol = 1e-4, atol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= atol + rtol * Math.abs(expected), `${actual} vs ${expected}`);
}

describe('DPM-Solver++ multistep scheduler', () => {
  it('has the SD-1.5 timesteps (linspace: 999, 959, ...; leading: 951, ...)', () => {
    const lin = inferenceTimesteps(DEFAULT_DPM_SOLVER, 25);
    assert.equal(lin.length, 25);
    assert.deepEqual(lin.slice(0, 3), [999, 959, 919]);
    assert.equal(lin.at(-1), 40);
    const lead = inferenceTimesteps({ ...DEFAULT_DPM_SOLVER, timestepSpacing: 'leading' }, 25);
    assert.deepEqual(lead.slice(0, 2), [951, 913]);
    assert.equal(lead.at(-1), 39);
  });

  it('matches an independent NumPy implementation of the published equations', () => {
    const steps = 5;
    const n = 6;
    const x = Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 1.3);
    const eps = Array.from({ length: steps }, (_, s) => Array.from({ length: n }, (_, i) => Math.cos(0.7 * i + s) * 0.9));
    const ref = python({ steps, x, eps });
    const ac = alphasCumprod(DEFAULT_DPM_SOLVER);
    (ref.ac as number[]).forEach((v, k) => close(ac[[0, 1, 499, 998, 999][k] as number] ?? NaN, v, 1e-5));
    assert.deepEqual(inferenceTimesteps(DEFAULT_DPM_SOLVER, 25), ref.ts_linspace);
    assert.deepEqual(inferenceTimesteps({ ...DEFAULT_DPM_SOLVER, timestepSpacing: 'leading' }, 25), ref.ts_leading);
    const { points } = buildSchedule(DEFAULT_DPM_SOLVER, steps);
    points.forEach((p, i) => {
      close(p.sigma, (ref.sigmas as number[])[i] ?? NaN);
      close(p.alpha, (ref.alpha as number[])[i] ?? NaN);
      close(p.sigmaT, (ref.sigma_t as number[])[i] ?? NaN);
      const lam = (ref.lambda as (number | null)[])[i];
      if (lam === null) assert.equal(p.lambda, Infinity);
      else close(p.lambda, lam ?? NaN);
    });
    // step 0 is first order, steps 1..3 second order, the last one lands on x0
    const sched = new DpmSolverMultistep(steps);
    let sample: Float32Array = Float32Array.from(x);
    (ref.traj as number[][]).forEach((expected, s) => {
      sample = sched.step(Float32Array.from(eps[s] ?? []), sample);
      expected.forEach((v, i) => close(sample[i] ?? NaN, v, 1e-4, 1e-5));
    });
    assert.throws(() => sched.step(new Float32Array(n), sample), /no steps left/);
  });

  // diffusers 0.29.2 DPMSolverMultistepScheduler.set_timesteps (lambda_min_clipped = -inf, so
  // last_timestep = T), evaluated by NumPy itself for every step count.
  it('timesteps and sigmas match NumPy for every step count 1..1000 and every spacing', () => {
    const ref = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          String.raw`
import json
import numpy as np
T = 1000
betas = np.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=np.float32).astype(np.float64) ** 2
ac = np.cumprod(1.0 - betas)
sig = ((1 - ac) / ac) ** 0.5
out = {}
for spacing in ('linspace', 'leading', 'trailing'):
    rows = []
    for n in range(1, T + 1):
        if spacing == 'linspace':
            ts = np.linspace(0, T - 1, n + 1).round()[::-1][:-1].copy().astype(np.int64)
        elif spacing == 'leading':
            ts = (np.arange(0, n + 1) * (T // (n + 1))).round()[::-1][:-1].copy().astype(np.int64) + 1
        else:
            ts = np.arange(T, 0, -(T / n)).round().copy().astype(np.int64) - 1
        s = np.interp(ts, np.arange(0, T), sig)
        rows.append([ts.tolist(), s.astype(np.float32).tolist()])
    out[spacing] = rows
print(json.dumps(out))
`,
        ],
        { encoding: 'utf8', maxBuffer: 1 << 28 },
      ),
    ) as Record<'linspace' | 'leading' | 'trailing', [number[], number[]][]>;
    for (const spacing of ['linspace', 'leading', 'trailing'] as const) {
      const cfg = { ...DEFAULT_DPM_SOLVER, timestepSpacing: spacing };
      let mismatches = 0;
      let first = '';
      for (let n = 1; n <= 1000; n++) {
        const [ts, sig] = ref[spacing][n - 1] as [number[], number[]];
        const ours = inferenceTimesteps(cfg, n);
        if (JSON.stringify(ours) !== JSON.stringify(ts)) {
          mismatches++;
          first ||= `steps ${n}: ${JSON.stringify(ours.slice(-4))} vs ${JSON.stringify(ts.slice(-4))}`;
          continue;
        }
        const { points } = buildSchedule(cfg, n);
        sig.forEach((v, i) => close(points[i]?.sigma ?? NaN, v, 1e-5));
      }
      assert.equal(mismatches, 0, `${spacing}: ${mismatches} step counts differ from NumPy, first ${first}`);
    }
  });

  // Timesteps may be -1 (trailing) or 1000 (leading, 999 steps) exactly as upstream; σ clamps.
  it('every step count 1..1000 with every spacing samples without NaN', () => {
    const x0 = Float32Array.from({ length: 4 }, (_, i) => Math.sin(i + 1));
    for (const timestepSpacing of ['linspace', 'leading', 'trailing'] as const) {
      for (let n = 1; n <= 1000; n++) {
        const sched = new DpmSolverMultistep(n, { timestepSpacing });
        let sample: Float32Array = x0;
        for (let k = 0; k < sched.timesteps.length; k++) sample = sched.step(Float32Array.from(sample, (v, i) => Math.cos(v + i + k)), sample);
        assert.ok(sample.every(Number.isFinite), `${timestepSpacing}, ${n} steps: ${Array.from(sample).join(', ')}`);
        assert.ok(sched.timesteps.every((t) => t >= -1 && t <= 1000), `${timestepSpacing}, ${n} steps: ${sched.timesteps.slice(-3).join(', ')}`);
      }
    }
  });
});
