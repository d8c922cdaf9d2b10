// Public surface of model/: the Model object, its file format and its sequence contract. Engines,
// proofs, the fuzzer and the CLI import this package, not the compiler.

export { MODEL_FORMAT_VERSION, isPositional, isUniform, maxPositions, tokenId } from './model.js';
export type { Construction, LoopSpec, Readout, CotEntry, CotFormat, FeedForward, HeadWeights, Layer, Model, ModelMeta, ModelMode, PositionalMeta, PositionalModel, PromptEntry, TargetRule, UniformMeta, UniformModel } from './model.js';
export { Basis, subspacesOfLabels } from './basis.js';
export type { BlockSpaces, Subspace } from './basis.js';
export { looksLikeModel, modelFromBytes, modelFromTensors, modelToBytes, readModelFile, storedMetaJson } from './file.js';
export { decodeSafetensors, encodeSafetensors, ModelFileError } from './safetensors.js';
export type { Tensor } from './safetensors.js';
export { sha256 } from './hash.js';
export { bindPositional, bindUniform, entryResolver, evaluateRule, resolveTemplate, targetsJustBehind, uniformSlot } from './contract.js';
export type { BoundSequence } from './contract.js';
export { UNIFORM_LABEL_OFFSET, ownIdPosition, uniformSeqLen, uniformTemplate } from './uniform-sequence.js';
export type { UniformTemplate } from './uniform-sequence.js';
export { BOS, NA, TOKEN_ONE, TOKEN_ZERO, UNIFORM_ID_BASE, UNIFORM_NA, UNIFORM_TYPES, idOfToken, idToken, uniformTypeName, uniformVocabulary, vocabulary } from './vocab.js';
export { UNIFORM_HEADS, UNIFORM_LOOPED_HEADS, dModelFormula, log2Ceil, positionBits, resourceFormula, uniformLoopedWidths, uniformWidths } from './resources.js';
export type { ResourceFormula } from './resources.js';
export { bindCompiled, bindModel, circuitOfModel, modelName } from './bind.js';
export type { Bound } from './bind.js';
export { LoopCountError, MAX_LOOPS, appliedLayers, checkLoopSpec, loopCount, readsArgmax } from './schedule.js';
export { checkExportable, decodeOnnx, DEFAULT_OPSET, exportOnnx, MAX_OPSET, MIN_OPSET, modelFromOnnx, ONNX_IO, ONNX_META_KEY, onnxMetadataJson, onnxModelProto, OnnxExportError, OnnxSizeError, PROTOBUF_LIMIT } from './export/index.js';
export type { ExternalReader, OnnxExportOptions, OnnxFile } from './export/index.js';
