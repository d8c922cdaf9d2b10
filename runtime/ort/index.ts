// The onnxruntime engine (optional dependency onnxruntime-node).

export { OrtEngine } from './engine.js';
export type { OrtEngineOptions } from './engine.js';
export { loadOrt, ortInstallHint, ORT_PACKAGE, OrtUnavailableError } from './load.js';
export type { OrtModule } from './load.js';
