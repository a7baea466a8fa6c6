// Original file: proto/hyperface/v1/evaluation.proto

import type { Long } from '@grpc/proto-loader';

export interface EvaluateDatasetRequest {
  /**
   * Server-side dataset root (ImageFolder or RecordIO, with manifest.jsonl), relative to the data root.
   */
  'datasetPath'?: (string);
  /**
   * Recognizer that the dataset was generated against; empty = default recognizer.
   */
  'recognizer'?: (string);
  /**
   * Independent judge recognizer; empty = the first registered recognizer other than `recognizer`.
   */
  'judgeRecognizer'?: (string);
  /**
   * A second dataset to compare side by side (optional).
   */
  'comparePath'?: (string);
  /**
   * Cap on identities / samples per identity read; 0 = all.
   */
  'maxIdentities'?: (number);
  'maxSamplesPerIdentity'?: (number);
  /**
   * Genuine and impostor pairs drawn for the EER; 0 = 3000 each.
   */
  'pairs'?: (number);
  'seed'?: (number | string | Long);
  'reportDir'?: (string);
  'detach'?: (boolean);
  /**
   * Leakage audit (docs/privacy.md): real identities to compare every generated face with, under the
   * generating recognizer and the judge. A server-side .npy [R, D] of embeddings under the generating
   * recognizer (one row per person; no judge side), or a folder of face photos (largest face each,
   * embedded under both). The result's JSON carries a `leakage` object; the report shows the closest pairs.
   */
  'leakagePath'?: (string);
}

export interface EvaluateDatasetRequest__Output {
  /**
   * Server-side dataset root (ImageFolder or RecordIO, with manifest.jsonl), relative to the data root.
   */
  'datasetPath': (string);
  /**
   * Recognizer that the dataset was generated against; empty = default recognizer.
   */
  'recognizer': (string);
  /**
   * Independent judge recognizer; empty = the first registered recognizer other than `recognizer`.
   */
  'judgeRecognizer': (string);
  /**
   * A second dataset to compare side by side (optional).
   */
  'comparePath': (string);
  /**
   * Cap on identities / samples per identity read; 0 = all.
   */
  'maxIdentities': (number);
  'maxSamplesPerIdentity': (number);
  /**
   * Genuine and impostor pairs drawn for the EER; 0 = 3000 each.
   */
  'pairs': (number);
  'seed': (number);
  'reportDir': (string);
  'detach': (boolean);
  /**
   * Leakage audit (docs/privacy.md): real identities to compare every generated face with, under the
   * generating recognizer and the judge. A server-side .npy [R, D] of embeddings under the generating
   * recognizer (one row per person; no judge side), or a folder of face photos (largest face each,
   * embedded under both). The result's JSON carries a `leakage` object; the report shows the closest pairs.
   */
  'leakagePath': (string);
}
