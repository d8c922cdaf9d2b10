// Public surface of runtime/: arithmetic modes, the engines, generation and verification.

export { f16round, fixedArith, floatArith, parseArith, rdiv, rexp } from './arith.js';
export type { Arith, ArithKind } from './arith.js';
export type { Backend, Engine, ForwardResult, LoopSetting } from './engine.js';
export { autoLimit, latent, loopSetting } from './latent.js';
export type { LoopsSource } from './latent.js';
export { forwardLayerMajor, LoopsDidNotSettle } from './cpu/layer-major.js';
export type { LayerMajorOptions, PassState } from './cpu/layer-major.js';
export { CpuEngine } from './cpu/engine.js';
export { prepare } from './cpu/prepared.js';
export { argmax, kernelsFor } from './cpu/kernels.js';
export type { Kernels } from './cpu/kernels.js';
export { toCsr } from './cpu/sparse.js';
export type { Csr } from './cpu/sparse.js';
export type { PreparedHead, PreparedLayer, PreparedModel } from './cpu/prepared.js';
export { CpuStepper } from './cpu/stepper.js';
export type { HeadDetail, LayerDetail, PositionDetail } from './cpu/stepper.js';
export { answerSequences, outputsOfSequence, promptOf, referenceSequences } from './reference.js';
export { gateLabel, topPositions, verifyModel } from './verify.js';
export { allInputs, sampleInputs, MAX_EXHAUSTIVE_INPUTS } from './inputs.js';
export { createEngine, parseBackend } from './backend.js';
export type { BackendChoice, EngineChoice, EngineOptions } from './backend.js';
export { WebGpuEngine, WebGpuError, WebGpuUnavailableError, openGpu, requestAdapter } from './webgpu/index.js';
export type { AdapterSummary, GpuOptions, WebGpuEngineOptions } from './webgpu/index.js';
export { defaultTraceWindow, FULL_STRIP_MAX, traceGeneration, TRACE_VERSION } from './trace.js';
export type { EngineName, StepRole, TraceData, TraceEngines, TraceGate, TraceHead, TraceStep } from './trace.js';
export { DETAIL_ALL_MAX, LATENT_TRACE_VERSION, traceLatent } from './latent-trace.js';
export type { LatentGateStep, LatentGateTrace, LatentHead, LatentIteration, LatentLoops, LatentTraceData, LatentTraceOptions } from './latent-trace.js';
export type { HeadFocus, MismatchDetail, VerifyOptions, VerifyReport } from './verify.js';
// The fuzzer's surface is listed in fuzz/index.ts.
export * from './fuzz/index.js';
