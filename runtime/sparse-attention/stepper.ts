// The sparse-attention transformer, one position at a time over a batch (causal: a position's key
// joins its head's index before its query looks). The arithmetic is the CPU reference's f32
// (runtime/cpu/stepper.ts), operation for operation and in the same order: embedding, per head the
// value, key and query through the nonzeros of W_V, W_K, W_Q, softmax (row maximum subtracted,
// exponentials below the f32 underflow skipped) and the weighted sum in increasing position order,
// W_O, the residual adds, the feed-forward layer, the unembedding, argmax with ties to the lowest
// id. The one difference: an index head's softmax runs over the keys within Hamming radius r of
// the query's code (code-index.ts) instead of every visible key. Beside every value the stepper
// carries an interval that holds the dense run's value (bounds.ts), so that at each position the
// argmax is certified to be the dense run's when its logit's interval lies above every other's.
// With `all` a position runs every head over every visible key: the dense computation itself.

import { expZeroBound } from '../cpu/kernels.js';
import type { PreparedModel } from '../cpu/prepared.js';
import type { Csr } from '../cpu/sparse.js';
import { downF32, gamma, hullSlack, pins, upF32 } from './bounds.js';
import { DenseSoftmax } from './dense-softmax.js';
import { layerColumns } from '../position-only.js';
import { CodeIndex, radiusMasks } from './code-index.js';
import { headRadius, type Radius } from './radius.js';
import type { QueryCache } from './query-cache.js';
import type { StepStats } from './report.js';
import type { HeadPlan } from './structure.js';

const fr = Math.fround;

/** A query gathers at most CAP_BASE + CAP_PER_MASK · (codes it looks up) candidates. */
const CAP_BASE = 16;
const CAP_PER_MASK = 2;

/** See HeadState.exactDots. */
function exactDots(plan: HeadPlan, dk: number): boolean {
  const l = plan.lambda;
  if (!(l > 0) || !plan.constVals.every((v) => v === 0 || Math.abs(v) === l)) return false;
  for (let m = 0; m <= dk; m++) if (fr(l * m) !== l * m) return false;
  return true;
}

/** q is ±1 on every code row and 1 on every constant row. */
function canonicalQuery(q: Float64Array, plan: HeadPlan): boolean {
  const cr = plan.codeRows;
  for (let c = 0; c < cr.length; c++) {
    const x = q[cr[c]!]!;
    if (x !== 1 && x !== -1) return false;
  }
  const k = plan.constRows;
  for (let c = 0; c < k.length; c++) if (q[k[c]!] !== 1) return false;
  return true;
}

/** Every q_t is -1, 0 or 1. */
function unitQuery(q: Float64Array, dk: number): boolean {
  for (let t = 0; t < dk; t++) {
    const x = q[t]!;
    if (x !== 1 && x !== -1 && x !== 0) return false;
  }
  return true;
}

function popcount(x: number): number {
  let n = 0;
  for (let y = x; y !== 0; y &= y - 1) n++;
  return n;
}

/** In place: a[0..n) in increasing order (insertion sort: n is small). */
function sortSmall(a: Int32Array | Float64Array, n: number): void {
  for (let x = 1; x < n; x++) {
    const v = a[x]!;
    let y = x - 1;
    while (y >= 0 && a[y]! > v) {
      a[y + 1] = a[y]!;
      y--;
    }
    a[y + 1] = v;
  }
}

interface HeadState {
  plan: HeadPlan;
  /** Index among all heads, layer by layer. */
  flat: number;
  dk: number;
  dv: number;
  wq: Csr;
  wk: Csr;
  wv: Csr;
  wo: Csr;
  /** Rows of W_O with a nonzero (the coordinates this head writes). */
  outRows: Int32Array;
  keyRows: number;
  /** Keys, position-major: key row kr, position j, coordinate t at ((kr * L + j) * dk + t); not
   *  kept for staticKeys heads (their codes say all the index needs; keyInto recomputes a key). */
  kc: Float32Array;
  /** Values: batch row b, position j, coordinate e at ((b * L + j) * dv + e); the enclosures of the
   *  dense run's (absent when the head's inputs are exact: then so are its values). */
  vc: Float32Array;
  vlo: Float64Array | undefined;
  vhi: Float64Array | undefined;
  index: CodeIndex[];
  masks: Int32Array;
  /** The radius the masks cover (at most the number of code bits). */
  radius: number;
  /** Most candidates a query gathers (gather). */
  cap: number;
  /** The engine's cache of this head's queries (shared heads with exact inputs and static keys). */
  cache: QueryCache | undefined;
  /** omittedScoreBound of canonical queries (canonicalQuery) by distance, once known. */
  uCache: (number | undefined)[];
  /** Each key's code (key row kr, position j at kr * L + j). */
  codes: Int32Array;
  /** Every key is ±λ on the code rows and the same on the others (an index head whose key rows
   *  read no coordinate a layer writes): a score is const + λ(Σ|q_i| − 2 Σ_{i differing}|q_i|). */
  staticKeys: boolean;
  /** Every constant key value is 0 or ±λ and f32 holds λ·m for |m| <= dk: with unit queries
   *  (every q_t in {-1, 0, 1}) the f32 dot products are exact, so the code scores are the
   *  reference's own numbers. */
  exactDots: boolean;
  /** Per key row: the largest |k_t| of the dense keys so far; per code bit, the smallest and largest
   *  |k| of the dense keys whose code is certain (every code row's enclosure on one side of 0). */
  kAbs: Float64Array;
  cMin: Float64Array;
  cMax: Float64Array;
  /** Keys computed from coordinates that layers write: each coordinate's error bound (key row kr,
   *  position j, coordinate t at ((kr * L + j) * dk + t)). */
  kErrs: Float64Array | undefined;
  /** Per key row, the positions whose code the dense run may not share (kept out of the index,
   *  scored by every query), and how many. */
  uncertain: Int32Array[];
  nUncertain: Int32Array;
  /** Per batch row and value coordinate: the hull of the dense values so far (min lo, max hi). */
  vLo: Float64Array;
  vHi: Float64Array;
}

