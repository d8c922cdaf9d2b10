// Choosing an executor: the CPU reference, or the WebGPU engine when an adapter exists.

import { UserError } from '../circuits/index.js';
import type { Model } from '../compiler/index.js';
import { parseArith } from './arith.js';
import { CpuEngine } from './cpu/engine.js';
import type { Engine } from './engine.js';

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

/** Creates the engine for a model. */
export async function createEngine(model: Model, backend: BackendChoice, arith: string): Promise<EngineChoice> {
  const a = parseArith(arith);
  if (backend === 'webgpu') throw new UserError('--backend webgpu: the WebGPU engine is not available in this build');
  if (backend === 'auto') return { engine: new CpuEngine(model, a), notice: 'no WebGPU engine in this build: using the CPU reference' };
  return { engine: new CpuEngine(model, a) };
}
