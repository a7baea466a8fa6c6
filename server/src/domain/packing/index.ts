// Public API of the packing engine (the job/transport layer calls exactly this).
export { type PackMode, PACK_MODES, type PackParams, withPackDefaults, validatePackParams, packParamViolations, dimViolations, defaultIterations, defaultMode, STOCHASTIC_ABOVE } from './params.js';
export { type PackMetricsInfo } from './objective.js';
export { type PackProgressInfo, type PackCheckpointStore, type PackOutcome, type PackRunContext, runPacking, packSidecar, FIXED_MODES } from './run.js';
export { encodeNpyFloat32 as encodePackResultNpy } from '../../util/npy.js';
export { codeViolation, type PackRowSpool, type CodeReport } from './code-run.js';