function nonzeroRows(A: Csr): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < A.rows; r++) if (A.ptr[r + 1]! > A.ptr[r]!) rows.push(r);
  return Int32Array.from(rows);
}

/** out[o + r] = Σ W x through the nonzeros, f32 (the reference's spmv); with `rows`, those rows only. */
function spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array | Float32Array, o: number, rows?: Int32Array): void {
  const { ptr, idx, val } = A;
  const n = rows ? rows.length : A.rows;
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k]! : k;
    let acc = 0;
    for (let p = ptr[r]!, end = ptr[r + 1]!; p < end; p++) acc = fr(acc + fr(val[p]! * x[xo + idx[p]!]!));
    out[o + r] = acc;
  }
}

/**
 * Enclosures of the dense run's rows of A x from the inputs' enclosures [lo, hi] (f32 ends; y: the
 * sparse run's rows, already computed): the same rounded number where every input on the row is
 * exact, else the reference's own f32 products and left-to-right sums applied to the ends
 * (rounding is monotone), so that terms below half an ulp vanish as they do in the dense run.
 */
function spmvEnclosure(A: Csr, lo: ArrayLike<number>, hi: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number, outLo: Float64Array, outHi: Float64Array, o: number, rows?: Int32Array): void {
  const { ptr, idx, val } = A;
  const n = rows ? rows.length : A.rows;
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k]! : k;
    const end = ptr[r + 1]!;
    let exact = true;
    for (let p = ptr[r]!; p < end; p++) if (lo[xo + idx[p]!] !== hi[xo + idx[p]!]) { exact = false; break; }
    if (exact) {
      outLo[o + r] = outHi[o + r] = y[yo + r]!;
      continue;
    }
    let al = 0;
    let ah = 0;
    for (let p = ptr[r]!; p < end; p++) {
      const w = val[p]!;
      const a = lo[xo + idx[p]!]!;
      const b = hi[xo + idx[p]!]!;
      al = fr(al + fr(w >= 0 ? w * a : w * b));
      ah = fr(ah + fr(w >= 0 ? w * b : w * a));
    }
    outLo[o + r] = al;
    outHi[o + r] = ah;
  }
}

export class SparseStepper {
  readonly B: number;
  readonly L: number;
  private readonly pm: PreparedModel;
  private readonly d: number;
  private readonly heads: HeadState[][];
  private readonly layerRows: Int32Array[];
  private readonly ffRows: Int32Array[];
  private readonly zeroBelow = expZeroBound(fr);
  /** Every row's tokens so far (row b, position j at b * L + j). */
  private readonly toks: Int32Array;
  /** Columns some token embedding row sets (anything but +0); the current position's embedding row. */
  private readonly tokCols: Int32Array;
  /** Rows of W_U reading only columns that no token sets and no layer writes (the same logit in
   *  every batch row), the others; the shared rows' logits at the current position. */
  private readonly uShared: Int32Array;
  private readonly uVarying: Int32Array;
  private readonly sharedLogits: Float64Array;
  /** markDuplicates: its columns, each row's representative (-1: itself), the representatives. */
  private readonly finalCols: Int32Array;
  private readonly dup: Int32Array;
  private readonly reps: Int32Array;
  private readonly prow: Float64Array;
  /** Each vector of the sparse run and the enclosure [lo, hi] of the dense run's. */
  private readonly h: Float64Array;
  private readonly hlo: Float64Array;
  private readonly hhi: Float64Array;
  private readonly acc: Float64Array;
  private readonly alo: Float64Array;
  private readonly ahi: Float64Array;
  private readonly q: Float64Array;
  private readonly qlo: Float64Array;
  private readonly qhi: Float64Array;
  private readonly kt: Float64Array;
  private readonly klo: Float64Array;
  private readonly khi: Float64Array;
  private readonly a: Float64Array;
  private readonly aLo: Float64Array;
  private readonly aHi: Float64Array;
  private readonly o: Float64Array;
  private readonly olo: Float64Array;
  private readonly ohi: Float64Array;
  private readonly z: Float64Array;
  private readonly zlo: Float64Array;
  private readonly zhi: Float64Array;
  private readonly f: Float64Array;
  private readonly flo: Float64Array;
  private readonly fhi: Float64Array;
  private readonly cand: Int32Array;
  private readonly scores: Float64Array;
  private readonly probs: Float64Array;
  private readonly sorted: Float64Array;
  private readonly ds: DenseSoftmax;
  /** The sparse softmax's exps (row maximum subtracted), and with its weights for DenseSoftmax.run. */
  private readonly ex: Float64Array;
  private readonly sameSoftmax: { e: Float64Array; p: Float64Array };
  private readonly logits: Float64Array;
  private readonly llo: Float64Array;
  private readonly lhi: Float64Array;
  /** gather's results: the fewest code bits in which an omitted key can differ from the query; the query's code. */
  private omitDist = 0;
  private qcode = 0;
  /** |q| on each code row (structured scores). */
  private readonly qa = new Float64Array(32);
  /** roundedSum's result. */
  private rlo = 0;
  private rhi = 0;
  readonly stats: StepStats;
  /** Per batch row, after step(): the argmax, its margin over the next logit, the bound on that
   *  margin's error, and whether the margin exceeds it (the argmax is the dense run's). */
  readonly argmax: Int32Array;
  readonly margin: Float64Array;
  readonly bound: Float64Array;
  /** The argmax's lowest dense logit less the highest other (> 0: decided). */
  readonly slack: Float64Array;
  readonly decided: Uint8Array;

