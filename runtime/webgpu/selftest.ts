// The WebGPU engine checked against the CPU reference on one small compiled circuit: teacher
// forcing (every position's argmax and logits) and generation. Used by `gatecot doctor`.

import type { Circuit } from '../../circuits/index.js';
import { compile } from '../../compiler/index.js';
import { bindModel, type CotFormat } from '../../model/index.js';
import { CpuEngine } from '../cpu/engine.js';
import { sampleInputs } from '../inputs.js';
import { promptOf, referenceSequences } from '../reference.js';
import { WebGpuEngine } from './engine.js';
import type { GpuContext } from './gpu.js';

export interface SelfTestResult {
  arith: string;
  /** The CoT format, or 'uniform' for the uniform model. */
  cot: CotFormat | 'uniform';
  seqLen: number;
  inputs: number;
  tokenMismatches: number;
  /** Largest |gpu - cpu| / max(|cpu|, 1) over every logit. */
  maxLogitDiff: number;
  generateMismatches: number;
  seconds: number;
  ok: boolean;
}

/** Tolerance on logits: f32 agrees to rounding; f16 to its 11-bit significand. */
export function logitTolerance(arith: string): number {
  return arith === 'f16' ? 2e-3 : 1e-4;
}

/** Checks the engines on circuit c compiled positionally in CoT format `cot`, or (uniform: true) in the prompt of the smallest uniform model that holds it. */
export async function selfTest(ctx: GpuContext, c: Circuit, cot: CotFormat, arith: 'f32' | 'f16', nInputs = 4, uniform = false): Promise<SelfTestResult> {
  const t0 = performance.now();
  const m = compile(c, uniform ? { mode: 'uniform' } : { cot });
  const bound = bindModel(m, uniform ? c : undefined);
  const inputs = sampleInputs(c.nInputs, nInputs, 7n).slice(0, nInputs);
  const seqs = referenceSequences(bound, inputs);
  const cpu = new CpuEngine(m, arith);
  const want = cpu.forwardSync(seqs, { logits: true });
  const prompts = inputs.map((x) => promptOf(bound, x));
  const wantGen = cpu.generateSync(prompts, bound.seq.cotLength);
  const gpu = await WebGpuEngine.create(m, arith, { context: ctx });
  try {
    const got = await gpu.forward(seqs, { logits: true });
    const gen = await gpu.generate(prompts, bound.seq.cotLength);
    let tokenMismatches = 0;
    let maxLogitDiff = 0;
    seqs.forEach((_, b) => {
      const a = got.argmax[b]!;
      const e = want.argmax[b]!;
      for (let i = 0; i < a.length; i++) if (a[i] !== e[i]) tokenMismatches++;
      const gl = got.logits![b]!;
      const cl = want.logits![b]!;
      for (let i = 0; i < gl.length; i++) maxLogitDiff = Math.max(maxLogitDiff, Math.abs(gl[i]! - cl[i]!) / Math.max(Math.abs(cl[i]!), 1));
    });
    let generateMismatches = 0;
    gen.forEach((s, b) => s.forEach((t, i) => (generateMismatches += t === wantGen[b]![i] ? 0 : 1)));
    const ok = tokenMismatches === 0 && generateMismatches === 0 && maxLogitDiff <= logitTolerance(arith);
    return { arith, cot: uniform ? 'uniform' : cot, seqLen: bound.seq.seqLen, inputs: nInputs, tokenMismatches, maxLogitDiff, generateMismatches, seconds: (performance.now() - t0) / 1000, ok };
  } finally {
    gpu.dispose();
  }
}
