// Choosing an executor: the CPU engine, or the WebGPU engine when an adapter exists.
//   cpu     f32: the fast f32 kernel (runtime/cpu/fast/: the reference's numbers bit for bit,
//           WebAssembly SIMD and worker threads) unless cpuKernel is 'reference'; every other
//           arithmetic (f64, f16, fixed:s, float:e,s): the CPU reference, its rounded loop
//   webgpu  the WebGPU engine (f32, or f16 where the adapter offers shader-f16); no adapter, or
//           an arithmetic it does not run, is an error: never a silent fallback
//   auto    WebGPU when it is available here, else the CPU with a one-line notice. "Not
//           available" is no adapter, WebGPU disabled, or an arithmetic or feature it lacks
//           (fixed:s, f64, f16 without shader-f16): isUnavailable(). Any other WebGPU error (a
//           shader the driver rejects, validation, limits, out of memory, a lost device) is the
//           engine failing on this model: it propagates, never hidden behind the CPU.
//   ort     onnxruntime-node (an optional dependency; runtime/ort) running the model's ONNX export
//           on its CPU execution provider, f32 only; offered where the caller allows it (run,
//           verify): never chosen by auto
// With attention 'sparse' (asked for by name, never chosen here on its own) the engine is the CPU
// sparse-attention engine (runtime/sparse-attention), whatever auto would pick.

import { UserError } from '../common/errors.js';
import type { Model } from '../model/index.js';
import { parseArith } from './arith.js';
import { CpuEngine } from './cpu/engine.js';
import { FastCpuEngine, refuseFastUnlessF32 } from './cpu/fast/engine.js';
import { simdAvailable } from './cpu/fast/kernels.js';
import type { Engine, LoopSetting } from './engine.js';
import { OrtEngine } from './ort/engine.js';
import { WebGpuEngine, type WebGpuEngineOptions } from './webgpu/engine.js';
import { isUnavailable } from './webgpu/errors.js';
import { SparseEngine } from './sparse-attention/engine.js';
import type { Radius } from './sparse-attention/radius.js';

export type BackendChoice = 'auto' | 'cpu' | 'webgpu' | 'ort';

export interface EngineChoice {
  engine: Engine;
  /** A one-line notice to show the user (e.g. a fallback), if any. */
  notice?: string;
}

/** Which CPU loop runs f32: the fast kernel (default) or the reference's rounded loop. */
export type CpuKernel = 'fast' | 'reference';

/** dense: softmax over every visible key (the default); sparse: certified sparse attention (runtime/sparse-attention). */
export type AttentionMode = 'dense' | 'sparse';

export interface EngineOptions {
  webgpu?: WebGpuEngineOptions;
  /** The CPU engine's loop for f32 (default: fast where WebAssembly SIMD runs, else the reference). */
  cpuKernel?: CpuKernel;
  /** Threads of the fast CPU kernel (default: every core, at most 8). */
  cpuThreads?: number;
  /** sparse: the CPU sparse-attention engine (f32; the backend must be cpu or auto). */
  attention?: AttentionMode;
  /** Sparse attention's Hamming radius. */
  radius?: Radius;
  /** Looped models: the loop count to run (default: the model's own), or 'auto'; both engines. */
  loops?: LoopSetting;
}

/** Which CPU loop runs arithmetic `arith` when `cpuKernel` is asked for (undefined: the default). */
export function cpuKernelFor(arith: string, cpuKernel?: CpuKernel): CpuKernel {
  return parseArith(arith).kind === 'f32' && cpuKernel !== 'reference' && simdAvailable() ? 'fast' : 'reference';
}

/** Creates the engine for a model. */
export async function createEngine(model: Model, backend: BackendChoice, arith: string, opts: EngineOptions = {}): Promise<EngineChoice> {
  const a = parseArith(arith);
  if (opts.attention === 'sparse') {
    if (backend === 'webgpu' || backend === 'ort') throw new UserError(`sparse attention runs on the CPU engine, not on ${backend}`);
    if (opts.loops !== undefined) throw new UserError('sparse attention runs the chain-of-thought models, which have no loop');
    return { engine: new SparseEngine(model, a.name, opts.radius !== undefined ? { radius: opts.radius } : {}) };
  }
  const loops = opts.loops !== undefined ? { loops: opts.loops } : {};
  if (opts.cpuKernel === 'fast') refuseFastUnlessF32(a);
  const fast = cpuKernelFor(arith, opts.cpuKernel) === 'fast';
  if (opts.cpuKernel === 'fast' && !fast) throw new UserError('the fast CPU kernel needs WebAssembly SIMD and shared memory, which this JavaScript engine lacks');
  const cpu = (): Engine => (fast ? new FastCpuEngine(model, { ...loops, ...(opts.cpuThreads !== undefined ? { threads: opts.cpuThreads } : {}) }) : new CpuEngine(model, a, loops));
  const gpu = (): Promise<WebGpuEngine> => WebGpuEngine.create(model, a.name, { ...opts.webgpu, ...loops });
  if (backend === 'cpu') return { engine: cpu() };
  if (backend === 'ort') {
    if (a.kind !== 'f32') throw new UserError(`the onnxruntime backend runs f32 only, not ${a.name}: use the CPU reference (or WebGPU) for other arithmetics`);
    return { engine: await OrtEngine.create(model, loops) };
  }
  if (backend === 'webgpu') return { engine: await gpu() };
  if (a.kind !== 'f32' && a.kind !== 'f16') return { engine: cpu(), notice: `WebGPU runs f32 and f16 only: using the CPU reference for ${a.name}` };
  try {
    return { engine: await gpu() };
  } catch (e) {
    if (!isUnavailable(e)) throw e;
    const engine = cpu();
    return { engine, notice: `${e.message}: using the CPU ${engine instanceof FastCpuEngine ? 'fast f32 kernel' : 'reference'}` };
  }
}
