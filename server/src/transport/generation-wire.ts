// Generate job events and live samples (domain/generation/events.ts) -> GenerateEvent on the wire
// (the one place that knows both shapes).
import type { GenerateEvent } from '@hyperface/sdk/gen/hyperface/v1/GenerateEvent';
import type { FaceSample } from '@hyperface/sdk/gen/hyperface/v1/FaceSample';
import { toTensor } from '@hyperface/sdk/tensor';
import type { FaceSampleInfo, GenerateJobEvent } from '../domain/generation/events.js';

export function generateEventToWire(event: GenerateJobEvent): GenerateEvent {
  if ('progress' in event) {
    const p = event.progress;
    return { progress: { done: p.done, total: p.total, elapsedSeconds: p.elapsedSeconds, etaSeconds: p.etaSeconds, facesPerSecond: p.facesPerSecond, skipped: p.skipped } };
  }
  const s = event.summary;
  return {
    summary: {
      jobId: s.jobId,
      samples: s.samples,
      identities: s.identities,
      skipped: s.skipped,
      belowThreshold: s.belowThreshold,
      meanCosine: s.meanCosine,
      elapsedSeconds: s.elapsedSeconds,
      outputDir: s.outputDir,
      manifestPath: s.manifestPath,
      rejectedNearReal: s.rejectedNearReal ?? 0,
      droppedNearReal: s.droppedNearReal ?? 0,
      excludeMinAngleDeg: s.excludeMinAngleDeg ?? 0,
    },
  };
}

export function faceSampleToWire(s: FaceSampleInfo): FaceSample {
  const { image } = s;
  const sample: FaceSample = {
    identity: s.identity,
    sample: s.sample,
    seed: s.seed,
    image: image.kind === 'raw' ? { raw: { height: image.image.height, width: image.image.width, channels: image.image.channels, data: image.image.data } } : { encoded: image.bytes },
    cosine: s.cosine,
    attempts: s.attempts,
    belowThreshold: s.belowThreshold,
    file: s.file,
    rejectedNearReal: s.rejectedNearReal ?? 0,
  };
  if (s.embedding) sample.embedding = toTensor(s.embedding, [1, s.embedding.length]);
  return sample;
}
