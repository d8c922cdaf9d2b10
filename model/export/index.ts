// Public surface of model/export/: the ground-truth circuit map written with every export, and
// the TransformerLens export.

export { CIRCUIT_MAP_VERSION, circuitMap } from './circuit-map.js';
export type { CircuitMap, CircuitMapOptions, MapFeedForward, MapHead, MapStep, MapWire, StepHead } from './circuit-map.js';
export { transformerLensExport, transformerLensReadme } from './transformerlens.js';
export type { TlConfig, TlExport, TlNotes, TlOptions } from './transformerlens.js';
