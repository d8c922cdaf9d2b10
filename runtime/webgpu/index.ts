// The WebGPU engine's public surface.

export { WebGpuEngine } from './engine.js';
export type { WebGpuEngineOptions } from './engine.js';
export { WebGpuError, WebGpuUnavailableError, isUnavailable } from './errors.js';
export type { WebGpuErrorKind } from './errors.js';
export { openGpu, requestAdapter, summarizeAdapter } from './gpu.js';
export type { AdapterSummary, EngineLimits, GpuContext, GpuOptions } from './gpu.js';
export { DEFAULT_TUNING } from './plan.js';
export type { Tuning } from './plan.js';