  constructor(pm: PreparedModel, plans: HeadPlan[][], batch: number, maxLen: number, radius: Radius, caches?: (QueryCache | undefined)[][]) {
    this.pm = pm;
    this.B = batch;
    this.L = maxLen;
    const d = pm.d;
    this.d = d;
    this.heads = pm.distinct.map((layer, l) =>
      layer.heads.map((hd, hi): HeadState => {
        const plan = plans[l]![hi]!;
        const keyRows = plan.shared ? 1 : batch;
        const n = plan.codeRows.length;
        const r = headRadius(radius, plan.lambda, n);
        const masks = plan.kind === 'index' ? radiusMasks(n, r) : new Int32Array(0);
        return {
          plan,
          flat: plans.slice(0, l).reduce((x, L) => x + L.length, 0) + hi,
          dk: hd.dk,
          dv: hd.dv,
          ...hd.sparse,
          outRows: nonzeroRows(hd.sparse.wo),
          keyRows,
          kc: new Float32Array(plan.kind === 'index' && plan.dynamicBits === 0 ? 0 : keyRows * maxLen * hd.dk),
          vc: new Float32Array(batch * maxLen * hd.dv),
          vlo: plan.exactInputs ? undefined : new Float64Array(batch * maxLen * hd.dv),
          vhi: plan.exactInputs ? undefined : new Float64Array(batch * maxLen * hd.dv),
          index: plan.kind === 'index' ? Array.from({ length: keyRows }, () => new CodeIndex(n, maxLen)) : [],
          masks,
          radius: r,
          cap: CAP_BASE + CAP_PER_MASK * masks.length,
          uCache: [],
          cache: caches?.[l]?.[hi],
          codes: new Int32Array(plan.kind === 'index' ? keyRows * maxLen : 0),
          staticKeys: plan.kind === 'index' && plan.dynamicBits === 0,
          exactDots: exactDots(plan, hd.dk),
          kAbs: new Float64Array(keyRows * hd.dk),
          kErrs: plan.exactInputs || (plan.kind === 'index' && plan.dynamicBits === 0) ? undefined : new Float64Array(keyRows * maxLen * hd.dk),
          uncertain: Array.from({ length: keyRows }, () => new Int32Array(plan.exactInputs ? 0 : maxLen)),
          nUncertain: new Int32Array(keyRows),
          cMin: new Float64Array(keyRows * n).fill(Infinity),
          cMax: new Float64Array(keyRows * n),
          vLo: new Float64Array(batch * hd.dv).fill(Infinity),
          vHi: new Float64Array(batch * hd.dv).fill(-Infinity),
        };
      }),
    );
    const nh = this.heads.flat().length;
    this.stats = { queries: 0, keysScored: 0, headQueries: new Array<number>(nh).fill(0), headKeys: new Array<number>(nh).fill(0), maxRho: 0, noDominant: 0 };
    this.layerRows = this.heads.map((hs) => Int32Array.from(new Set(hs.flatMap((h) => Array.from(h.outRows))), (x) => x).sort());
    this.ffRows = pm.distinct.map((L) => {
      const rows = new Set(Array.from(nonzeroRows(L.sparse.w2)));
      L.b2.forEach((x, c) => x !== 0 && rows.add(c));
      return Int32Array.from(rows).sort();
    });
    const dk = Math.max(1, ...pm.distinct.flatMap((L) => L.heads.map((hd) => hd.dk)));
    const dv = Math.max(1, ...pm.distinct.flatMap((L) => L.heads.map((hd) => hd.dv)));
    const m = Math.max(1, ...pm.distinct.map((L) => L.m));
    this.toks = new Int32Array(batch * maxLen);
    const tokCols = new Set<number>();
    for (let x = 0; x < pm.tok.length; x++) if (!Object.is(pm.tok[x], 0)) tokCols.add(x % d);
    this.tokCols = Int32Array.from(tokCols).sort();
    const written = layerColumns(pm.model);
    const U = pm.sparse.unembed;
    const sharedRow = (r: number): boolean => {
      for (let p = U.ptr[r]!; p < U.ptr[r + 1]!; p++) if (written[U.idx[p]!] || tokCols.has(U.idx[p]!)) return false;
      return true;
    };
    const vs = Array.from({ length: pm.V }, (_, v) => v);
    this.uShared = Int32Array.from(vs.filter(sharedRow));
    this.uVarying = Int32Array.from(vs.filter((v) => !sharedRow(v)));
    this.sharedLogits = new Float64Array(pm.V);
    const last = pm.distinct[pm.distinct.length - 1];
    const cols = new Set<number>();
    if (last) {
      for (const c of last.sparse.w1.idx) cols.add(c);
      nonzeroRows(last.sparse.w2).forEach((c) => cols.add(c));
      last.b2.forEach((x, c) => x !== 0 && cols.add(c));
    }
    for (const c of U.idx) cols.add(c);
    this.finalCols = Int32Array.from([...cols].filter((c) => written[c] || tokCols.has(c))).sort();
    this.dup = new Int32Array(batch).fill(-1);
    this.reps = new Int32Array(batch);
    this.prow = new Float64Array(d);
    this.h = new Float64Array(batch * d);
    this.hlo = new Float64Array(batch * d);
    this.hhi = new Float64Array(batch * d);
    this.acc = new Float64Array(batch * d);
    this.alo = new Float64Array(batch * d);
    this.ahi = new Float64Array(batch * d);
    this.q = new Float64Array(dk);
    this.qlo = new Float64Array(dk);
    this.qhi = new Float64Array(dk);
    this.kt = new Float64Array(dk);
    this.klo = new Float64Array(dk);
    this.khi = new Float64Array(dk);
    this.a = new Float64Array(dv);
    this.aLo = new Float64Array(dv);
    this.aHi = new Float64Array(dv);
    this.o = new Float64Array(d);
    this.olo = new Float64Array(d);
    this.ohi = new Float64Array(d);
    this.z = new Float64Array(m);
    this.zlo = new Float64Array(m);
    this.zhi = new Float64Array(m);
    this.f = new Float64Array(d);
    this.flo = new Float64Array(d);
    this.fhi = new Float64Array(d);
    this.cand = new Int32Array(maxLen);
    this.scores = new Float64Array(maxLen);
    this.probs = new Float64Array(maxLen);
    this.sorted = new Float64Array(32);
    this.ds = new DenseSoftmax(maxLen, this.zeroBelow);
    this.ex = new Float64Array(maxLen);
    this.sameSoftmax = { e: this.ex, p: this.probs };
    this.logits = new Float64Array(pm.V);
    this.llo = new Float64Array(pm.V);
    this.lhi = new Float64Array(pm.V);
    this.argmax = new Int32Array(batch);
    this.margin = new Float64Array(batch);
    this.bound = new Float64Array(batch);
    this.slack = new Float64Array(batch);
    this.decided = new Uint8Array(batch);
  }

