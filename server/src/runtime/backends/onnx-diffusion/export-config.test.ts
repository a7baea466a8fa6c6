import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { DEFAULT_DPM_SOLVER, inferenceTimesteps, type DpmSolverConfig } from './scheduler.js';

// examples/arc2face-export/export_onnx.py derives pipeline.json's `scheduler` from the base
// model's scheduler config; its pure helper runs here with python3 alone (no torch, no diffusers).
const EXPORT_DIR = fileURLToPath(new URL('../../../../../examples/arc2face-export', import.meta.url));

// DPMSolverMultistepScheduler 0.29.2's defaults, overridden by SD-1.5's scheduler_config.json:
// what `DPMSolverMultistepScheduler.from_config(pipeline.scheduler.config)` holds in Arc2Face.
const SD15 = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  trained_betas: null,
  solver_order: 2,
  prediction_type: 'epsilon',
  thresholding: false,
  dynamic_thresholding_ratio: 0.995,
  sample_max_value: 1.0,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  use_karras_sigmas: false,
  use_lu_lambdas: false,
  final_sigmas_type: 'zero',
  lambda_min_clipped: '-inf',
  variance_type: null,
  timestep_spacing: 'linspace',
  steps_offset: 1,
  rescale_betas_zero_snr: false,
};

function manifest(config: Record<string, unknown>): { ok: Record<string, unknown> } | { error: string } {
  const py = String.raw`
import json, math, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
from export_onnx import scheduler_manifest
cfg = json.loads(sys.stdin.read())
cfg = {k: (-math.inf if v == '-inf' else v) for k, v in cfg.items()}
try:
    print(json.dumps({'ok': scheduler_manifest(cfg)}))
except ValueError as e:
    print(json.dumps({'error': str(e)}))
`;
  return JSON.parse(execFileSync('python3', ['-c', py, EXPORT_DIR], { input: JSON.stringify(config), encoding: 'utf8' })) as { ok: Record<string, unknown> } | { error: string };
}

describe('export_onnx.py scheduler_manifest', () => {
  it("SD-1.5's config gives exactly the daemon's default scheduler", () => {
    const r = manifest(SD15);
    assert.ok('ok' in r, JSON.stringify(r));
    assert.deepEqual(r.ok, { ...DEFAULT_DPM_SOLVER });
  });

  it('follows the base model: trailing spacing, linear betas, another offset', () => {
    const r = manifest({ ...SD15, timestep_spacing: 'trailing', beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02, steps_offset: 0 });
    assert.ok('ok' in r, JSON.stringify(r));
    const cfg = { ...DEFAULT_DPM_SOLVER, ...(r.ok as Partial<DpmSolverConfig>) };
    assert.equal(cfg.timestepSpacing, 'trailing');
    assert.equal(cfg.betaSchedule, 'linear');
    assert.equal(cfg.stepsOffset, 0);
    assert.deepEqual(inferenceTimesteps(cfg, 4), [999, 749, 499, 249]);
    // every key it writes is one the daemon's scheduler reads
    for (const key of Object.keys(r.ok)) assert.ok(key in DEFAULT_DPM_SOLVER, key);
  });

  it('refuses what the daemon does not implement, naming every setting', () => {
    const r = manifest({ ...SD15, use_karras_sigmas: true, prediction_type: 'v_prediction', timestep_spacing: 'karras' });
    assert.ok('error' in r, JSON.stringify(r));
    assert.match(r.error, /use_karras_sigmas=True/);
    assert.match(r.error, /prediction_type='v_prediction'/);
    assert.match(r.error, /timestep_spacing='karras'/);
  });
});
