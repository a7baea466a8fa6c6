// What a generate job emits: progress and summary on its `generate` channel (persisted), and each
// face sample live to the stream that started it (not persisted). Domain types; transport/
// generation-wire.ts maps them to the wire. Persisted field names are those older logs carry.
import type { RawImageData } from '../../runtime/models/types.js';

export interface GenerateProgressInfo {
  done: number;
  total: number;
  elapsedSeconds: number;
  /** -1 when unknown. */
  etaSeconds: number;
  facesPerSecond: number;
  /** Samples a previous (interrupted) run had already written. */
  skipped: number;
}

export interface GenerateSummaryInfo {
  jobId: string;
  samples: number;
  identities: number;
  skipped: number;
  belowThreshold: number;
  meanCosine: number;
  elapsedSeconds: number;
  /** '' when no dataset is written. */
  outputDir: string;
  manifestPath: string;
  /** Privacy guard (exclude_path): attempts rejected, samples dropped, the angle and how it was obtained. */
  rejectedNearReal?: number;
  droppedNearReal?: number;
  excludeMinAngleDeg?: number;
  excludeAngleSource?: string;
}

export type GenerateJobEvent = { progress: GenerateProgressInfo } | { summary: GenerateSummaryInfo };

// Generate jobs' events travel on the 'generate' channel; their faces go live to the stream that started them.
declare module '../jobs/types.js' {
  interface JobChannels {
    generate: GenerateJobEvent;
  }
  interface JobLivePayloads {
    generate: FaceSampleInfo;
  }
}

/** One rendered face, delivered live (with backpressure) to the stream that started the job. */
export interface FaceSampleInfo {
  identity: number;
  sample: number;
  seed: number;
  image: { kind: 'encoded'; bytes: Uint8Array } | { kind: 'raw'; image: RawImageData };
  /** The recognizer's embedding of the face, when asked for (include_embedding or min_cosine). */
  embedding?: Float32Array;
  cosine: number;
  attempts: number;
  belowThreshold: boolean;
  /** Dataset-relative file, '' when no dataset is written. */
  file: string;
  /** Attempts the privacy guard rejected. */
  rejectedNearReal?: number;
}
