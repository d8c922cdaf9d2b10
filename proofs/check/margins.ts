// check-cert's own induction: every attention weight computed (O(S^2)), then at each position the
// least lead of the right next token over every other, for every value of the wires that matter
// and either bit at every other position. Written apart from proofs/ on purpose.

import { OP_NAMES, type Circuit } from '../../circuits/index.js';
import type { Model, PositionalMeta } from '../../model/index.js';
import type { CheckArith } from './arith.js';

/** Gate semantics by name, the checker's own. */
export const GATE: Record<string, (a: number, b: number) => number> = {
  AND: (a, b) => a & b,
  OR: (a, b) => a | b,
  XOR: (a, b) => a ^ b,
  NAND: (a, b) => 1 - (a & b),
  NOR: (a, b) => 1 - (a | b),
  XNOR: (a, b) => 1 - (a ^ b),
  NOT: (a) => 1 - a,
  BUF: (a) => a,
  CONST0: () => 0,
  CONST1: () => 1,
};

export interface AttentionStats {
  /** Least weight any head puts on the position it attends to most. */
  minTopWeight: number;
  /** Most weight any head puts on all other positions together. */
  maxElsewhere: number;
  /** Least lead, over positions and heads, of the top weight over all other weights together. */
  minLead: number;
  /** Every weight exactly 0 or 1 (the paper's one-hot attention). */
  oneHot: boolean;
}

export interface Recomputed {
  first: number;
  margins: number[];
  attention: AttentionStats;
}

interface Net {
  m: Model;
  R: (x: number) => number;
  d: number;
}

function mv(n: Net, W: Float32Array, rows: number, cols: number, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let c = 0; c < cols; c++) acc = n.R(acc + n.R(n.R(W[r * cols + c]!) * x[c]!));
    out[r] = acc;
  }
  return out;
}

/** Interval matrix-vector product under monotone rounding. */
function mvBox(n: Net, W: Float32Array, rows: number, cols: number, lo: ArrayLike<number>, hi: ArrayLike<number>): [Float64Array, Float64Array] {
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let x = 0;
    let y = 0;
    for (let c = 0; c < cols; c++) {
      const w = n.R(W[r * cols + c]!);
      const p = n.R(w * lo[c]!);
      const q = n.R(w * hi[c]!);
      x = n.R(x + Math.min(p, q));
      y = n.R(y + Math.max(p, q));
    }
    a[r] = x;
    b[r] = y;
  }
  return [a, b];
}

function embed(n: Net, tok: number, pos: number): Float64Array {
  const { m, d } = n;
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) out[c] = n.R(n.R(m.tokEmb[tok * d + c]!) + n.R(m.posEmb[pos * d + c]!));
  return out;
}

/** A head whose query or key reads a coordinate some token embedding writes, or undefined. */
export function tokenDependentHead(m: Model): string | undefined {
  const d = m.d;
  const touched: number[] = [];
  for (let c = 0; c < d; c++) {
    for (let t = 0; t < m.vocab.length; t++) {
      if (m.tokEmb[t * d + c] !== 0) {
        touched.push(c);
        break;
      }
    }
  }
  for (const [l, L] of m.layers.entries()) {
    for (const [i, h] of L.heads.entries()) {
      for (const W of [h.wq, h.wk]) {
        for (let r = 0; r < h.dk; r++) for (const c of touched) if (W[r * d + c] !== 0) return `layer ${l} head ${i}`;
      }
    }
  }
  return undefined;
}

/** Rounded left-to-right scores of query q against keys 0..i into score; returns the largest.
 * (f32 gets its own loop: V8 inlines Math.fround only where it is named, ~3x faster.) */
function scores(R: (x: number) => number, q: Float64Array, K: Float64Array, dk: number, i: number, score: Float64Array): number {
  let top = -Infinity;
  if (R === Math.fround) {
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      const base = j * dk;
      for (let t = 0; t < dk; t++) acc = Math.fround(acc + Math.fround(q[t]! * K[base + t]!));
      score[j] = acc;
      if (acc > top) top = acc;
    }
    return top;
  }
  for (let j = 0; j <= i; j++) {
    let acc = 0;
    const base = j * dk;
    for (let t = 0; t < dk; t++) acc = R(acc + R(q[t]! * K[base + t]!));
    score[j] = acc;
    if (acc > top) top = acc;
  }
  return top;
}

/** Scores of query q against keys 0..i, then the rounded softmax weights into w; returns Z. */
function softmaxWeights(R: (x: number) => number, shift: boolean, q: Float64Array, K: Float64Array, dk: number, i: number, score: Float64Array, w: Float64Array): number {
  let top = scores(R, q, K, dk, i, score);
  if (!shift) top = 0;
  let Z = 0;
  for (let j = 0; j <= i; j++) {
    const e = R(Math.exp(R(score[j]! - top)));
    w[j] = e;
    Z = R(Z + e);
  }
  return Z;
}

