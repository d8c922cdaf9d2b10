// Public surface of runtime/sparse-attention: certified sparse attention (`--attention sparse`).

export { SparseEngine } from './engine.js';
export { DEFAULT_RADIUS, parseRadius } from './radius.js';
export type { Radius } from './radius.js';
export type { SparseEngineOptions } from './engine.js';
export { radiusText, sparseJson, sparseText, sparseVerdict } from './report.js';
export type { SparseReport } from './report.js';
export { planHeads } from './structure.js';
export type { HeadPlan } from './structure.js';
