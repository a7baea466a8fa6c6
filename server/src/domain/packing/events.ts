// What a pack job emits on its `pack` channel (domain types; transport/packing-wire.ts maps them to
// the wire). The field names are those the job log has always persisted, so older logs read back.
import type { PackMetricsInfo } from './objective.js';
import type { FixedReportInfo } from './fixed.js';
import type { PackOutcome, PackProgressInfo } from './run.js';

export interface PackResultInfo {
  jobId: string;
  /** [identities, dim] */
  shape: [number, number];
  metrics: PackMetricsInfo;
  iterationsRun: number;
  elapsedSeconds: number;
  stopReason: PackOutcome['stopReason'];
  npyPath: string;
  sidecarPath: string;
  provider: string;
  /** With an exclusion set / existing identities (domain/services/packing-fixed.ts). */
  exclusion?: FixedReportInfo;
  extension?: FixedReportInfo;
}

export type PackJobEvent = { progress: PackProgressInfo } | { result: PackResultInfo };

// Pack jobs' events travel on the job log's 'pack' channel (the job core knows no feature).
declare module '../jobs/types.js' {
  interface JobChannels {
    pack: PackJobEvent;
  }
}
