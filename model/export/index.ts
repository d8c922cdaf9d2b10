// Public surface of model/export/: a model in other formats (ONNX; TransformerLens), an .onnx file
// read back, and the ground-truth circuit map written with the TransformerLens export.

export { checkExportable, DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, ONNX_IO, ONNX_META_KEY, onnxModelProto, OnnxExportError, OnnxSizeError, PROTOBUF_LIMIT } from './onnx.js';
export type { OnnxExportOptions, OnnxFile } from './onnx.js';
export { decodeOnnx, modelFromOnnx, onnxMetadataJson } from './onnx-read.js';
export type { ExternalReader } from './onnx-read.js';
export { CIRCUIT_MAP_VERSION, circuitMap } from './circuit-map.js';
export type { CircuitMap, CircuitMapOptions, MapFeedForward, MapHead, MapStep, MapWire, StepHead } from './circuit-map.js';
export { transformerLensExport, transformerLensReadme } from './transformerlens.js';
export type { TlConfig, TlExport, TlNotes, TlOptions } from './transformerlens.js';