/** Left-to-right rounded sum of w_j * v_j over j <= i, with v_best = own and v_j = V[j * dv + e] elsewhere. */
function weightedSum(R: (x: number) => number, w: Float64Array, V: Float64Array, dv: number, e: number, i: number, best: number, own: number): number {
  let x = 0;
  for (let j = 0; j <= i; j++) x = R(x + R(w[j]! * (j === best ? own : V[j * dv + e]!)));
  return x;
}

/** The checker's reading of a positional model's sequence: what each position holds, which token
 * each position must get, and the cases (values of the wires that matter) of the induction step. */
export interface SequencePlan {
  S: number;
  P: number;
  zero: number;
  one: number;
  /** What each position holds: a wire (>= 0) or a fixed token (-1 - id). */
  holds: number[];
  /** The tokens position j may hold: its fixed token, or '0' and '1'. */
  tokensOf(j: number): number[];
  /** The token wanted at position p as a function of the wires' values, and the wires it reads. */
  wanted(p: number): { deps: number[]; want: (v: (w: number) => number) => number };
  /** Every case of the step at position i (whose heads attend to `attended`): the values v of the
   * wires that matter (the one at i, the attended ones, `deps`), and the token each position then
   * holds (either bit at positions of other wires: callers take both). */
  cases(i: number, attended: number[], deps: number[], visit: (v: (w: number) => number, tokAt: (j: number) => number) => void): void;
}

export function sequencePlan(m: Model, c: Circuit): SequencePlan {
  const meta = m.meta as PositionalMeta;
  const P = meta.prompt.length;
  const zero = meta.vocab.indexOf('0');
  const one = meta.vocab.indexOf('1');
  const holds = [...meta.prompt, ...meta.cot_template].map((e) => (typeof e === 'number' ? -1 - e : Number(e.slice(1))));
  const defined = new Map<number, number>(); // gate wire -> position of its own value
  meta.cot_template.forEach((e: string | number, t: number) => {
    if (typeof e === 'string') {
      const w = Number(e.slice(1));
      if (w >= c.nInputs && !defined.has(w)) defined.set(w, P + t); // first occurrence: the gate's own value
    }
  });
  const tokensOf = (j: number) => (holds[j]! < 0 ? [-1 - holds[j]!] : [zero, one]);
  const wanted = (p: number): ReturnType<SequencePlan['wanted']> => {
    const next = holds[p]!;
    if (next < 0) return { deps: [], want: () => -1 - next };
    if (defined.get(next) === p) {
      const g = next - c.nInputs;
      const f = GATE[OP_NAMES[c.ops[g]!]!]!;
      const deps = [c.a[g]!, c.b[g]!].filter((x) => x >= 0);
      return { deps, want: (v) => (f(deps[0] !== undefined ? v(deps[0]) : 0, deps[1] !== undefined ? v(deps[1]) : 0) ? one : zero) };
    }
    return { deps: [next], want: (v) => (v(next) ? one : zero) };
  };
  const cases: SequencePlan['cases'] = (i, attended, deps, visit) => {
    const free = [...new Set([holds[i]!, ...attended.map((j) => holds[j]!), ...deps].filter((x) => x >= 0))];
    for (let mask = 0; mask < 1 << free.length; mask++) {
      const v = (x: number) => (mask >> free.indexOf(x)) & 1;
      visit(v, (j) => (holds[j]! < 0 ? -1 - holds[j]! : v(holds[j]!) ? one : zero));
    }
  };
  return { S: meta.seq_len, P, zero, one, holds, tokensOf, wanted, cases };
}

/** Recomputes the per-position margins with every attention weight (O(S^2)). The heads must be
 * position-only (tokenDependentHead(m) undefined): then one attention pattern serves every input. */
