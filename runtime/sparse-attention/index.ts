// Public surface of runtime/sparse-attention: certified sparse attention (`--attention sparse`).

export { DEFAULT_RADIUS, SparseEngine } from './engine.js';
export type { SparseEngineOptions } from './engine.js';
export { sparseJson, sparseText, sparseVerdict } from './report.js';
export type { SparseReport } from './report.js';
export { planHeads } from './structure.js';
export type { HeadPlan } from './structure.js';
