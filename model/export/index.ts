// Public surface of model/export/: a model in other formats (ONNX), and an .onnx file read back.

export { checkExportable, DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, ONNX_IO, ONNX_META_KEY, onnxModelProto, OnnxExportError, OnnxSizeError, PROTOBUF_LIMIT } from './onnx.js';
export type { OnnxExportOptions, OnnxFile } from './onnx.js';
export { decodeOnnx, modelFromOnnx, onnxMetadataJson } from './onnx-read.js';
export type { ExternalReader } from './onnx-read.js';
