// Choosing an executor: the CPU reference, or the WebGPU engine when an adapter exists.
//   cpu     the CPU reference (every arithmetic mode)
//   webgpu  the WebGPU engine (f32, or f16 where the adapter offers shader-f16); no adapter, or
//           an arithmetic it does not run, is an error: never a silent fallback
//   auto    WebGPU when it is available here, else the CPU with a one-line notice. "Not
//           available" is no adapter, WebGPU disabled, or an arithmetic or feature it lacks
//           (fixed:s, f64, f16 without shader-f16): isUnavailable(). Any other WebGPU error (a
//           shader the driver rejects, validation, limits, out of memory, a lost device) is the
//           engine failing on this model: it propagates, never hidden behind the CPU.
// With attention 'sparse' (asked for by name, never chosen here on its own) the engine is the CPU
// sparse-attention engine (runtime/sparse-attention), whatever auto would pick.

import { UserError } from '../common/errors.js';
import type { Model } from '../model/index.js';
import { parseArith } from './arith.js';
import { CpuEngine } from './cpu/engine.js';
import type { Engine, LoopSetting } from './engine.js';
import { WebGpuEngine, type WebGpuEngineOptions } from './webgpu/engine.js';
import { isUnavailable } from './webgpu/errors.js';
import { SparseEngine } from './sparse-attention/engine.js';
import type { Radius } from './sparse-attention/radius.js';

export type BackendChoice = 'auto' | 'cpu' | 'webgpu';

export function parseBackend(s: string | undefined): BackendChoice {
  if (s === undefined) return 'cpu';
  if (s === 'auto' || s === 'cpu' || s === 'webgpu') return s;
  throw new UserError(`--backend must be auto, cpu or webgpu, got '${s}'`);
}

export interface EngineChoice {
  engine: Engine;
  /** A one-line notice to show the user (e.g. a fallback), if any. */
  notice?: string;
}

/** dense: softmax over every visible key (the default); sparse: certified sparse attention (runtime/sparse-attention). */
export type AttentionMode = 'dense' | 'sparse';

export function parseAttention(s: string | undefined): AttentionMode {
  if (s === undefined || s === 'dense' || s === 'sparse') return s ?? 'dense';
  throw new UserError(`--attention must be dense or sparse, got '${s}'`);
}

export interface EngineOptions {
  webgpu?: WebGpuEngineOptions;
  /** sparse: the CPU sparse-attention engine (f32; the backend must be cpu or auto). */
  attention?: AttentionMode;
  /** Sparse attention's Hamming radius. */
  radius?: Radius;
  /** Looped models: the loop count to run (default: the model's own), or 'auto'; both engines. */
  loops?: LoopSetting;
}

/** Creates the engine for a model. */
export async function createEngine(model: Model, backend: BackendChoice, arith: string, opts: EngineOptions = {}): Promise<EngineChoice> {
  const a = parseArith(arith);
  if (opts.attention === 'sparse') {
    if (backend === 'webgpu') throw new UserError('sparse attention runs on the CPU: use --backend cpu (or auto)');
    if (opts.loops !== undefined) throw new UserError('sparse attention runs the chain-of-thought models, which have no loop');
    return { engine: new SparseEngine(model, a.name, opts.radius !== undefined ? { radius: opts.radius } : {}) };
  }
  const loops = opts.loops !== undefined ? { loops: opts.loops } : {};
  const cpu = (): CpuEngine => new CpuEngine(model, a, loops);
  const gpu = (): Promise<WebGpuEngine> => WebGpuEngine.create(model, a.name, { ...opts.webgpu, ...loops });
  if (backend === 'cpu') return { engine: cpu() };
  if (backend === 'webgpu') return { engine: await gpu() };
  if (a.kind !== 'f32' && a.kind !== 'f16') return { engine: cpu(), notice: `WebGPU runs f32 and f16 only: using the CPU reference for --arith ${a.name}` };
  try {
    return { engine: await gpu() };
  } catch (e) {
    if (!isUnavailable(e)) throw e;
    return { engine: cpu(), notice: `${e.message}: using the CPU reference` };
  }
}
