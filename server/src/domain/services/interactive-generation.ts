// Interactive Generate: a small request that writes no dataset is served from memory, not run as a
// job (no record, no event log, nothing on disk). It waits for a slot in the admission queue
// (fair across callers, bounded, honouring its deadline), then renders through the generators'
// cross-request batcher with interactive priority, handing each face to its own stream with
// backpressure. Larger requests and every dataset-writing one stay durable jobs (generation.ts).
import type { AdmissionQueue } from '../serving/queue.js';
import { generateSamples, planSize } from '../generation/index.js';
import type { FaceSampleInfo, GenerateSummaryInfo } from '../generation/events.js';
import { encodeImage, resizeImage } from '../../runtime/images/codec.js';
import type { GenerateInput, GenerationApp, ValidatedGenerate } from './generation.js';

export interface InteractiveGenerationDeps {
  app: GenerationApp;
  queue: AdmissionQueue;
  /** serving.interactiveMaxFaces: the largest request served this way (0 = none). */
  maxFaces: number;
  /** Most faces asked of the generator at once per request (limits.generateAhead). */
  ahead: number;
  onFace?: (generator: string) => void;
}

export interface InteractiveRun {
  /** Who is asking (bearer-token digest, or peer address): the unit of round-robin fairness. */
  caller: string;
  signal: AbortSignal;
  /** Called once the request holds a slot, before the first face is rendered. */
  admitted(): Promise<void>;
  /** Each face, in (identity, sample) order; resolves when the consumer has room. */
  deliver(sample: FaceSampleInfo): Promise<void>;
}

export interface InteractiveGenerate {
  readonly faces: number;
  run(run: InteractiveRun): Promise<GenerateSummaryInfo>;
}

export class InteractiveGeneration {
  constructor(private readonly deps: InteractiveGenerationDeps) {}

  /**
   * The request as an interactive one, or undefined when it must be a job (it writes a dataset,
   * detaches, or asks for more than serving.interactiveMaxFaces). Validates it either way, and
   * returns what validation read so the job path does not read it again.
   */
  async open(input: GenerateInput, detach: boolean): Promise<{ interactive?: InteractiveGenerate; checked?: ValidatedGenerate }> {
    // The exclusion guard (issue 19) runs on the job path only, so a guarded request is a job.
    if (detach || input.datasetFormat !== 'none' || input.outputDir || input.excludePath || this.deps.maxFaces <= 0) return {};
    const checked = await this.deps.app.validate(input);
    const faces = planSize(checked.params);
    if (faces > this.deps.maxFaces) return { checked };
    return { checked, interactive: { faces, run: (run) => this.serve(input, checked, faces, run) } };
  }

  private async serve(input: GenerateInput, checked: ValidatedGenerate, faces: number, run: InteractiveRun): Promise<GenerateSummaryInfo> {
    const { params } = checked;
    const ticket = await this.deps.queue.acquire(run.caller, run.signal);
    const started = performance.now();
    let done = 0;
    let below = 0;
    let cosineSum = 0;
    let scored = 0;
    try {
      await run.admitted();
      const models = this.deps.app.modelsFor('interactive');
      const batchSize = Math.max(1, Math.min(this.deps.ahead, faces));
      for await (const s of generateSamples(params, { models }, { signal: run.signal, batchSize })) {
        const image = input.imageSize && input.imageSize !== s.image.width ? await resizeImage(s.image, input.imageSize) : s.image;
        const sample: FaceSampleInfo = {
          identity: s.identity,
          sample: s.sample,
          seed: s.seed,
          image: input.format === 'raw' ? { kind: 'raw', image } : { kind: 'encoded', bytes: await encodeImage(image, input.format, input.jpegQuality) },
          cosine: s.cosine,
          attempts: s.attempts,
          belowThreshold: s.belowThreshold,
          file: '',
        };
        if (s.embedding) sample.embedding = s.embedding;
        done += 1;
        if (s.belowThreshold) below += 1;
        if (s.scored) {
          cosineSum += s.cosine;
          scored += 1;
        }
        this.deps.onFace?.(params.generator ?? 'default');
        await run.deliver(sample);
      }
    } finally {
      ticket.release();
    }
    return {
      jobId: '',
      samples: done,
      identities: checked.matrix.rows,
      skipped: 0,
      belowThreshold: below,
      meanCosine: scored > 0 ? cosineSum / scored : 0,
      elapsedSeconds: (performance.now() - started) / 1000,
      outputDir: '',
      manifestPath: '',
    };
  }
}
