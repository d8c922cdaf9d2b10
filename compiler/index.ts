// Public surface of compiler/: the constructions (circuit or size bound -> Model) and their blocks.
// The Model type, its file format and its sequence contract live in model/.

export { compile, DEFAULT_SCALE } from './compile.js';
export type { CompileOptions } from './compile.js';
export { compileUniform, MAX_CAPACITY } from './uniform/compile.js';
export type { UniformOptions } from './uniform/compile.js';
export { uniformBasis, uniformLoopedBasis } from './uniform/layout.js';
export { compileUniformLooped } from './uniform/looped.js';
export type { UniformLoopedOptions } from './uniform/looped.js';
export { circuitDepth, compileLatent, LATENT_SCALE, LATENT_VOCAB } from './looped/compile.js';
export type { LatentOptions } from './looped/compile.js';
export { latentBasis, latentWidth } from './looped/layout.js';
export type { LatentKind } from './looped/layout.js';
export { checkComposition } from './compose.js';
export { dModelFormula, positionBits, residualBasis, sbin } from './layout.js';
export { planSequence } from './plan.js';
export { FAULTS, WEAK_SCALE, faultyPlan, parseFault } from './faults.js';
export type { Fault } from './faults.js';
export type { Mode, PositionPlan, SequencePlan } from './plan.js';
export { retrievalHead } from './blocks/retrieval.js';
export { matchHead } from './blocks/match.js';
export { gateFeedForward } from './blocks/gate-ff.js';
export { feedForward, concatFeedForward } from './blocks/ff.js';
export { unembedding } from './blocks/unembed.js';
export { positionEmbedding, tokenEmbedding } from './blocks/embedding.js';
// The model package, re-exported for the compiler's own callers (tests, benchmarks).
export * from '../model/index.js';
