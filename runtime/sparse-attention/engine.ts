// The sparse-attention engine (`--attention sparse`): a CPU engine whose every argmax is the dense
// f32 reference's. Each position runs with each index head's softmax over the keys within Hamming
// radius r of the query's code (stepper.ts); where the argmax margin exceeds the bound on the
// logits' error, the argmax is certified to be the dense one. Where it does not, the position is
// run densely: by the same stepper over every visible key when every head's queries, keys and
// values read only coordinates that no layer writes (the positional models: their keys and values
// are then the dense run's, so one position can be recomputed alone), otherwise by running the
// whole sequence on the dense CPU reference. report() says how many positions the bound decided.

import { UserError } from '../../common/errors.js';
import type { Model } from '../../model/index.js';
import { parseArith } from '../arith.js';
import { CpuEngine } from '../cpu/engine.js';
import { prepare, type PreparedModel } from '../cpu/prepared.js';
import type { Engine, ForwardOptions, ForwardResult } from '../engine.js';
import { latent } from '../latent.js';
import { emptyReport, type SparseReport } from './report.js';
import { SparseStepper } from './stepper.js';
import { planHeads, type HeadPlan } from './structure.js';
import { DEFAULT_RADIUS, headRadius, type Radius } from './radius.js';
import { QueryCache } from './query-cache.js';


/** Undecided positions listed in the report (the count covers them all). */
const LISTED = 100;

export interface SparseEngineOptions {
  /** Hamming radius of the keys each index head scores (default auto: radius.ts). */
  radius?: Radius;
}

export class SparseEngine implements Engine {
  readonly backend = 'cpu' as const;
  readonly arith = 'f32';
  readonly description: string;
  readonly radius: Radius;
  readonly plans: HeadPlan[][];
  /** Every head reads only coordinates no layer writes: a position can be rerun densely alone. */
  readonly exactInputs: boolean;
  private readonly pm: PreparedModel;
  private dense: CpuEngine | undefined;
  private rep: SparseReport;
  /** Per head, its queries where they are the same in every run (query-cache.ts). */
  private readonly caches: (QueryCache | undefined)[][];
  /** Steppers kept for reuse, by batch size (their buffers fit sequences up to their length). */
  private readonly steppers = new Map<number, SparseStepper>();
  /** Sequences given so far (the report numbers them in this order). */
  private seen = 0;

  constructor(model: Model, arith = 'f32', opts: SparseEngineOptions = {}) {
    if (arith !== 'f32') throw new UserError(`sparse attention runs f32 (its error bound is f32's rounding), not ${arith}`);
    if (latent(model)) throw new UserError('sparse attention runs the chain-of-thought models (positional and uniform); a latent model (looped, deep) runs with dense attention');
    const r = opts.radius ?? DEFAULT_RADIUS;
    if (r !== 'auto' && (!Number.isInteger(r) || r < 0 || r > 31)) throw new UserError(`the radius must be auto or an integer from 0 to 31, got ${r}`);
    this.radius = r;
    this.pm = prepare(model, parseArith('f32'));
    this.plans = planHeads(this.pm);
    this.exactInputs = this.plans.every((L) => L.every((h) => h.exactInputs));
    this.caches = this.plans.map((L) => L.map((h) => (h.kind === 'index' && h.shared && h.exactInputs && h.dynamicBits === 0 ? new QueryCache() : undefined)));
    this.description = `CPU sparse attention (f32, radius ${r})`;
    this.rep = emptyReport(r, this.plans, this.plans.map((L) => L.map((h) => headRadius(r, h.lambda, h.codeRows.length))));
  }

  /** What the runs so far decided by the bound, and what ran densely. */
  report(): SparseReport {
    return this.rep;
  }

  /** A stepper for B sequences of length L: a kept one, reset, where it fits. */
  private stepper(B: number, L: number): SparseStepper {
    const kept = this.steppers.get(B);
    if (kept && kept.L >= L) {
      kept.reset();
      return kept;
    }
    const st = new SparseStepper(this.pm, this.plans, B, L, this.radius, this.caches);
    // a few MB at most are kept: small batches of short sequences are what repeats (fuzz, generation)
    if (B * L <= 1 << 16) this.steppers.set(B, st);
    return st;
  }

  private denseEngine(): CpuEngine {
    this.dense ??= new CpuEngine(this.pm.model, 'f32');
    return this.dense;
  }

  /** The bound's verdict at position i for every batch row (but those in `skip`): the undecided rows into und, their count. */
  private record(st: SparseStepper, i: number, seq0: number, und: Int32Array, skip?: Int32Array): number {
    const r = this.rep;
    let n = 0;
    for (let b = 0; b < st.B; b++) {
      if (skip && skip[b]! >= 0) continue;
      r.positions++;
      const m = st.margin[b]!;
      const bd = st.bound[b]!;
      if (m < r.minMargin) r.minMargin = m;
      if (bd > r.bound) r.bound = bd;
      if (st.slack[b]! < r.minSlack) r.minSlack = st.slack[b]!;
      if (st.decided[b]) continue;
      und[n++] = b;
      r.undecided++;
      if (r.undecidedAt.length < LISTED) r.undecidedAt.push({ sequence: seq0 + b, position: i });
    }
    return n;
  }

