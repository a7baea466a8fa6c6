// Evaluation domain results -> EvaluationEvent on the wire (the one place that knows both shapes).
import type { EvaluationEvent } from '@hyperface/sdk/gen/hyperface/v1/EvaluationEvent';
import type { DatasetStats } from '@hyperface/sdk/gen/hyperface/v1/DatasetStats';
import type { DatasetStats as DomainDatasetStats, EvaluationJobEvent } from '../domain/evaluation/results.js';

/** Judge metrics are NaN on the wire when there is no judge. */
export function statsToWire(s: DomainDatasetStats): DatasetStats {
  return {
    path: s.path,
    identities: s.identities,
    samples: s.samples,
    identityConsistencyMean: s.identity_consistency_mean,
    centroidConsistencyMean: s.centroid_consistency_mean,
    nearestImpostorMean: s.nearest_impostor_mean,
    judgeConsistencyMean: s.judge_consistency_mean ?? Number.NaN,
    verificationEer: s.verification_eer,
    judgeVerificationEer: s.judge_verification_eer ?? Number.NaN,
    outlierIdentities: s.outlier_identities,
  };
}

export function evaluationEventToWire(event: EvaluationJobEvent): EvaluationEvent {
  if ('progress' in event) return { progress: event.progress };
  if ('verification' in event) {
    const { jobId, result: r, tarAtFar, reportPath, json } = event.verification;
    // Logs written before results were domain-shaped carry the wire shape already.
    if (r === undefined) return event;
    return {
      verification: {
        jobId,
        name: r.name,
        pairs: r.pairs,
        accuracyMean: r.accuracy_mean,
        accuracyStd: r.accuracy_std,
        bestThreshold: r.best_threshold,
        eer: r.eer,
        auc: r.auc,
        tarAtFar: tarAtFar.map((p) => ({ far: p.far, tar: p.tar, threshold: p.threshold })),
        foldAccuracies: r.fold_accuracies,
        reportPath,
        json,
      },
    };
  }
  const { jobId, dataset, compared, reportPath, json } = event.dataset;
  if (dataset.identity_consistency_mean === undefined) return event;
  return { dataset: { jobId, dataset: statsToWire(dataset), ...(compared ? { compared: statsToWire(compared) } : {}), reportPath, json } };
}
