// One pass over the positions that establishes the retrieval lemma (claim 2) and the
// all-inputs induction (claim 4), in the arithmetic the runtime uses.
//
// Why it covers every input at once: the layer-0 heads are position-only (W_Q and W_K read no
// coordinate a token embedding touches), so the attention weights α_ij are the same for every
// input and are computed once, exactly as the CPU reference computes them. By induction every
// earlier position holds its reference token; a position holding a wire's value holds "0" or
// "1", whatever the input. At position i we enumerate the values of the few wires that matter
// (the token at i, the tokens the heads attend to, the wires the next token depends on) and let
// every other position hold either bit. Each rounding used here (IEEE round-to-nearest, the
// paper's fixed and floating formats) is monotone, so evaluating each rounded sum at the ends of
// its terms' ranges, in the runtime's own order, gives exactly the least and greatest value it
// can take: the resulting intervals contain whatever the runtime computes. The right token must
// lead every other token's logit on the whole box.

import { argmax, rdivOf } from './kernels.js';
import { inductionStep, setup, type HeadRange, type Setup } from './induction.js';
import type { CertContext } from './context.js';
import { exactDiv, exactExp } from './exact.js';

export interface HeadStat {
  name: string;
  minTargetWeight: number;
  maxElsewhere: number;
  minMargin: number;
}

export interface SweepResult {
  supported: boolean;
  reason?: string;
  heads: HeadStat[];
  retrievalFailure?: { position: number; detail: string };
  /** Paper modes: every [exp] and softmax division checked against the exact value. */
  exactChecks: { values: number; mismatches: number; undecided: number; firstMismatch?: string };
  /** Fixed-point modes: the rounded exp is exactly 1 on every target and 0 elsewhere. */
  oneHot: boolean;
  margins: Float64Array;
  inductionFailure?: { position: number; detail: string };
  firstPosition: number;
}

export interface SweepOptions {
  onProgress?: (done: number, total: number) => void;
}

/** The result with nothing established yet, or why the model is outside what the certifier handles. */
export function emptyResult(ctx: CertContext): SweepResult {
  const first = ctx.P - 1;
  const margins = new Float64Array(Math.max(0, ctx.S - 1 - first)).fill(NaN);
  return { supported: true, heads: [], exactChecks: { values: 0, mismatches: 0, undecided: 0 }, oneHot: ctx.arith.kind === 'fixed', margins, firstPosition: first };
}

export function unsupportedReason(ctx: CertContext): string | undefined {
  const layers = ctx.pm.layers;
  if (layers.length !== 1) return `the certifier handles 1-layer models; this one has ${layers.length}`;
  if (!layers[0]!.heads.every((h) => h.positionOnly)) return 'a head reads token-embedding coordinates in its query or key: attention would depend on the input';
  return undefined;
}

/** Claim 4 at position i: runs the induction step and records its margin (and the first failure). */
export function recordInduction(res: SweepResult, s: Setup, i: number, ranges: HeadRange[]): void {
  const step = inductionStep(s, i, ranges);
  res.margins[i - res.firstPosition] = step.margin;
  if (!(step.margin > 0) && !res.inductionFailure) res.inductionFailure = { position: i, detail: `position ${i} (writing position ${i + 1}): ${step.detail}` };
}

/** Claim 2 at one (position, head): folds the target weight and the weight elsewhere into the head's statistics. */
export function recordRetrieval(st: HeadStat, target: number, elsewhere: number): void {
  st.minTargetWeight = Math.min(st.minTargetWeight, target);
  st.maxElsewhere = Math.max(st.maxElsewhere, elsewhere);
  st.minMargin = Math.min(st.minMargin, target - elsewhere);
}

/** Checks each [exp x] and [x / y] the runtime computes against exact arithmetic (paper modes). */
export class ExactChecker {
  private readonly exps = new Map<number, number>();
  private readonly divs = new Map<string, number>();
  constructor(
    private readonly ctx: CertContext,
    readonly out: SweepResult['exactChecks'],
  ) {}
  private get on(): boolean {
    return this.ctx.arith.kind === 'fixed' || this.ctx.arith.kind === 'float';
  }
  exp(x: number, got: number): void {
    if (!this.on || this.exps.has(x)) return;
    const ex = exactExp(this.ctx.arith, x);
    this.exps.set(x, ex.value);
    this.out.values++;
    if (!ex.decided) this.out.undecided++;
    if (ex.value !== got) {
      this.out.mismatches++;
      this.out.firstMismatch ??= `[exp ${x}] is ${ex.value} exactly, the runtime rounds it to ${got}`;
    }
  }
  div(x: number, y: number, got: number): void {
    const key = `${x}/${y}`;
    if (!this.on || this.divs.has(key)) return;
    const ex = exactDiv(this.ctx.arith, x, y);
    this.divs.set(key, ex);
    this.out.values++;
    if (ex !== got) {
      this.out.mismatches++;
      this.out.firstMismatch ??= `[${x} / ${y}] is ${ex} exactly, the runtime rounds it to ${got}`;
    }
  }
}

