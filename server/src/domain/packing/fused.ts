// Paper mode on the fused runtime step: T steps per session.run with X, the Adam moments and the
// best iterate resident in the runtime. JS sees only each step's nearest cosines (for metrics and
// progress); the state crosses over only for checkpoints and the result.
import { type PaperStepper } from '../../runtime/compute/paper-step.js';
import { metricsFrom } from './objective.js';
import { type Evaluation, type OptimiserContext } from './optimisers.js';
import { type PackStateArrays } from './checkpoint.js';

export class FusedPaperOptimiser {
  private readonly stepper: PaperStepper;

  constructor(
    private readonly ctx: OptimiserContext,
    best: Float32Array,
    restore?: { arrays: PackStateArrays; scalars: Record<string, number> },
  ) {
    const { n, d, params, gallery, galleryRows, x } = ctx;
    this.stepper = ctx.compute.paperStepper({ n, d, alpha: params.alpha, gallery, galleryRows });
    const m = restore?.arrays.m;
    const v = restore?.arrays.v;
    this.stepper.load({
      x,
      m: m instanceof Float32Array ? m : new Float32Array(n * d),
      v: v instanceof Float32Array ? v : new Float32Array(n * d),
      best,
      bestCos: restore?.scalars.bestCos ?? Number.POSITIVE_INFINITY,
    });
  }

  get stepsPerRun(): number {
    return this.stepper.stepsPerRun;
  }

  /** Steps iteration .. iteration+steps-1 in one run; the metrics of each step's starting iterate. */
  async chunk(iteration: number, steps: number): Promise<Evaluation[]> {
    const { n, params, signal } = this.ctx;
    const r = await this.stepper.run(iteration + 1, steps, params.learningRate, signal);
    const out: Evaluation[] = [];
    for (let s = 0; s < steps; s++) {
      const g = r.galleryCos ? r.galleryCos.subarray(s * n, (s + 1) * n) : null;
      out.push({ metrics: metricsFrom(r.nnCos.subarray(s * n, (s + 1) * n), g, params.alpha), exact: true, phase: 'adam' });
    }
    return out;
  }

  /** Copies the resident iterate into ctx.x and the best iterate into `best`; returns the rest of the state. */
  async sync(best: Float32Array): Promise<{ arrays: PackStateArrays; scalars: Record<string, number> }> {
    const st = await this.stepper.read();
    this.ctx.x.set(st.x);
    best.set(st.best);
    return { arrays: { m: st.m, v: st.v }, scalars: { bestCos: st.bestCos } };
  }

  release(): Promise<void> {
    return this.stepper.release();
  }
}
