// Pack job events (domain/packing/events.ts) -> PackEvent on the wire (the one place that knows both shapes).
import type { PackEvent } from '@hyperface/sdk/gen/hyperface/v1/PackEvent';
import type { PackMetrics } from '@hyperface/sdk/gen/hyperface/v1/PackMetrics';
import type { PackMetricsInfo } from '../domain/packing/index.js';
import type { PackJobEvent } from '../domain/packing/events.js';

export function packMetricsToWire(m: PackMetricsInfo): PackMetrics {
  return {
    minAngleDeg: m.minAngleDeg,
    meanNnAngleDeg: m.meanNnAngleDeg,
    maxCosine: m.maxCosine,
    meanGalleryDistance: m.meanGalleryDistance,
    loss: m.loss,
    packingLoss: m.packingLoss,
    galleryLoss: m.galleryLoss,
  };
}

export function packEventToWire(event: PackJobEvent): PackEvent {
  if ('progress' in event) {
    const p = event.progress;
    return {
      progress: {
        iteration: p.iteration,
        iterations: p.iterations,
        metrics: packMetricsToWire(p.metrics),
        bestMinAngleDeg: p.bestMinAngleDeg,
        elapsedSeconds: p.elapsedSeconds,
        etaSeconds: p.etaSeconds,
        phase: p.phase,
        metricsExact: p.exact ?? false,
      },
    };
  }
  const r = event.result;
  return {
    result: {
      jobId: r.jobId,
      shape: [...r.shape],
      metrics: packMetricsToWire(r.metrics),
      iterationsRun: r.iterationsRun,
      elapsedSeconds: r.elapsedSeconds,
      stopReason: r.stopReason,
      npyPath: r.npyPath,
      sidecarPath: r.sidecarPath,
      provider: r.provider,
      ...(r.exclusion ? { exclusion: r.exclusion } : {}),
      ...(r.extension ? { extension: r.extension } : {}),
    },
  };
}