/** The exhaustive pass: every attention weight, as the runtime computes it (O(S^2 dk)). */
export function sweep(ctx: CertContext, opts: SweepOptions = {}): SweepResult {
  const res = emptyResult(ctx);
  const reason = unsupportedReason(ctx);
  if (reason) return { ...res, supported: false, reason };
  const { pm, S, arith } = ctx;
  const k = pm.k;
  const d = pm.d;
  const first = res.firstPosition;
  const s = setup(ctx);
  const heads = pm.layers[0]!.heads;
  const H = heads.length;
  const stats: HeadStat[] = heads.map((hd) => ({ name: hd.name, minTargetWeight: Infinity, maxElsewhere: 0, minMargin: Infinity }));
  const exact = new ExactChecker(ctx, res.exactChecks);
  const rdiv = rdivOf(arith);
  const q = new Float64Array(Math.max(...heads.map((h) => h.dk)));
  const scores = new Float64Array(S);
  const alpha = heads.map(() => new Float64Array(S));
  const hbuf = new Float64Array(d);
  const total = S - 1 - first;
  for (let i = first; i < S - 1; i++) {
    s.hOf(ctx.src[i]! < 0 ? -1 - ctx.src[i]! : ctx.t0, i, hbuf);
    const intended = ctx.seq.targets[0]!.map((t) => t[i]!);
    const ranges: HeadRange[] = [];
    for (let h = 0; h < H; h++) {
      const hd = heads[h]!;
      k.spmv(s.wq[h]!, hbuf, 0, q, 0);
      const kc = s.keys[h]!;
      for (let j = 0; j <= i; j++) scores[j] = k.dot(q, 0, kc, j * hd.dk, hd.dk);
      let shift = 0;
      if (arith.maxSubtract) {
        shift = -Infinity;
        for (let j = 0; j <= i; j++) if (scores[j]! > shift) shift = scores[j]!;
      }
      const al = alpha[h]!;
      let Z = 0;
      for (let j = 0; j <= i; j++) {
        const x = k.round(scores[j]! - shift);
        const e = k.round(Math.exp(x));
        exact.exp(x, e);
        al[j] = e;
        Z = k.round(Z + e);
      }
      for (let j = 0; j <= i; j++) {
        const w = rdiv(al[j]!, Z);
        exact.div(al[j]!, Z, w);
        al[j] = w;
      }
      const js = argmax(al, 0, i + 1);
      // claim 2 at (i, h)
      const t = intended[h] ?? js;
      let elsewhere = 0;
      let oneHot = al[t] === 1;
      for (let j = 0; j <= i; j++) {
        if (j === t) continue;
        elsewhere += al[j]!;
        if (al[j] !== 0) oneHot = false;
      }
      recordRetrieval(stats[h]!, al[t]!, elsewhere);
      if (!oneHot) res.oneHot = false;
      if (!res.retrievalFailure && (js !== t || al[t]! - elsewhere <= 0 || (arith.kind === 'fixed' && !oneHot))) {
        res.retrievalFailure = {
          position: i,
          detail: `head ${hd.name} at position ${i} should fetch position ${t} but puts weight ${al[t]} there and ${elsewhere} elsewhere (most on position ${js})`,
        };
      }
      // the head's output range for each token its attended position may hold
      const options = ctx.src[js]! < 0 ? 1 : 2;
      const r: HeadRange = { attended: js, lo: [], hi: [] };
      for (let slot = 0; slot < options; slot++) {
        const lo = new Float64Array(hd.dv);
        const hi = new Float64Array(hd.dv);
        for (let e = 0; e < hd.dv; e++) {
          let a = 0;
          let b = 0;
          const fixed = s.vals[h]![(js * 2 + slot) * hd.dv + e]!;
          const vl = s.vlo[h]!;
          const vh = s.vhi[h]!;
          for (let j = 0; j <= i; j++) {
            const w = al[j]!;
            a = k.round(a + k.round(w * (j === js ? fixed : vl[j * hd.dv + e]!)));
            b = k.round(b + k.round(w * (j === js ? fixed : vh[j * hd.dv + e]!)));
          }
          lo[e] = a;
          hi[e] = b;
        }
        r.lo.push(lo);
        r.hi.push(hi);
      }
      ranges.push(r);
    }
    recordInduction(res, s, i, ranges);
    if (opts.onProgress && (i - first) % 256 === 0) opts.onProgress(i - first, total);
  }
  opts.onProgress?.(total, total);
  res.heads = stats;
  return res;
}
