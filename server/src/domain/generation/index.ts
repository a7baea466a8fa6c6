export * from './params.js';
export * from './service.js';
