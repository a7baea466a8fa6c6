export * from './protocol.js';
export * from './quality.js';
export * from './report.js';
export * from './results.js';
export * from './embedding.js';
export * from './sources.js';
export * from './verification.js';
export * from './dataset.js';
export { Rng } from '../../util/rng.js';
