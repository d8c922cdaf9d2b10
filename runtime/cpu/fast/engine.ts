// The CPU backend's fast f32 kernel: the same transformer and the same numbers as the CPU
// reference in f32 (every product and partial sum rounded to f32, in the same order: its tokens
// and logits are bit for bit the reference's; test/cpu-fast.test.ts), computed with f32 storage,
// WebAssembly SIMD score blocks, a position-only head's scores once per batch, exp only where it
// is not exactly 0, and worker threads across query blocks. Dense softmax attention over every
// visible position, as the reference. The paper's rounded formats (fixed:s, float:e,s), f64, f16,
// proofs and certificates keep the reference loop (runtime/cpu/engine.ts).

import { loopCount, type Model } from '../../../model/index.js';
import { UserError } from '../../../common/errors.js';
import { parseArith, type Arith } from '../../arith.js';
import type { Engine, ForwardOptions, ForwardResult, LoopSetting } from '../../engine.js';
import { autoLimit, latent } from '../../latent.js';
import { CpuEngine } from '../engine.js';
import { prepare, type PreparedModel } from '../prepared.js';
import { fastForward, simdReadout, type SimdReadout } from './forward.js';
import { fastGenerate } from './generate.js';
import { defaultThreads, fastRuntime, type FastRuntime } from './pool.js';

/** Sequences per generation batch (the reference's bound). */
const MAX_BATCH = 64;

export interface FastEngineOptions {
  loops?: LoopSetting;
  /** Threads (this one and worker threads; default: every core, at most 8). */
  threads?: number;
}

/** Refuses the fast kernel for an arithmetic other than f32 (one line, by value). */
export function refuseFastUnlessF32(a: Arith): void {
  if (a.kind !== 'f32') throw new UserError(`the fast CPU kernel runs f32 only (${a.name} runs on the reference loop, whose rounding is its point)`);
}

/** What the fast kernel says it is (an engine's description). */
export function fastKernelDescription(threads: number): string {
  return `CPU fast f32 kernel (WebAssembly SIMD, ${threads} thread${threads > 1 ? 's' : ''}; the reference's numbers bit for bit)`;
}

export class FastCpuEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly arith = 'f32';
  readonly description: string;
  readonly prepared: PreparedModel;
  readonly loops: LoopSetting | undefined;
  private readonly rt: FastRuntime;
  private readonly readout: SimdReadout | undefined;
  private reference: CpuEngine | undefined;
  /** Seconds the last forwardSync spent in attention (scores, softmax, value sums; all threads' wall time). */
  lastAttentionSeconds: number | undefined;

  constructor(model: Model, opts: FastEngineOptions = {}) {
    this.loops = opts.loops;
    this.prepared = prepare(model, parseArith('f32'), typeof opts.loops === 'number' ? { loops: opts.loops } : {});
    if (opts.loops === 'auto') loopCount(model.meta, 1); // refuses 'auto' for a model without a loop
    this.rt = fastRuntime(Math.max(1, Math.floor(opts.threads ?? defaultThreads())));
    this.readout = simdReadout(this.prepared);
    const gen = latent(model) ? '; generate() of this latent model runs the reference loop' : '';
    this.description = fastKernelDescription(this.rt.threads) + gen;
  }

  forwardSync(seqs: Int32Array[], opts: ForwardOptions = {}): ForwardResult {
    if (seqs.length === 0) return { argmax: [], ...(opts.logits ? { logits: [] } : {}) };
    const L = seqs[0]!.length;
    if (seqs.some((s) => s.length !== L)) throw new RangeError('forward needs sequences of equal length');
    const auto = this.loops === 'auto' && latent(this.prepared.model) ? { maxLoops: autoLimit(this.prepared.model, L) } : undefined;
    const a0 = this.rt.attentionMs;
    try {
      return fastForward(this.rt, this.prepared, this.readout, seqs, { ...(opts.logits ? { logits: true } : {}), ...(auto ? { auto } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    } finally {
      this.lastAttentionSeconds = (this.rt.attentionMs - a0) / 1000;
    }
  }

  generateSync(prompts: Int32Array[], steps: number, opts: { onProgress?: (fraction: number) => void } = {}): Int32Array[] {
    if (latent(this.prepared.model)) {
      this.reference ??= new CpuEngine(this.prepared.model, 'f32', this.loops !== undefined ? { loops: this.loops } : {});
      return this.reference.generateSync(prompts, steps, opts);
    }
    const out: Int32Array[] = [];
    for (let b0 = 0; b0 < prompts.length; b0 += MAX_BATCH) {
      const batch = prompts.slice(b0, b0 + MAX_BATCH);
      const P = batch[0]!.length;
      if (P === 0 || batch.some((s) => s.length !== P)) throw new RangeError('generate needs non-empty prompts of equal length');
      const progress = opts.onProgress;
      out.push(...fastGenerate(this.rt, this.prepared, this.readout, batch, steps, progress ? (f) => progress((b0 + f * batch.length) / prompts.length) : undefined));
    }
    return out;
  }

  forward(seqs: Int32Array[], opts: ForwardOptions = {}): Promise<ForwardResult> {
    try {
      return Promise.resolve(this.forwardSync(seqs, opts));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  generate(prompts: Int32Array[], steps: number, opts: { onProgress?: (fraction: number) => void } = {}): Promise<Int32Array[]> {
    try {
      return Promise.resolve(this.generateSync(prompts, steps, opts));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The threads and memory are the process's (pool.ts), kept for the next engine. */
  dispose(): void {}
}
