// Public surface of compiler/: circuit -> model weights, and the model file format.

export { compile, DEFAULT_SCALE, sha256 } from './compile.js';
export type { CompileOptions } from './compile.js';
export { MODEL_FORMAT_VERSION, maxPositions, tokenId } from './model.js';
export type { CotEntry, CotFormat, FeedForward, HeadWeights, Layer, Model, ModelMeta, PromptEntry } from './model.js';
export { Basis, subspacesOfLabels } from './basis.js';
export type { Subspace } from './basis.js';
export { dModelFormula, positionBits, residualBasis, sbin } from './layout.js';
export { planSequence } from './plan.js';
export { FAULTS, WEAK_SCALE, faultyPlan, parseFault } from './faults.js';
export type { Fault } from './faults.js';
export type { Mode, PositionPlan, SequencePlan } from './plan.js';
export { BOS, NA, vocabulary } from './tokens.js';
export { retrievalHead } from './blocks/retrieval.js';
export { gateFeedForward } from './blocks/gate-ff.js';
export { unembedding } from './blocks/unembed.js';
export { positionEmbedding, tokenEmbedding } from './blocks/embedding.js';
export { looksLikeModel, modelFromBytes, modelToBytes, readModelFile } from './model-file.js';
export { ModelFileError } from './safetensors.js';