  /**
   * Position i of every batch row (tokens[b]): adds its keys to the indices, then runs it. With
   * `all`, every head attends to every visible key (positions 0..i must already be stepped).
   * `rows`: only these batch rows are computed (the others keep their state).
   */
  step(i: number, tokens: ArrayLike<number>, decide: boolean, all = false): void {
    this.embed(i, tokens);
    for (let l = 0; l < this.heads.length; l++) this.layer(l, i, all);
    for (let b = 0; b < this.B; b++) {
      const r = this.dup[b]!;
      if (r < 0) this.readout(b, decide);
      else {
        this.argmax[b] = this.argmax[r]!;
        this.margin[b] = this.margin[r]!;
        this.bound[b] = this.bound[r]!;
        this.slack[b] = this.slack[r]!;
        this.decided[b] = this.decided[r]!;
      }
    }
  }

  /**
   * dup[b]: an earlier batch row whose residual (values and enclosures) equals row b's on every
   * column that the last feed-forward layer or the unembedding reads, or the former writes, and
   * that differs between rows at all (the others are the same in every row): row b's logits and
   * verdict are that row's. -1: row b is computed.
   */
  private markDuplicates(): void {
    const { d, B } = this;
    const cols = this.finalCols;
    let nr = 0;
    for (let b = 0; b < B; b++) {
      this.dup[b] = -1;
      const hb = b * d;
      for (let k = 0; k < nr; k++) {
        const rb = this.reps[k]! * d;
        let same = true;
        for (let x = 0; x < cols.length && same; x++) {
          const c = cols[x]!;
          same = this.h[hb + c] === this.h[rb + c] && this.hlo[hb + c] === this.hlo[rb + c] && this.hhi[hb + c] === this.hhi[rb + c];
        }
        if (same) {
          this.dup[b] = this.reps[k]!;
          break;
        }
      }
      if (this.dup[b]! < 0) this.reps[nr++] = b;
    }
  }

  private embed(i: number, tokens: ArrayLike<number>): void {
    const { d, pm } = this;
    const pos = pm.model.posEmb;
    if ((i + 1) * d > pos.length || i >= this.L) throw new RangeError(`position ${i} is beyond the model's ${pos.length / d} positions`);
    const tok = pm.tok;
    const pb = i * d;
    // fl(tok + fl(pos)) = pos + 0 where no token sets the column (pos is f32 already; + 0 turns -0 into +0 as the sum does)
    const prow = this.prow;
    for (let c = 0; c < d; c++) prow[c] = pos[pb + c]! + 0;
    const tc = this.tokCols;
    for (let b = 0; b < this.B; b++) {
      const t = tokens[b]!;
      if (!(t >= 0 && t < pm.V)) throw new RangeError(`token id ${t} outside the vocabulary`);
      const hb = b * d;
      const tb = t * d;
      this.h.set(prow, hb);
      for (let k = 0; k < tc.length; k++) {
        const c = tc[k]!;
        this.h[hb + c] = fr(tok[tb + c]! + pos[pb + c]!);
      }
      this.toks[b * this.L + i] = t;
    }
    this.hlo.set(this.h);
    this.hhi.set(this.h);
  }