export function recomputeMargins(m: Model, c: Circuit, arith: CheckArith): Recomputed {
  const n: Net = { m, R: arith.round, d: m.d };
  const R = arith.round;
  const plan = sequencePlan(m, c);
  const { S, P, one, holds, tokensOf } = plan;
  const L = m.layers[0]!;
  const heads = L.heads;
  const keys = heads.map((h) => {
    const K = new Float64Array(S * h.dk);
    for (let j = 0; j < S; j++) K.set(mv(n, h.wk, h.dk, n.d, embed(n, tokensOf(j)[0]!, j)), j * h.dk);
    return K;
  });
  // values[h][(j * 2 + option) * dv + e]; vlo/vhi: the least and greatest over the options at j
  const values = heads.map((h) => {
    const V = new Float64Array(S * 2 * h.dv);
    for (let j = 0; j < S; j++) {
      const opts = tokensOf(j);
      for (let o = 0; o < 2; o++) V.set(mv(n, h.wv, h.dv, n.d, embed(n, opts[Math.min(o, opts.length - 1)]!, j)), (j * 2 + o) * h.dv);
    }
    return V;
  });
  const vlo = heads.map((h) => new Float64Array(S * h.dv));
  const vhi = heads.map((h) => new Float64Array(S * h.dv));
  heads.forEach((h, hi) => {
    const V = values[hi]!;
    for (let j = 0; j < S; j++) {
      for (let e = 0; e < h.dv; e++) {
        const a = V[j * 2 * h.dv + e]!;
        const b = V[(j * 2 + 1) * h.dv + e]!;
        vlo[hi]![j * h.dv + e] = Math.min(a, b);
        vhi[hi]![j * h.dv + e] = Math.max(a, b);
      }
    }
  });
  const score = new Float64Array(S);
  const w = new Float64Array(S);
  const attention: AttentionStats = { minTopWeight: Infinity, maxElsewhere: 0, minLead: Infinity, oneHot: true };
  const margins: number[] = [];
  for (let i = P - 1; i < S - 1; i++) {
    // each head: its weights, its most-attended position, and its output range for each token there
    const att = heads.map((h, hi) => {
      const q = mv(n, h.wq, h.dk, n.d, embed(n, tokensOf(i)[0]!, i));
      const Z = softmaxWeights(R, arith.shift, q, keys[hi]!, h.dk, i, score, w);
      let best = 0;
      for (let j = 0; j <= i; j++) {
        w[j] = Z === 0 ? 0 : R(w[j]! / Z);
        if (w[j]! > w[best]!) best = j;
        if (w[j] !== 0 && w[j] !== 1) attention.oneHot = false;
      }
      let elsewhere = 0;
      for (let j = 0; j <= i; j++) if (j !== best) elsewhere += w[j]!;
      attention.minTopWeight = Math.min(attention.minTopWeight, w[best]!);
      attention.maxElsewhere = Math.max(attention.maxElsewhere, elsewhere);
      attention.minLead = Math.min(attention.minLead, w[best]! - elsewhere);
      // output ranges: lo[o], hi[o] for option o at `best`, every other position at either token
      const lo: Float64Array[] = [];
      const hiv: Float64Array[] = [];
      const options = tokensOf(best).length;
      for (let o = 0; o < options; o++) {
        const a = new Float64Array(h.dv);
        const b = new Float64Array(h.dv);
        for (let e = 0; e < h.dv; e++) {
          const own = values[hi]![(best * 2 + o) * h.dv + e]!;
          a[e] = weightedSum(R, w, vlo[hi]!, h.dv, e, i, best, own);
          b[e] = weightedSum(R, w, vhi[hi]!, h.dv, e, i, best, own);
        }
        lo.push(a);
        hiv.push(b);
      }
      return { best, lo, hi: hiv };
    });
    const { deps, want } = plan.wanted(i + 1);
    let worst = Infinity;
    plan.cases(i, att.map((a) => a.best), deps, (v, tokAt) => {
      const sumLo = new Float64Array(n.d);
      const sumHi = new Float64Array(n.d);
      heads.forEach((h, hi) => {
        const { best, lo, hi: up } = att[hi]!;
        const o = holds[best]! < 0 ? 0 : tokAt(best) === one ? 1 : 0;
        const [oa, ob] = mvBox(n, h.wo, n.d, h.dv, lo[o]!, up[o]!);
        for (let x = 0; x < n.d; x++) {
          sumLo[x] = R(sumLo[x]! + oa[x]!);
          sumHi[x] = R(sumHi[x]! + ob[x]!);
        }
      });
      const base = embed(n, tokAt(i), i);
      const hLo = base.map((x, k) => R(x + sumLo[k]!));
      const hHi = base.map((x, k) => R(x + sumHi[k]!));
      const [za, zb] = mvBox(n, L.ff.w1, L.ff.m, n.d, hLo, hHi);
      const ra = za.map((z, u) => Math.max(0, R(z + R(L.ff.b1[u]!))));
      const rb = zb.map((z, u) => Math.max(0, R(z + R(L.ff.b1[u]!))));
      const [fa, fb] = mvBox(n, L.ff.w2, n.d, L.ff.m, ra, rb);
      const oLo = hLo.map((x, k) => R(x + R(fa[k]! + R(L.ff.b2[k]!))));
      const oHi = hHi.map((x, k) => R(x + R(fb[k]! + R(L.ff.b2[k]!))));
      const [la, lb] = mvBox(n, m.unembed, m.vocab.length, n.d, oLo, oHi);
      const target = want(v);
      let rival = -Infinity;
      for (let t = 0; t < lb.length; t++) if (t !== target && lb[t]! > rival) rival = lb[t]!;
      worst = Math.min(worst, la[target]! - rival);
    });
    margins.push(worst);
  }
  return { first: P - 1, margins, attention };
}