  private finishStats(st: SparseStepper): void {
    this.rep.queries += st.stats.queries;
    st.stats.headQueries.forEach((q, h) => {
      this.rep.headQueries[h]! += q;
      this.rep.headKeys[h]! += st.stats.headKeys[h]!;
    });
    this.rep.keysScored += st.stats.keysScored;
    this.rep.maxRho = Math.max(this.rep.maxRho, st.stats.maxRho);
    this.rep.noDominant += st.stats.noDominant;
  }

  forwardSync(seqs: Int32Array[], opts: ForwardOptions = {}): ForwardResult {
    if (seqs.length === 0) return { argmax: [] };
    const L = seqs[0]!.length;
    if (seqs.some((s) => s.length !== L)) throw new RangeError('forward needs sequences of equal length');
    if (opts.logits) throw new UserError('sparse attention reports argmax tokens, not logits');
    const B = seqs.length;
    const from = opts.argmaxFrom ?? 0;
    const to = opts.argmaxTo ?? L;
    const seq0 = this.seen;
    this.seen += B;
    const st = this.stepper(B, L);
    const argmax = seqs.map(() => new Int32Array(L));
    const toks = new Int32Array(B);
    const rerun: number[][] = [];
    const und = new Int32Array(B);
    for (let i = 0; i < L; i++) {
      if (opts.onProgress && (i & 4095) === 0) opts.onProgress(i / L);
      for (let b = 0; b < B; b++) toks[b] = seqs[b]![i]!;
      const decide = i >= from && i < to;
      st.step(i, toks, decide);
      for (let b = 0; b < B; b++) argmax[b]![i] = st.argmax[b]!;
      if (!decide) continue;
      const n = this.record(st, i, seq0, und);
      if (n > 0) rerun.push([i, ...und.subarray(0, n)]);
    }
    this.finishStats(st);
    if (rerun.length > 0) this.rerunDense(st, seqs, argmax, rerun);
    return { argmax };
  }

  /** Undecided positions, densely: alone where the model allows it (exactInputs), else whole sequences. */
  private rerunDense(st: SparseStepper, seqs: Int32Array[], argmax: Int32Array[], rerun: number[][]): void {
    const toks = new Int32Array(seqs.length);
    if (this.exactInputs) {
      for (const [i, ...rows] of rerun) {
        for (let b = 0; b < seqs.length; b++) toks[b] = seqs[b]![i!]!;
        st.step(i!, toks, true, true);
        for (const b of rows) argmax[b]![i!] = st.argmax[b]!;
        this.rep.denseRerun.positions += rows.length;
      }
      return;
    }
    const rows = [...new Set(rerun.flatMap(([, ...r]) => r))].sort((x, y) => x - y);
    const r = this.denseEngine().forwardSync(rows.map((b) => seqs[b]!));
    rows.forEach((b, k) => argmax[b]!.set(r.argmax[k]!));
    this.rep.denseRerun.sequences += rows.length;
  }

  generateSync(prompts: Int32Array[], steps: number): Int32Array[] {
    if (prompts.length === 0) return [];
    const P = prompts[0]!.length;
    if (P === 0 || prompts.some((s) => s.length !== P)) throw new RangeError('generate needs non-empty prompts of equal length');
    const B = prompts.length;
    const L = P + steps;
    const seq0 = this.seen;
    this.seen += B;
    const seqs: Int32Array[] = prompts.map((p) => {
      const s = new Int32Array(L);
      s.set(p);
      return s;
    });
    const st = this.stepper(B, L);
    const toks = new Int32Array(B);
    /** Rows handed to the dense reference from this position on (non-exact models). */
    const denseFrom = new Int32Array(B).fill(-1);
    const und = new Int32Array(B);
    for (let i = 0; i < L - 1; i++) {
      for (let b = 0; b < B; b++) toks[b] = seqs[b]![i]!;
      const decide = i >= P - 1;
      st.step(i, toks, decide);
      if (!decide) continue;
      const n = this.record(st, i, seq0, und, denseFrom);
      if (n > 0 && this.exactInputs) {
        st.step(i, toks, true, true);
        this.rep.denseRerun.positions += n;
      } else for (let k = 0; k < n; k++) denseFrom[und[k]!] = i;
      for (let b = 0; b < B; b++) seqs[b]![i + 1] = st.argmax[b]!;
    }
    this.finishStats(st);
    for (let b = 0; b < B; b++) {
      const i = denseFrom[b]!;
      if (i < 0) continue;
      const [s] = this.denseEngine().generateSync([seqs[b]!.slice(0, i + 1)], L - (i + 1));
      seqs[b] = s!;
      this.rep.denseRerun.sequences++;
    }
    return seqs;
  }

  forward(seqs: Int32Array[], opts: ForwardOptions = {}): Promise<ForwardResult> {
    return Promise.resolve(this.forwardSync(seqs, opts));
  }

  generate(prompts: Int32Array[], steps: number): Promise<Int32Array[]> {
    return Promise.resolve(this.generateSync(prompts, steps));
  }

  dispose(): void {
    this.dense?.dispose();
  }
}
