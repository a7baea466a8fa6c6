// The domain results of evaluations: one type per evaluation, written as result.json (and printed
// by `--json`) as is. Transport alone maps them to the wire (transport/evaluation.ts).
import type { RocPoint, VerificationMetrics } from './protocol.js';
import type { QualityStats } from './quality.js';
import type { LeakageResult } from './leakage.js';

/** A verification benchmark's result (verificationResult() sets the key order: required keys first). */
export interface VerificationResult
  extends Pick<VerificationMetrics, 'accuracy_mean' | 'accuracy_std' | 'best_threshold' | 'eer' | 'auc' | 'tar_at_far' | 'pairs' | 'folds' | 'fold_accuracies' | 'val_std'> {
  name: string;
  val_at_far_1e_3: number;
  recognizer: string | null;
  flip: boolean;
  source: string;
  /** True when the pairs were class-sorted (LFW View 1) and the folds were stratified. */
  stratified_folds: boolean;
}

export interface VerificationOutcome {
  result: VerificationResult;
  /** (far, tar, threshold) rows at the standard FARs. */
  tarAtFar: RocPoint[];
  /** The result as JSON (non-finite numbers as null). */
  json: string;
  reportPath?: string;
  resultPath?: string;
}

export function verificationResult(
  metrics: VerificationMetrics,
  meta: { name: string; recognizer: string | null; flip: boolean; source: string; stratified: boolean },
): VerificationResult {
  return {
    name: meta.name,
    accuracy_mean: metrics.accuracy_mean,
    accuracy_std: metrics.accuracy_std,
    best_threshold: metrics.best_threshold,
    eer: metrics.eer,
    auc: metrics.auc,
    tar_at_far: metrics.tar_at_far,
    pairs: metrics.pairs,
    folds: metrics.folds,
    fold_accuracies: metrics.fold_accuracies,
    val_at_far_1e_3: metrics.val,
    val_std: metrics.val_std,
    recognizer: meta.recognizer,
    flip: meta.flip,
    source: meta.source,
    stratified_folds: meta.stratified,
  };
}

/** A dataset's quality: DatasetStats in the proto. Judge metrics are null without a judge. */
export interface DatasetStats {
  path: string;
  identities: number;
  samples: number;
  identity_consistency_mean: number;
  centroid_consistency_mean: number;
  nearest_impostor_mean: number;
  judge_consistency_mean: number | null;
  verification_eer: number;
  judge_verification_eer: number | null;
  /** Leave-one-out nearest-centroid rank-1 over all identities, under the recognizer and the judge. */
  rank1: number;
  judge_rank1: number | null;
  outlier_identities: number[];
  reference_source: QualityStats['reference_source'];
  /** Why reference embeddings were not used, when a file was there. */
  reference_note?: string;
  recognizer: string | null;
  judge_recognizer: string | null;
}

export interface DatasetEvaluation {
  stats: DatasetStats;
  generator: QualityStats;
  judge?: QualityStats;
}

export interface DatasetOutcome {
  dataset: DatasetStats;
  compared?: DatasetStats;
  /** What result.json holds: the dataset's stats at top level (+ `compared`, + `leakage`). */
  result: DatasetStats & { compared?: DatasetStats; leakage?: LeakageResult };
  json: string;
  details: DatasetEvaluation[];
  reportPath?: string;
  resultPath?: string;
}

export function datasetStats(g: QualityStats, j: QualityStats | undefined, meta: { path: string; recognizer: string | null; judge: string | null; referenceNote?: string }): DatasetStats {
  return {
    path: meta.path,
    identities: g.identities,
    samples: g.samples,
    identity_consistency_mean: g.identity_consistency_mean,
    centroid_consistency_mean: g.centroid_consistency_mean,
    nearest_impostor_mean: g.nearest_impostor_mean,
    judge_consistency_mean: j ? j.centroid_consistency_mean : null,
    verification_eer: g.verification_eer,
    judge_verification_eer: j ? j.verification_eer : null,
    rank1: g.rank1,
    judge_rank1: j ? j.rank1 : null,
    outlier_identities: g.outlier_identities,
    reference_source: g.reference_source,
    ...(meta.referenceNote ? { reference_note: meta.referenceNote } : {}),
    recognizer: meta.recognizer,
    judge_recognizer: meta.judge,
  };
}

/** JSON with non-finite numbers as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** What an evaluation job emits on its `evaluation` channel; transport maps it to the wire. */
export type EvaluationJobEvent =
  | { progress: { done: number; total: number; phase: string; elapsedSeconds: number } }
  | { verification: { jobId: string; result: VerificationResult; tarAtFar: RocPoint[]; reportPath: string; json: string } }
  | { dataset: { jobId: string; dataset: DatasetStats; compared?: DatasetStats; reportPath: string; json: string } };

// Evaluation jobs' events travel on the job log's 'evaluation' channel (the job core knows no feature).
declare module '../jobs/types.js' {
  interface JobChannels {
    evaluation: EvaluationJobEvent;
  }
}
