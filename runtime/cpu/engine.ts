// The CPU reference engine: the stepper over batches of sequences.

import { loopCount, type Model } from '../../model/index.js';
import { parseArith, type Arith } from '../arith.js';
import type { Engine, ForwardOptions, ForwardResult, LoopSetting } from '../engine.js';
import { autoLimit, latent } from '../latent.js';
import { forwardLayerMajor } from './layer-major.js';
import { prepare, type PreparedModel } from './prepared.js';
import { CpuStepper } from './stepper.js';

/** Sequences per stepper batch (bounds the KV cache memory). */
const MAX_BATCH = 64;

export class CpuEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly arith: string;
  readonly description: string;
  readonly prepared: PreparedModel;
  /** With { profile: true }: seconds spent attending over positions in the last forwardSync. */
  lastAttentionSeconds: number | undefined;
  private readonly profile: boolean;

  /** Looped models: the loop setting this engine runs (the model's own count when not given). */
  readonly loops: LoopSetting | undefined;

  constructor(model: Model, arith: Arith | string = 'f32', opts: { profile?: boolean; loops?: LoopSetting } = {}) {
    const a = typeof arith === 'string' ? parseArith(arith) : arith;
    this.arith = a.name;
    this.description = `CPU reference (${a.name})`;
    this.loops = opts.loops;
    this.prepared = prepare(model, a, typeof opts.loops === 'number' ? { loops: opts.loops } : {});
    if (opts.loops === 'auto') loopCount(model.meta, 1); // refuses 'auto' for a model without a loop
    this.profile = Boolean(opts.profile);
  }

  forwardSync(seqs: Int32Array[], opts: ForwardOptions = {}): ForwardResult {
    if (seqs.length > 0 && latent(this.prepared.model)) return this.forwardLatent(seqs, opts);
    const argmax = seqs.map((s) => new Int32Array(s.length));
    const logits = opts.logits ? seqs.map((s) => new Float32Array(s.length * this.prepared.V)) : undefined;
    const profile = this.profile ? { attentionMs: 0 } : undefined;
    for (let b0 = 0; b0 < seqs.length; b0 += MAX_BATCH) {
      const batch = seqs.slice(b0, b0 + MAX_BATCH);
      const L = batch[0]!.length;
      if (batch.some((s) => s.length !== L)) throw new RangeError('forward needs sequences of equal length');
      const st = new CpuStepper(this.prepared, batch.length, L, profile ? { profile } : {});
      const toks = new Int32Array(batch.length);
      const V = this.prepared.V;
      const lg = logits ? new Float64Array(batch.length * V) : undefined;
      for (let i = 0; i < L; i++) {
        if (opts.onProgress && (i & 63) === 0) opts.onProgress((b0 + (batch.length * i) / L) / seqs.length);
        for (let b = 0; b < batch.length; b++) toks[b] = batch[b]![i]!;
        const am = st.step(i, toks, lg);
        for (let b = 0; b < batch.length; b++) {
          argmax[b0 + b]![i] = am[b]!;
          if (lg && logits) for (let v = 0; v < V; v++) logits[b0 + b]![i * V + v] = lg[b * V + v]!;
        }
      }
    }
    this.lastAttentionSeconds = profile ? profile.attentionMs / 1000 : undefined;
    return logits ? { argmax, logits } : { argmax };
  }

  /** Layer by layer (runtime/cpu/layer-major.ts): models without CoT and looped models. */
  private forwardLatent(seqs: Int32Array[], opts: { logits?: boolean }): ForwardResult {
    const argmax: Int32Array[] = [];
    const logits: Float32Array[] = [];
    const loops: number[] = [];
    const auto = this.loops === 'auto' ? { maxLoops: autoLimit(this.prepared.model, seqs[0]!.length) } : undefined;
    for (let b0 = 0; b0 < seqs.length; b0 += MAX_BATCH) {
      const batch = seqs.slice(b0, b0 + MAX_BATCH);
      if (batch.some((s) => s.length !== batch[0]!.length)) throw new RangeError('forward needs sequences of equal length');
      const r = forwardLayerMajor(this.prepared, batch, { ...(opts.logits ? { logits: true } : {}), ...(auto ? { auto } : {}) });
      argmax.push(...r.argmax);
      if (r.logits) logits.push(...r.logits);
      if (r.loops) loops.push(...r.loops);
    }
    return { argmax, ...(opts.logits ? { logits } : {}), ...(auto ? { loops } : {}) };
  }

  generateSync(prompts: Int32Array[], steps: number, opts: { onProgress?: (fraction: number) => void } = {}): Int32Array[] {
    const out: Int32Array[] = [];
    for (let b0 = 0; b0 < prompts.length; b0 += MAX_BATCH) {
      const batch = prompts.slice(b0, b0 + MAX_BATCH);
      const P = batch[0]!.length;
      if (P === 0 || batch.some((s) => s.length !== P)) throw new RangeError('generate needs non-empty prompts of equal length');
      const seqs = batch.map((p) => {
        const s = new Int32Array(P + steps);
        s.set(p);
        return s;
      });
      const st = new CpuStepper(this.prepared, batch.length, P + steps);
      const toks = new Int32Array(batch.length);
      for (let i = 0; i < P + steps - 1; i++) {
        if (opts.onProgress && (i & 63) === 0) opts.onProgress((b0 + (batch.length * i) / (P + steps)) / prompts.length);
        for (let b = 0; b < batch.length; b++) toks[b] = seqs[b]![i]!;
        const am = st.step(i, toks);
        if (i >= P - 1) for (let b = 0; b < batch.length; b++) seqs[b]![i + 1] = am[b]!;
      }
      out.push(...seqs);
    }
    return out;
  }

  forward(seqs: Int32Array[], opts: ForwardOptions = {}): Promise<ForwardResult> {
    return Promise.resolve(this.forwardSync(seqs, opts));
  }

  generate(prompts: Int32Array[], steps: number, opts: { onProgress?: (fraction: number) => void } = {}): Promise<Int32Array[]> {
    return Promise.resolve(this.generateSync(prompts, steps, opts));
  }

  dispose(): void {}
}
