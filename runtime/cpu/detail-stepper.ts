// The stepper that computes a trace's details (runtime/trace.ts): the fast f32 kernel's
// (runtime/cpu/fast/generate.ts, the reference's numbers bit for bit) for f32 unless the
// reference loop is asked for; the CPU reference's for every other arithmetic.

import type { Model } from '../../model/index.js';
import type { Arith } from '../arith.js';
import { fastKernelDescription, refuseFastUnlessF32 } from './fast/engine.js';
import { simdReadout } from './fast/forward.js';
import { FastStepper } from './fast/generate.js';
import { simdAvailable } from './fast/kernels.js';
import { defaultThreads, fastRuntime } from './fast/pool.js';
import { prepare } from './prepared.js';
import { CpuStepper, type PositionDetail } from './stepper.js';

export interface DetailStepper {
  step(i: number, tokens: ArrayLike<number>): Int32Array;
  dispose(): void;
  /** Which CPU loop computes the details (the engine's description). */
  description: string;
}

export interface DetailKernel {
  /** Default: fast for f32 where WebAssembly SIMD runs. 'fast' with another arithmetic is refused. */
  kernel?: 'fast' | 'reference';
  threads?: number;
}

export function detailStepper(model: Model, arith: Arith, maxLen: number, opts: { traceAt: (i: number) => boolean; onTrace: (d: PositionDetail) => void }, k: DetailKernel = {}): DetailStepper {
  if (k.kernel === 'fast') refuseFastUnlessF32(arith);
  const pm = prepare(model, arith);
  if (arith.kind === 'f32' && k.kernel !== 'reference' && simdAvailable()) {
    const rt = fastRuntime(k.threads ?? defaultThreads());
    const st = new FastStepper(rt, pm, simdReadout(pm), 1, maxLen, opts);
    return { step: (i, t) => st.step(i, t), dispose: () => st.dispose(), description: fastKernelDescription(rt.threads) };
  }
  const st = new CpuStepper(pm, 1, maxLen, { ...opts, detailViews: true });
  return { step: (i, t) => st.step(i, t), dispose: () => {}, description: `CPU reference (${arith.name})` };
}
