export * from './protocol.js';
export * from './quality.js';
export * from './report.js';
export * from './evaluate.js';
export { Rng } from '../../util/rng.js';
