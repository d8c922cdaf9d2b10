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
import { dominance, gamma, headError, hullSlack, roundSlack, type Dominance, type SoftmaxFacts, type ValueFacts } from './bounds.js';
import { CodeIndex, radiusMasks } from './code-index.js';
import type { HeadPlan } from './structure.js';

const fr = Math.fround;

/** A query gathers at most CAP_BASE + CAP_PER_MASK · (codes it looks up) candidates. */
const CAP_BASE = 16;
const CAP_PER_MASK = 2;

function popcount(x: number): number {
  let n = 0;
  for (let y = x; y !== 0; y &= y - 1) n++;
  return n;
}

/** Running statistics of the run (the report's figures). */
export interface StepStats {
  /** Head queries answered, and the keys they scored. */
  queries: number;
  keysScored: number;
  /** The same per head, layer by layer. */
  headQueries: number[];
  headKeys: number[];
  /** Largest rho' (relative weight the dense run may put on omitted keys) and tau' (on keys other
   *  than the top one) over the queries with a dominant key; the queries without one (bounded by
   *  the hull of the values). */
  maxRho: number;
  maxTau: number;
  noDominant: number;
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
  /** Each key's code (key row kr, position j at kr * L + j). */
  codes: Int32Array;
  /** Every key is ±λ on the code rows and the same on the others (an index head whose key rows
   *  read no coordinate a layer writes): a score is const + λ(Σ|q_i| − 2 Σ_{i differing}|q_i|). */
  staticKeys: boolean;
  /** Per key row: running max |k_t|, max e(k_t); per code bit: running min and max |k|. */
  kAbs: Float64Array;
  kErr: Float64Array;
  cMin: Float64Array;
  cMax: Float64Array;
  /** Per batch row and value coordinate: running min and max of the values, largest error, and
   *  the hull of the dense values (min lo, max hi). */
  vMin: Float64Array;
  vMax: Float64Array;
  vErr: Float64Array;
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
 * Enclosures of the dense run's rows of A x from the inputs' enclosures [lo, hi] (y: the sparse
 * run's rows, already computed): exact where every input on the row is exact, else the interval
 * sum widened by the rounding of an n-term dot product.
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
    let sl = 0;
    let sh = 0;
    let sa = 0;
    for (let p = ptr[r]!; p < end; p++) {
      const w = val[p]!;
      const a = w * lo[xo + idx[p]!]!;
      const b = w * hi[xo + idx[p]!]!;
      sl += a < b ? a : b;
      sh += a < b ? b : a;
      sa += Math.max(Math.abs(a), Math.abs(b));
    }
    const g = gamma(end - ptr[r]!) * sa * 1.000001 + (end - ptr[r]!) * 2 ** -148;
    outLo[o + r] = sl - g;
    outHi[o + r] = sh + g;
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
  private readonly logits: Float64Array;
  private readonly llo: Float64Array;
  private readonly lhi: Float64Array;
  /** gather's results: the fewest code bits in which an omitted key can differ from the query; the query's code. */
  private omitDist = 0;
  private qcode = 0;
  /** |q| on each code row (structured scores). */
  private readonly qa = new Float64Array(32);
  /** attend's facts about the current softmax, and their dominance terms (bounds.ts). */
  private readonly sf: SoftmaxFacts = { tauI: 0, omitted: 0, U: 0, sMax: 0, deltaS: 0, spread: 0, nEff: 0, visible: 0 };
  private readonly dm: Dominance = { tau: 0, rho: 0 };
  private readonly vf: ValueFacts = { errM: 0, range: 0, errMax: 0, absMax: 0, rangeI: 0, absI: 0, errI: 0 };
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

  constructor(pm: PreparedModel, plans: HeadPlan[][], batch: number, maxLen: number, radius: number) {
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
        const masks = plan.kind === 'index' ? radiusMasks(n, radius) : new Int32Array(0);
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
          radius: Math.min(radius, n),
          cap: CAP_BASE + CAP_PER_MASK * masks.length,
          codes: new Int32Array(plan.kind === 'index' ? keyRows * maxLen : 0),
          staticKeys: plan.kind === 'index' && plan.dynamicBits === 0,
          kAbs: new Float64Array(keyRows * hd.dk),
          kErr: new Float64Array(keyRows * hd.dk),
          cMin: new Float64Array(keyRows * n).fill(Infinity),
          cMax: new Float64Array(keyRows * n),
          vMin: new Float64Array(batch * hd.dv).fill(Infinity),
          vMax: new Float64Array(batch * hd.dv).fill(-Infinity),
          vErr: new Float64Array(batch * hd.dv),
          vLo: new Float64Array(batch * hd.dv).fill(Infinity),
          vHi: new Float64Array(batch * hd.dv).fill(-Infinity),
        };
      }),
    );
    const nh = this.heads.flat().length;
    this.stats = { queries: 0, keysScored: 0, headQueries: new Array<number>(nh).fill(0), headKeys: new Array<number>(nh).fill(0), maxRho: 0, maxTau: 0, noDominant: 0 };
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
    for (let b = 0; b < this.B; b++) this.readout(b, decide);
  }

  private embed(i: number, tokens: ArrayLike<number>): void {
    const { d, pm } = this;
    const pos = pm.model.posEmb;
    if ((i + 1) * d > pos.length || i >= this.L) throw new RangeError(`position ${i} is beyond the model's ${pos.length / d} positions`);
    const tok = pm.tok;
    for (let b = 0; b < this.B; b++) {
      const t = tokens[b]!;
      if (!(t >= 0 && t < pm.V)) throw new RangeError(`token id ${t} outside the vocabulary`);
      const hb = b * d;
      const tb = t * d;
      const pb = i * d;
      for (let c = 0; c < d; c++) this.h[hb + c] = fr(tok[tb + c]! + fr(pos[pb + c]!));
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
        if (x < hs.vMin[s]!) hs.vMin[s] = x;
        if (x > hs.vMax[s]!) hs.vMax[s] = x;
        const lo = vlo ? vlo[vo + e]! : x;
        const hi = vhi ? vhi[vo + e]! : x;
        if (lo < hs.vLo[s]!) hs.vLo[s] = lo;
        if (hi > hs.vHi[s]!) hs.vHi[s] = hi;
        const err = Math.max(x - lo, hi - x);
        if (err > hs.vErr[s]!) hs.vErr[s] = err;
      }
    }
    const n = plan.codeRows.length;
    for (let kr = 0; kr < hs.keyRows; kr++) {
      const ko = (kr * L + i) * dk;
      spmv(hs.wk, this.h, kr * d, this.kt, 0);
      const exact = plan.exactInputs;
      if (!exact) spmvEnclosure(hs.wk, this.hlo, this.hhi, kr * d, this.kt, 0, this.klo, this.khi, 0);
      const keep = !hs.staticKeys;
      for (let t = 0; t < dk; t++) {
        const x = this.kt[t]!;
        if (keep) hs.kc[ko + t] = x;
        const ax = Math.abs(x);
        if (ax > hs.kAbs[kr * dk + t]!) hs.kAbs[kr * dk + t] = ax;
        if (!exact) {
          const err = Math.max(x - this.klo[t]!, this.khi[t]! - x);
          if (err > hs.kErr[kr * dk + t]!) hs.kErr[kr * dk + t] = err;
        }
      }
      if (plan.kind !== 'index') continue;
      let code = 0;
      for (let c = 0; c < n; c++) {
        const x = this.kt[plan.codeRows[c]!]!;
        const ax = Math.abs(x);
        if (ax < hs.cMin[kr * n + c]!) hs.cMin[kr * n + c] = ax;
        if (ax > hs.cMax[kr * n + c]!) hs.cMax[kr * n + c] = ax;
        if (x > 0) code |= 1 << c;
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
    if (nc > 1) {
      if (nc <= 32) {
        for (let x = 1; x < nc; x++) {
          const v = cand[x]!;
          let y = x - 1;
          while (y >= 0 && cand[y]! > v) {
            cand[y + 1] = cand[y]!;
            y--;
          }
          cand[y + 1] = v;
        }
      } else cand.subarray(0, nc).sort();
    }
    return nc;
  }

  /** Key row kr's query at position i: softmax over the candidates, then each of its batch rows' output. */
  private attend(hs: HeadState, kr: number, i: number, all: boolean): void {
    const { d, L } = this;
    const { dk, plan } = hs;
    const q = this.q;
    spmv(hs.wq, this.h, kr * d, q, 0);
    if (!plan.exactInputs) spmvEnclosure(hs.wq, this.hlo, this.hhi, kr * d, q, 0, this.qlo, this.qhi, 0);
    const nc = this.gather(hs, kr, i, all);
    const cand = this.cand;
    const s = this.scores;
    // the reference's f32 dot products; where keys are omitted and their codes are all there is to
    // them, the exact scores from the codes instead (scoreShift bounds the difference)
    const structured = !all && hs.staticKeys && nc < i + 1;
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
    let sMax = -Infinity;
    let sMin = Infinity;
    for (let x = 0; x < nc; x++) {
      if (s[x]! > sMax) sMax = s[x]!;
      if (s[x]! < sMin) sMin = s[x]!;
    }
    const st = this.stats;
    st.queries++;
    st.keysScored += nc;
    st.headQueries[hs.flat]!++;
    st.headKeys[hs.flat]! += nc;
    const deltaS = all ? 0 : this.scoreShift(hs, kr, structured);
    // softmax, as the reference computes it; beside it Σ_{j != m} of the exps and the count of
    // those that may be non-zero in either run
    const p = this.probs;
    const zero = this.zeroBelow;
    const cut = zero - 2 * deltaS - 2;
    let Z = 0;
    let off = 0;
    let nEff = 0;
    let seenM = false;
    for (let x = 0; x < nc; x++) {
      const y = fr(s[x]! - sMax);
      const e = y < zero ? 0 : fr(Math.exp(y));
      p[x] = e;
      Z = fr(Z + e);
      if (y >= cut) nEff++;
      if (!seenM && y === 0) seenM = true;
      else off += e;
    }
    for (let x = 0; x < nc; x++) p[x] = Z === 0 ? (p[x] === 0 ? 0 : Infinity) : fr(p[x]! / Z);
    const rows0 = plan.shared ? 0 : kr;
    const rows1 = plan.shared ? this.B : kr + 1;
    if (all) {
      for (let b = rows0; b < rows1; b++) this.output(hs, b, nc, undefined);
      return;
    }
    const f = this.sf;
    // each exp is within a factor 1 ± 1e-5 of e^(s_j - s_m) (|s_j - s_m| < 104 where not 0), or below 2^-148
    f.tauI = off * (1 + 1e-5) + nc * 2 ** -148;
    f.omitted = i + 1 - nc;
    f.sMax = sMax;
    f.deltaS = deltaS;
    f.spread = nc > 0 ? sMax - sMin : 0;
    f.nEff = nEff;
    f.visible = i + 1;
    f.U = f.omitted > 0 ? this.omittedScoreBound(hs, kr) : -Infinity;
    const dm = this.dm;
    dominance(f, dm);
    if (!(dm.tau < 1)) st.noDominant++;
    else {
      if (dm.rho > st.maxRho) st.maxRho = dm.rho;
      if (dm.tau > st.maxTau) st.maxTau = dm.tau;
    }
    for (let b = rows0; b < rows1; b++) this.output(hs, b, nc, f);
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
   * A bound on |s_dense - s_sparse| of every key's score: Σ_t e(q_t)(max|k_t| + max e(k_t)) +
   * |q_t| max e(k_t), plus both runs' roundings (0 where the inputs are exact and both run the
   * same f32 dot product; structured: the dense run's rounding of its dot product).
   */
  private scoreShift(hs: HeadState, kr: number, structured: boolean): number {
    const { dk, plan } = hs;
    if (plan.exactInputs && !structured) return 0;
    const q = this.q;
    if (structured) {
      let sq = 0;
      let sabs = 0;
      for (let t = 0; t < dk; t++) {
        const ka = hs.kAbs[kr * dk + t]!;
        const eq = plan.exactInputs ? 0 : Math.max(q[t]! - this.qlo[t]!, this.qhi[t]! - q[t]!);
        sq += eq * ka;
        sabs += (Math.abs(q[t]!) + eq) * ka;
      }
      return sq + 1.01 * gamma(dk) * sabs + 1e-15 * sabs;
    }
    let sq = 0;
    let sabs = 0;
    for (let t = 0; t < dk; t++) {
      const ka = hs.kAbs[kr * dk + t]!;
      const ke = hs.kErr[kr * dk + t]!;
      const eq = Math.max(q[t]! - this.qlo[t]!, this.qhi[t]! - q[t]!);
      sq += eq * (ka + ke) + Math.abs(q[t]!) * ke;
      sabs += Math.abs(q[t]!) * ka;
    }
    return sq === 0 ? 0 : sq + gamma(dk) * (2 * sabs + sq) * 1.000001;
  }

  /**
   * An upper bound on the f32 score of any key whose code differs from the query's sign pattern in
   * at least D = omitDist bits (r + 1 unless gather stopped early): constant rows' part +
   * Σ_i |q_i| max|k_i| − the D smallest |q_i|(max + min |k_i|), plus the rounding of the dot
   * product (γ_dk Σ_t |q_t| max|k_t|).
   */
  private omittedScoreBound(hs: HeadState, kr: number): number {
    const { dk, plan } = hs;
    const n = plan.codeRows.length;
    const dist = this.omitDist;
    if (dist > n) return -Infinity;
    let base = 0;
    for (let c = 0; c < plan.constRows.length; c++) base += this.q[plan.constRows[c]!]! * plan.constVals[c]!;
    const cost = this.sorted;
    for (let c = 0; c < n; c++) {
      const qa = Math.abs(this.q[plan.codeRows[c]!]!);
      base += qa * hs.cMax[kr * n + c]!;
      cost[c] = qa * (hs.cMax[kr * n + c]! + hs.cMin[kr * n + c]!);
    }
    // the r + 1 smallest costs first (insertion sort of at most 31 numbers)
    for (let x = 1; x < n; x++) {
      const v = cost[x]!;
      let y = x - 1;
      while (y >= 0 && cost[y]! > v) {
        cost[y + 1] = cost[y]!;
        y--;
      }
      cost[y + 1] = v;
    }
    let drop = 0;
    for (let c = 0; c < dist; c++) drop += cost[c]!;
    let sabs = 0;
    for (let t = 0; t < dk; t++) sabs += Math.abs(this.q[t]!) * hs.kAbs[kr * dk + t]!;
    return base - drop * (1 - 1e-12) + gamma(dk) * sabs * 1.000001 + Math.abs(base) * 1e-12;
  }

  /** Batch row b's output of the head (weighted values, W_O) added into acc, with its enclosure. */
  private output(hs: HeadState, b: number, nc: number, f: SoftmaxFacts | undefined): void {
    const dm = this.dm;
    const { d, L } = this;
    const dv = hs.dv;
    const p = this.probs;
    const cand = this.cand;
    const vc = hs.vc;
    const { vlo, vhi } = hs;
    const vb = b * L * dv;
    for (let e = 0; e < dv; e++) {
      let acc = 0;
      let lo = Infinity;
      let hi = -Infinity;
      let errI = 0;
      let errM = -1;
      for (let x = 0; x < nc; x++) {
        const o = vb + cand[x]! * dv + e;
        const v = vc[o]!;
        acc = fr(acc + fr(p[x]! * v));
        if (f) {
          if (v < lo) lo = v;
          if (v > hi) hi = v;
          if (vlo && vhi) {
            const er = Math.max(v - vlo[o]!, vhi[o]! - v);
            if (er > errI) errI = er;
            if (errM < 0 && this.scores[x] === f.sMax) errM = er;
          }
        }
      }
      this.a[e] = acc;
      if (!f || (f.omitted === 0 && f.deltaS === 0 && errI === 0)) {
        // the dense run computes the same rounded numbers
        this.aLo[e] = this.aHi[e] = acc;
        continue;
      }
      const s = b * dv + e;
      const vMin = hs.vMin[s]!;
      const vMax = hs.vMax[s]!;
      const vf = this.vf;
      vf.errM = Math.max(errM, 0);
      vf.range = vMax - vMin;
      vf.errMax = hs.vErr[s]!;
      vf.absMax = Math.max(Math.abs(vMin), Math.abs(vMax));
      vf.rangeI = nc > 0 ? hi - lo : 0;
      vf.absI = nc > 0 ? Math.max(Math.abs(lo), Math.abs(hi)) : 0;
      vf.errI = errI;
      const err = headError(f, dm, vf);
      // the dense output is also a (rounded) convex combination of the dense values
      const hLo = hs.vLo[s]!;
      const hHi = hs.vHi[s]!;
      const slack = hullSlack(f.visible, Math.max(Math.abs(hLo), Math.abs(hHi)));
      this.aLo[e] = Math.max(acc - err, hLo - slack);
      this.aHi[e] = Math.min(acc + err, hHi + slack);
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

  /** The enclosure of fl(x + y) in the dense run from those of x and y (exact when both are), into rlo, rhi. */
  private roundedSum(sum: number, xlo: number, xhi: number, ylo: number, yhi: number): void {
    if (xlo === xhi && ylo === yhi) {
      this.rlo = this.rhi = sum;
      return;
    }
    const lo = xlo + ylo;
    const hi = xhi + yhi;
    const g = roundSlack(lo, hi);
    this.rlo = lo - g;
    this.rhi = hi + g;
  }

  private feedForward(l: number): void {
    const { d, B } = this;
    const layer = this.pm.distinct[l]!;
    const { m } = layer;
    const rows = this.ffRows[l]!;
    for (let b = 0; b < B; b++) {
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
    spmv(U, this.h, b * d, this.logits, 0);
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
    spmvEnclosure(U, this.hlo, this.hhi, b * d, this.logits, 0, this.llo, this.lhi, 0);
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
      hs.kErr.fill(0);
      hs.cMin.fill(Infinity);
      hs.cMax.fill(0);
      hs.vMin.fill(Infinity);
      hs.vMax.fill(-Infinity);
      hs.vErr.fill(0);
      hs.vLo.fill(Infinity);
      hs.vHi.fill(-Infinity);
    }
  }
}