  private layer(l: number, i: number, all: boolean): void {
    const { d, B } = this;
    const rows = this.layerRows[l]!;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < rows.length; k++) this.acc[b * d + rows[k]!] = this.alo[b * d + rows[k]!] = this.ahi[b * d + rows[k]!] = 0;
    }
    for (const hs of this.heads[l]!) {
      if (!all) this.addKeys(hs, i);
      for (let kr = 0; kr < hs.keyRows; kr++) this.attend(hs, kr, i, all);
    }
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < rows.length; k++) {
        const x = b * d + rows[k]!;
        const s = fr(this.h[x]! + this.acc[x]!);
        this.roundedSum(s, this.hlo[x]!, this.hhi[x]!, this.alo[x]!, this.ahi[x]!);
        this.h[x] = s;
        this.hlo[x] = this.rlo;
        this.hhi[x] = this.rhi;
      }
    }
    if (l === this.heads.length - 1) this.markDuplicates();
    else this.dup.fill(-1);
    this.feedForward(l);
  }

  /** Position i's values and keys into the caches, its keys' codes into the indices, running stats. */
  private addKeys(hs: HeadState, i: number): void {
    const { d, B, L } = this;
    const { dk, dv, plan } = hs;
    for (let b = 0; b < B; b++) {
      const vo = (b * L + i) * dv;
      spmv(hs.wv, this.h, b * d, hs.vc, vo);
      const { vlo, vhi } = hs;
      if (vlo && vhi) spmvEnclosure(hs.wv, this.hlo, this.hhi, b * d, hs.vc, vo, vlo, vhi, vo);
      for (let e = 0; e < dv; e++) {
        const x = hs.vc[vo + e]!;
        const s = b * dv + e;
        const lo = vlo ? vlo[vo + e]! : x;
        const hi = vhi ? vhi[vo + e]! : x;
        if (lo < hs.vLo[s]!) hs.vLo[s] = lo;
        if (hi > hs.vHi[s]!) hs.vHi[s] = hi;
      }
    }
    const n = plan.codeRows.length;
    for (let kr = 0; kr < hs.keyRows; kr++) {
      if (hs.staticKeys && i > 0) {
        // ±λ on each code row (the sign of weight · the ±1 coordinate), the same magnitudes in every key
        const { ptr, idx, val } = hs.wk;
        let code = 0;
        for (let c = 0; c < n; c++) {
          const p = ptr[plan.codeRows[c]!]!;
          if (val[p]! * this.h[kr * d + idx[p]!]! > 0) code |= 1 << c;
        }
        hs.codes[kr * L + i] = code;
        hs.index[kr]!.insert(code, i);
        continue;
      }
      const ko = (kr * L + i) * dk;
      spmv(hs.wk, this.h, kr * d, this.kt, 0);
      const exact = plan.exactInputs;
      if (!exact) spmvEnclosure(hs.wk, this.hlo, this.hhi, kr * d, this.kt, 0, this.klo, this.khi, 0);
      const klo = exact ? this.kt : this.klo;
      const khi = exact ? this.kt : this.khi;
      const keep = !hs.staticKeys;
      const errs = hs.kErrs;
      for (let t = 0; t < dk; t++) {
        const x = this.kt[t]!;
        if (keep) hs.kc[ko + t] = x;
        const ax = Math.max(Math.abs(klo[t]!), Math.abs(khi[t]!));
        if (ax > hs.kAbs[kr * dk + t]!) hs.kAbs[kr * dk + t] = ax;
        if (errs) errs[ko + t] = Math.max(x - klo[t]!, khi[t]! - x);
      }
      if (plan.kind !== 'index') continue;
      let code = 0;
      let certain = true;
      for (let c = 0; c < n; c++) {
        const t = plan.codeRows[c]!;
        if (this.kt[t]! > 0) {
          code |= 1 << c;
          if (!(klo[t]! > 0)) certain = false;
        } else if (khi[t]! > 0) certain = false;
      }
      if (!certain) {
        // the dense key's code is not known: not in the index, scored by every query
        hs.uncertain[kr]![hs.nUncertain[kr]!++] = i;
        continue;
      }
      for (let c = 0; c < n; c++) {
        const t = plan.codeRows[c]!;
        const lo = Math.min(Math.abs(klo[t]!), Math.abs(khi[t]!));
        const hi = Math.max(Math.abs(klo[t]!), Math.abs(khi[t]!));
        if (lo < hs.cMin[kr * n + c]!) hs.cMin[kr * n + c] = lo;
        if (hi > hs.cMax[kr * n + c]!) hs.cMax[kr * n + c] = hi;
      }
      hs.codes[kr * L + i] = code;
      hs.index[kr]!.insert(code, i);
    }
  }

  /**
   * Candidates of key row kr's query at position i into cand (increasing); returns their count and
   * sets omitDist. The codes are visited by distance (0, then 1, ... r bits); when the candidates
   * pass `cap`, gathering stops and the omitted keys are those at that distance or more (a query
   * whose code matches a crowd of keys gets no dominant key: its bound is the values' hull).
   */
  private gather(hs: HeadState, kr: number, i: number, all: boolean): number {
    const cand = this.cand;
    if (all || hs.plan.kind !== 'index') {
      for (let j = 0; j <= i; j++) cand[j] = j;
      this.omitDist = Infinity;
      return i + 1;
    }
    this.omitDist = hs.radius + 1;
    const cr = hs.plan.codeRows;
    let code = 0;
    for (let c = 0; c < cr.length; c++) if (this.q[cr[c]!]! > 0) code |= 1 << c;
    this.qcode = code;
    const idx = hs.index[kr]!;
    const next = idx.next;
    const masks = hs.masks;
    const cap = hs.cap;
    let nc = 0;
    gather: for (let k = 0; k < masks.length; k++) {
      for (let j = idx.last(code ^ masks[k]!); j >= 0; j = next[j]!) {
        if (nc === cap) {
          this.omitDist = popcount(masks[k]!);
          break gather;
        }
        cand[nc++] = j;
      }
    }
    const unc = hs.uncertain[kr]!;
    for (let k = 0, nu = hs.nUncertain[kr]!; k < nu; k++) cand[nc++] = unc[k]!;
    if (nc > 32) cand.subarray(0, nc).sort();
    else sortSmall(cand, nc);
    return nc;
  }

  /** Key row kr's query at position i: softmax over the candidates, then each of its batch rows' output. */
  private attend(hs: HeadState, kr: number, i: number, all: boolean): void {
    const { d, L } = this;
    const { dk, plan } = hs;
    const cache = all ? undefined : hs.cache;
    if (cache && i < cache.length) return this.attendCached(hs, cache, i);
    const q = this.q;
    spmv(hs.wq, this.h, kr * d, q, 0);
    const exactQ = plan.exactInputs || this.rowExact(hs.wq, kr);
    if (!exactQ) spmvEnclosure(hs.wq, this.hlo, this.hhi, kr * d, q, 0, this.qlo, this.qhi, 0);
    const nc = this.gather(hs, kr, i, all);
    const cand = this.cand;
    const s = this.scores;
    // the reference's f32 dot products; where keys are omitted and their codes are all there is to
    // them, the exact scores from the codes (the same numbers when every product and partial sum
    // is a multiple of λ that f32 holds: unit queries of an exactDots head)
    const structured = !all && hs.staticKeys && nc < i + 1 && (!plan.exactInputs || (hs.exactDots && unitQuery(q, dk)));
    if (structured) this.codeScores(hs, kr, nc);
    else {
      const kc = hs.staticKeys ? this.kt : hs.kc;
      for (let x = 0; x < nc; x++) {
        const ko = hs.staticKeys ? this.keyInto(hs, kr, cand[x]!) : (kr * L + cand[x]!) * dk;
        let acc = 0;
        for (let t = 0; t < dk; t++) acc = fr(acc + fr(q[t]! * kc[ko + t]!));
        s[x] = acc;
      }
    }
    const st = this.stats;
    st.queries++;
    st.keysScored += nc;
    st.headQueries[hs.flat]!++;
    st.headKeys[hs.flat]! += nc;
    this.sparseSoftmax(nc);
    const rows0 = plan.shared ? 0 : kr;
    const rows1 = plan.shared ? this.B : kr + 1;
    if (all) {
      for (let b = rows0; b < rows1; b++) this.output(hs, b, nc, i, false);
      return;
    }
    // the dense run's softmax, enclosed: the included keys' dense scores, every omitted key's below U
    const ds = this.ds;
    const same = this.candidateScores(hs, kr, nc, structured, exactQ);
    const omitU = i + 1 > nc ? this.omittedScoreBound(hs, kr, exactQ) : -Infinity;
    ds.run(cand, nc, i + 1, omitU, same ? this.sameSoftmax : undefined);
    if (ds.undominated || nc === 0) st.noDominant++;
    else if (ds.omittedMass > st.maxRho) st.maxRho = ds.omittedMass;
    if (cache && i === cache.length) cache.push(nc, cand, this.probs, ds.plo, ds.phi, ds.pOmit, ds.omittedMass, ds.undominated, ds.pExact);
    for (let b = rows0; b < rows1; b++) this.output(hs, b, nc, i, true);
  }

  /** attend from the head's QueryCache (a shared head: every batch row). */
  private attendCached(hs: HeadState, cache: QueryCache, i: number): void {
    const ds = this.ds;
    const nc = cache.read(i, this.cand, this.probs, ds.plo, ds.phi);
    ds.pOmit = cache.pOmitAt(i);
    ds.omittedMass = cache.massAt(i);
    ds.undominated = cache.undominatedAt(i);
    ds.pExact = cache.pExactAt(i);
    const st = this.stats;
    st.queries++;
    st.keysScored += nc;
    st.headQueries[hs.flat]!++;
    st.headKeys[hs.flat]! += nc;
    if (ds.undominated || nc === 0) st.noDominant++;
    else if (ds.omittedMass > st.maxRho) st.maxRho = ds.omittedMass;
    for (let b = 0; b < this.B; b++) this.output(hs, b, nc, i, true);
  }

  /** The reference's softmax over the candidates' scores into probs. */
  private sparseSoftmax(nc: number): void {
    const s = this.scores;
    const p = this.probs;
    const zero = this.zeroBelow;
    let sMax = -Infinity;
    for (let x = 0; x < nc; x++) if (s[x]! > sMax) sMax = s[x]!;
    let Z = 0;
    for (let x = 0; x < nc; x++) {
      const y = fr(s[x]! - sMax);
      const e = y < zero ? 0 : fr(Math.exp(y));
      this.ex[x] = e;
      Z = fr(Z + e);
    }
    for (let x = 0; x < nc; x++) p[x] = Z === 0 ? (this.ex[x] === 0 ? 0 : Infinity) : fr(this.ex[x]! / Z);
  }

  /** Every coordinate row `kr` of the residual that W's nonzeros read is exact. */
  private rowExact(A: Csr, kr: number): boolean {
    const o = kr * this.d;
    for (let p = 0; p < A.idx.length; p++) if (this.hlo[o + A.idx[p]!] !== this.hhi[o + A.idx[p]!]) return false;
    return true;
  }

  /** Position j's key of a staticKeys head into kt (returns 0, its offset there): its key rows read
   *  coordinates no layer writes, so the key is W_K times the embedding, as the reference computes it. */
  private keyInto(hs: HeadState, kr: number, j: number): number {
    const { d, pm } = this;
    const { ptr, idx, val } = hs.wk;
    const tb = this.toks[kr * this.L + j]! * d;
    const pb = j * d;
    const tok = pm.tok;
    const pos = pm.model.posEmb;
    for (let t = 0; t < hs.dk; t++) {
      let acc = 0;
      for (let p = ptr[t]!, end = ptr[t + 1]!; p < end; p++) {
        const c = idx[p]!;
        acc = fr(acc + fr(val[p]! * fr(tok[tb + c]! + fr(pos[pb + c]!))));
      }
      this.kt[t] = acc;
    }
    return 0;
  }

  /** Exact scores from the codes (staticKeys): const + λ(Σ_i |q_i| − 2 Σ_{i where the key's code differs} |q_i|). */
  private codeScores(hs: HeadState, kr: number, nc: number): void {
    const { plan } = hs;
    const q = this.q;
    const qa = this.qa;
    const n = plan.codeRows.length;
    let base = 0;
    for (let c = 0; c < plan.constRows.length; c++) base += q[plan.constRows[c]!]! * plan.constVals[c]!;
    let A = 0;
    for (let c = 0; c < n; c++) {
      qa[c] = Math.abs(q[plan.codeRows[c]!]!);
      A += qa[c]!;
    }
    const lambda = plan.lambda;
    const qcode = this.qcode;
    const codes = hs.codes;
    const ko = kr * this.L;
    for (let x = 0; x < nc; x++) {
      let diff = codes[ko + this.cand[x]!]! ^ qcode;
      let pen = 0;
      while (diff !== 0) {
        const low = diff & -diff;
        pen += qa[31 - Math.clz32(low)]!;
        diff ^= low;
      }
      this.scores[x] = base + lambda * (A - 2 * pen);
    }
  }

  /**
   * The candidates' dense scores into ds.slo, ds.shi: the sparse scores themselves where both runs
   * compute the same numbers (exact query and keys; the reference's dot product, or code scores
   * equal to it); else within Σ_t e(q_t)(|k_t| + e(k_t)) + |q_t| e(k_t) plus both runs' roundings
   * (code scores are exact reals: the dense run's rounding only).
   */
  private candidateScores(hs: HeadState, kr: number, nc: number, structured: boolean, exactQ: boolean): boolean {
    const { dk, plan } = hs;
    const { slo, shi } = this.ds;
    const s = this.scores;
    const q = this.q;
    const exactKeys = plan.exactInputs || hs.staticKeys;
    if (exactQ && exactKeys && (!structured || (hs.exactDots && unitQuery(q, dk)))) {
      for (let x = 0; x < nc; x++) slo[x] = shi[x] = s[x]!;
      return true;
    }
    const g = (structured ? 1.01 : 2.01) * gamma(dk);
    const errs = hs.kErrs;
    const kc = hs.kc;
    for (let x = 0; x < nc; x++) {
      const ko = (kr * this.L + this.cand[x]!) * dk;
      let sq = 0;
      let sabs = 0;
      for (let t = 0; t < dk; t++) {
        const ka = hs.staticKeys ? hs.kAbs[kr * dk + t]! : Math.abs(kc[ko + t]!);
        const ke = errs ? errs[ko + t]! : 0;
        const qa = Math.abs(q[t]!);
        const eq = exactQ ? 0 : Math.max(q[t]! - this.qlo[t]!, this.qhi[t]! - q[t]!);
        sq += eq * (ka + ke) + qa * ke;
        sabs += (qa + eq) * (ka + ke);
      }
      const delta = sq + g * sabs + 1e-15 * sabs;
      slo[x] = downF32(s[x]! - delta * (1 + 2 ** -50));
      shi[x] = upF32(s[x]! + delta * (1 + 2 ** -50));
    }
    return false;
  }

  /**
   * An upper bound on the dense f32 score of any omitted key: its code is certain and differs from
   * the query's sign pattern in at least D = omitDist bits (r + 1 unless gather stopped early).
   * With the dense query q'_t in its enclosure and a code row's |k'| within [min, max] of the
   * certain keys, code row i contributes at most A_i where the key agrees with the query's bit and
   * at most B_i where it does not (the corners of q'·k'); the score is at most Σ const rows' largest
   * + Σ_i A_i − the D smallest (A_i − B_i), plus the dot product's rounding γ_dk Σ_t max|q'_t| max|k'_t|.
   */
  private omittedScoreBound(hs: HeadState, kr: number, exactQ: boolean): number {
    const { dk, plan } = hs;
    const n = plan.codeRows.length;
    const dist = this.omitDist;
    if (dist > n) return -Infinity;
    const q = this.q;
    // the constructions' queries: ±1 on the code rows, 1 on the constant rows, the same static keys:
    // the same bound for every such query (per distance)
    const canon = exactQ && hs.staticKeys && canonicalQuery(q, plan);
    if (canon && hs.uCache[dist] !== undefined) return hs.uCache[dist]!;
    const qlo = exactQ ? q : this.qlo;
    const qhi = exactQ ? q : this.qhi;
    let base = 0;
    for (let c = 0; c < plan.constRows.length; c++) {
      const t = plan.constRows[c]!;
      const K = plan.constVals[c]!;
      base += Math.max(qlo[t]! * K, qhi[t]! * K);
    }
    const cost = this.sorted;
    for (let c = 0; c < n; c++) {
      const t = plan.codeRows[c]!;
      const lo = hs.cMin[kr * n + c]!;
      const hi = hs.cMax[kr * n + c]!;
      const sign = q[t]! > 0 ? 1 : -1;
      const ql = qlo[t]!;
      const qh = qhi[t]!;
      // max of sign·q'·m over q' in [ql, qh], m in [lo, hi] (agree) and of -sign·q'·m (disagree)
      const agree = Math.max(sign * ql * lo, sign * ql * hi, sign * qh * lo, sign * qh * hi);
      const disagree = Math.max(-sign * ql * lo, -sign * ql * hi, -sign * qh * lo, -sign * qh * hi);
      base += agree;
      cost[c] = agree - disagree;
    }
    // the D smallest costs (and any other negative one) come off
    sortSmall(cost, n);
    let drop = 0;
    for (let c = 0; c < n; c++) if (c < dist || cost[c]! < 0) drop += cost[c]!;
    let sabs = 0;
    for (let t = 0; t < dk; t++) sabs += Math.max(Math.abs(qlo[t]!), Math.abs(qhi[t]!)) * hs.kAbs[kr * dk + t]!;
    const U = base - drop + 1.01 * gamma(dk) * sabs + 1e-12 * (Math.abs(base) + Math.abs(drop));
    if (canon) hs.uCache[dist] = U;
    return U;
  }

  /**
   * Batch row b's output of the head (the weighted values, W_O) added into acc, with its enclosure:
   * the dense weighted sum run on intervals (dense-softmax.ts) within the hull of the values; where
   * that holds no f32 number but one, the dense value is that number. `enclose` false: the head ran
   * over every visible key, the dense computation itself.
   */
  private output(hs: HeadState, b: number, nc: number, i: number, enclose: boolean): void {
    const { d, L } = this;
    const dv = hs.dv;
    const p = this.probs;
    const cand = this.cand;
    const vc = hs.vc;
    const vlo = hs.vlo ?? vc;
    const vhi = hs.vhi ?? vc;
    const vb = b * L * dv;
    const ds = this.ds;
    for (let e = 0; e < dv; e++) {
      const s = b * dv + e;
      const hLo = hs.vLo[s]!;
      const hHi = hs.vHi[s]!;
      const vAbs = Math.max(Math.abs(hLo), Math.abs(hHi));
      let lo = -Infinity;
      let hi = Infinity;
      let acc = 0;
      if (enclose && ds.pExact && !hs.vlo && !ds.undominated && nc > 0) {
        ds.exactSum(cand, nc, i + 1, vc, vb + e, dv, vAbs);
        acc = ds.sparse;
        lo = ds.lo;
        hi = ds.hi;
      } else {
        for (let x = 0; x < nc; x++) acc = fr(acc + fr(p[x]! * vc[vb + cand[x]! * dv + e]!));
        if (!enclose) {
          this.a[e] = this.aLo[e] = this.aHi[e] = acc;
          continue;
        }
        if (!ds.undominated && nc > 0) {
          ds.weightedSum(cand, nc, i + 1, vlo, vhi, vb + e, dv, vAbs);
          lo = ds.lo;
          hi = ds.hi;
        }
      }
      this.a[e] = acc;
      // the dense output is also a rounded convex combination of the dense values
      if (lo !== hi) {
        const slack = hullSlack(i + 1, vAbs);
        if (hLo - slack > lo) lo = downF32(hLo - slack);
        if (hHi + slack < hi) hi = upF32(hHi + slack);
      }
      if (lo === hi) this.a[e] = lo;
      else if (acc >= lo && acc <= hi && pins(acc, lo, hi)) lo = hi = acc;
      this.aLo[e] = lo;
      this.aHi[e] = hi;
    }
    const rows = hs.outRows;
    spmv(hs.wo, this.a, 0, this.o, 0, rows);
    spmvEnclosure(hs.wo, this.aLo, this.aHi, 0, this.o, 0, this.olo, this.ohi, 0, rows);
    for (let k = 0; k < rows.length; k++) {
      const c = rows[k]!;
      const x = b * d + c;
      const sum = fr(this.acc[x]! + this.o[c]!);
      this.roundedSum(sum, this.alo[x]!, this.ahi[x]!, this.olo[c]!, this.ohi[c]!);
      this.acc[x] = sum;
      this.alo[x] = this.rlo;
      this.ahi[x] = this.rhi;
    }
  }

  /** The enclosure of fl(x + y) in the dense run from those of x and y (f32 ends; exact when both are), into rlo, rhi. */
  private roundedSum(sum: number, xlo: number, xhi: number, ylo: number, yhi: number): void {
    if (xlo === xhi && ylo === yhi) {
      this.rlo = this.rhi = sum;
      return;
    }
    this.rlo = fr(xlo + ylo);
    this.rhi = fr(xhi + yhi);
  }

  private feedForward(l: number): void {
    const { d, B } = this;
    const layer = this.pm.distinct[l]!;
    const { m } = layer;
    const rows = this.ffRows[l]!;
    for (let b = 0; b < B; b++) {
      if (this.dup[b]! >= 0) continue;
      const hb = b * d;
      spmv(layer.sparse.w1, this.h, hb, this.z, 0);
      spmvEnclosure(layer.sparse.w1, this.hlo, this.hhi, hb, this.z, 0, this.zlo, this.zhi, 0);
      for (let u = 0; u < m; u++) {
        const bu = layer.b1[u]!;
        const zu = fr(this.z[u]! + bu);
        this.roundedSum(zu, this.zlo[u]!, this.zhi[u]!, bu, bu);
        // ReLU, monotone
        this.z[u] = zu > 0 ? zu : 0;
        this.zlo[u] = this.rlo > 0 ? this.rlo : 0;
        this.zhi[u] = this.rhi > 0 ? this.rhi : 0;
      }
      spmv(layer.sparse.w2, this.z, 0, this.f, 0, rows);
      spmvEnclosure(layer.sparse.w2, this.zlo, this.zhi, 0, this.f, 0, this.flo, this.fhi, 0, rows);
      for (let k = 0; k < rows.length; k++) {
        const c = rows[k]!;
        const bc = layer.b2[c]!;
        const fc = fr(this.f[c]! + bc);
        this.roundedSum(fc, this.flo[c]!, this.fhi[c]!, bc, bc);
        const flo = this.rlo;
        const fhi = this.rhi;
        const x = hb + c;
        const hx = fr(this.h[x]! + fc);
        this.roundedSum(hx, this.hlo[x]!, this.hhi[x]!, flo, fhi);
        this.h[x] = hx;
        this.hlo[x] = this.rlo;
        this.hhi[x] = this.rhi;
      }
    }
  }

  /**
   * Logits, argmax (ties to the lowest id), and whether the dense run's argmax is certainly the
   * same: the argmax's logit interval lies above every other's (or every logit is exact: both
   * runs computed the same numbers, ties included). margin: the smallest gap to another logit;
   * bound: the most a gap can shrink between the runs.
   */
  private readout(b: number, decide: boolean): void {
    const { d, pm } = this;
    const V = pm.V;
    const U = pm.sparse.unembed;
    // rows of W_U that read only coordinates the same in every batch row: computed once, at row 0
    const shared = this.uShared;
    if (b === 0) {
      spmv(U, this.h, 0, this.logits, 0);
      for (let k = 0; k < shared.length; k++) this.sharedLogits[k] = this.logits[shared[k]!]!;
    } else {
      for (let k = 0; k < shared.length; k++) this.logits[shared[k]!] = this.sharedLogits[k]!;
      spmv(U, this.h, b * d, this.logits, 0, this.uVarying);
    }
    let best = 0;
    let bv = -Infinity;
    for (let v = 0; v < V; v++) {
      if (this.logits[v]! > bv) {
        bv = this.logits[v]!;
        best = v;
      }
    }
    this.argmax[b] = best;
    if (!decide) return;
    for (let k = 0; k < shared.length; k++) this.llo[shared[k]!] = this.lhi[shared[k]!] = this.logits[shared[k]!]!;
    spmvEnclosure(U, this.hlo, this.hhi, b * d, this.logits, 0, this.llo, this.lhi, 0, this.uVarying);
    const down = bv - this.llo[best]!;
    let margin = Infinity;
    let slack = Infinity;
    let exact = down === 0 && this.lhi[best] === bv;
    for (let v = 0; v < V; v++) {
      if (v === best) continue;
      const lv = this.logits[v]!;
      const up = this.lhi[v]! - lv;
      if (up !== 0 || this.llo[v] !== lv) exact = false;
      const gap = bv - lv;
      if (gap < margin) margin = gap;
      const sl = this.llo[best]! - this.lhi[v]!;
      if (sl < slack) slack = sl;
    }
    this.margin[b] = margin;
    // bound: how much the margin may lose to its tightest competitor (decided: margin > bound)
    this.bound[b] = exact ? 0 : margin - slack;
    this.slack[b] = exact ? margin : slack;
    this.decided[b] = Number.isFinite(bv) && (exact || slack > 0) ? 1 : 0;
  }

  /** Forgets every key (a new batch of sequences). */
  reset(): void {
    for (const hs of this.heads.flat()) {
      for (const ix of hs.index) ix.clear();
      hs.kAbs.fill(0);
      hs.nUncertain.fill(0);
      hs.cMin.fill(Infinity);
      hs.cMax.fill(0);
      hs.vLo.fill(Infinity);
      hs.vHi.fill(-Infinity);
      hs.uCache.length = 0;
    }
    for (const k of Object.keys(this.stats) as (keyof StepStats)[]) {
      const v = this.stats[k];
      if (Array.isArray(v)) v.fill(0);
      else this.stats[k] = 0 as never;
    }
  }
}

