// The attention of every head at every position, over every input at once (one pass, layer by
// layer, on boxes whose input-dependent coordinates hold both alternatives). Every head is a match
// head: each key's and query's code is read off its box (a bit is +1, -1, or 0 for an exact zero;
// anything else is no code), the keys are indexed by code, and the query's match is the unique
// visible key with its code.
//   exact (paper formats): by the automaton lemma (match.ts) the weights are then exactly 1 on the
//     match and 0 elsewhere (all 0 without a match), so the head's output is exactly the match's
//     value vector (or 0). A query whose match is not unique is recorded as ambiguous.
//   outward (f32): the score of the match is enclosed; every other visible key differs from the
//     query in some pair, and per pair the most a same-code and an other-code key can contribute
//     is taken over all keys, which bounds every other score by U; then the match's weight is at
//     least 1 / (1 + (n - 1) e^(U - s_t)) up to exp/sum/division rounding, and the weight elsewhere
//     at most η. Without a match the output lies in the hull of all value vectors.
// The result per (layer, head, position): the matched target (-1 none, -2 ambiguous, -3 no code)
// and, outward, the bounds on the target weight and on the weight elsewhere.

import { DIV_REL, expRel, gamma, sumError, U } from '../enclosure.js';
import { layerStep, embedAt, type Network } from './network.js';
import { newBox, type Box } from './ops.js';

export const NO_MATCH = -1;
export const AMBIGUOUS = -2;
export const NO_CODE = -3;

export interface HeadAttention {
  target: Int32Array;
  /** outward: least weight on the target, most weight elsewhere (exact: 1 and 0). */
  alphaLo: Float64Array;
  alphaHi: Float64Array;
  eta: Float64Array;
  /** Per position p, the hull of this head's value vectors over positions 0..p and every input: [p * dv + e]. */
  hullLo: Float64Array;
  hullHi: Float64Array;
  dv: number;
}

/** The hull of a head's values over the positions position p sees. */
export function visibleHull(a: HeadAttention, p: number): Box {
  return { lo: a.hullLo.subarray(p * a.dv, (p + 1) * a.dv), hi: a.hullHi.subarray(p * a.dv, (p + 1) * a.dv) };
}

export interface AttentionPass {
  heads: HeadAttention[][];
  /** The residual box after each layer at every position, over every input (layer -1: embedding). */
  final: Box[];
}

/** Code bits of a box row pair by pair: +1/-1 when the box lies beyond ±half·scale, 0 when exactly 0, NaN otherwise. */
export function codeOf(lo: Float64Array, hi: Float64Array, pairs: number, scale: number, exact: boolean): Float64Array {
  const out = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const a = lo[2 * i]!;
    const b = hi[2 * i]!;
    if (exact) out[i] = a !== b ? NaN : a === scale ? 1 : a === -scale ? -1 : a === 0 ? 0 : NaN;
    else out[i] = a >= scale / 2 ? 1 : b <= -scale / 2 ? -1 : a === 0 && b === 0 ? 0 : NaN;
  }
  return out;
}

export const keyOf = (code: Float64Array): string => Array.from(code, (x) => (x > 0 ? '+' : x < 0 ? '-' : '0')).join('');

export function attentionPass(net: Network): AttentionPass {
  const { pm, ops } = net;
  const S = net.bound.seq.seqLen;
  const exact = !ops.outward;
  let h: Box[] = Array.from({ length: S }, (_, p) => embedAt(net, p, undefined));
  const heads: HeadAttention[][] = [];
  net.layers.forEach((L, l) => {
    const outs: Box[][] = L.heads.map(() => new Array<Box>(S));
    const layerHeads: HeadAttention[] = L.heads.map((hd, hi) => {
      const st = hd.struct;
      const P = st.pairs;
      const lam = exact ? pm.k.round(st.lambda) : st.lambda;
      const q = h.map((x) => ops.matvec(hd.wq, x));
      const k = h.map((x) => ops.matvec(hd.wk, x));
      const v = h.map((x) => ops.matvec(hd.wv, x));
      const { lo: hullLo, hi: hullHi } = prefixHull(v, hd.dv);
      const target = new Int32Array(S);
      const alphaLo = new Float64Array(S);
      const alphaHi = new Float64Array(S);
      const eta = new Float64Array(S);
      // Per pair, the most a key with code bit +1 / -1 contributes, over every key (outward bound U).
      const kr = keyRanges(k, P);
      const index = new Map<string, number[]>();
      for (let p = 0; p < S; p++) {
        const kc = codeOf(k[p]!.lo, k[p]!.hi, P, lam, exact);
        if (kc.some((x) => Number.isNaN(x))) {
          if (!exact) throw new CertError(`head ${st.name} (layer ${l}): the key at position ${p} is not a code`);
          // an exact non-code key could score anything: no query may be decided
          target.fill(NO_CODE, p);
          break;
        }
        const key = keyOf(kc);
        const list = index.get(key);
        if (list) list.push(p);
        else index.set(key, [p]);
        const qc = codeOf(q[p]!.lo, q[p]!.hi, P, 1, exact);
        if (target[p] === NO_CODE) continue;
        let t: number;
        // outward: a query that is not a clean code matches nothing for sure, and an output without
        // a match is bounded by the hull of the visible values whatever the scores are
        if (qc.some((x) => Number.isNaN(x))) t = exact ? NO_CODE : NO_MATCH;
        else if (qc.some((x) => x === 0)) t = NO_MATCH;
        else {
          const m = index.get(keyOf(qc));
          t = !m ? NO_MATCH : m.length === 1 ? m[0]! : AMBIGUOUS;
        }
        target[p] = t;
        if (exact) {
          alphaLo[p] = alphaHi[p] = t >= 0 ? 1 : 0;
          continue;
        }
        if (t >= 0) {
          const w = weights(q[p]!, k[t]!, qc, kr, P, p + 1);
          alphaLo[p] = w.lo;
          alphaHi[p] = w.hi;
          eta[p] = w.eta;
        } else {
          // no key matches: a convex combination of the visible values (weights summing to about 1)
          alphaLo[p] = 0;
          alphaHi[p] = 0;
          eta[p] = ((1 + DIV_REL) * (1 + 4 * U)) / (1 - gamma(p + 1));
        }
      }
      const ha: HeadAttention = { target, alphaLo, alphaHi, eta, hullLo, hullHi, dv: hd.dv };
      for (let p = 0; p < S; p++) outs[hi]![p] = headOutput(exact, target[p]!, v, alphaLo[p]!, alphaHi[p]!, eta[p]!, visibleHull(ha, p), hd.dv, p + 1);
      return ha;
    });
    heads.push(layerHeads);
    h = h.map((x, p) => layerStep(net, l, x, outs.map((o) => o[p]!)));
  });
  return { heads, final: h };
}

export class CertError extends Error {}

function prefixHull(v: Box[], dv: number): { lo: Float64Array; hi: Float64Array } {
  const lo = new Float64Array(v.length * dv);
  const hi = new Float64Array(v.length * dv);
  v.forEach((b, p) => {
    for (let e = 0; e < dv; e++) {
      lo[p * dv + e] = p > 0 ? Math.min(lo[(p - 1) * dv + e]!, b.lo[e]!) : b.lo[e]!;
      hi[p * dv + e] = p > 0 ? Math.max(hi[(p - 1) * dv + e]!, b.hi[e]!) : b.hi[e]!;
    }
  });
  return { lo, hi };
}

export interface KeyRanges {
  /** Per pair: the largest |k| over keys with bit +1 and -1, and the range of the constant term. */
  posHi: Float64Array;
  posLo: Float64Array;
  negHi: Float64Array;
  negLo: Float64Array;
  cLo: Float64Array;
  cHi: Float64Array;
  /** Some key holds an exact 0 in pair i. */
  zero: Uint8Array;
}

export function keyRanges(k: Box[], P: number): KeyRanges {
  const r: KeyRanges = {
    posHi: new Float64Array(P).fill(-Infinity),
    posLo: new Float64Array(P).fill(Infinity),
    negHi: new Float64Array(P).fill(-Infinity),
    negLo: new Float64Array(P).fill(Infinity),
    cLo: new Float64Array(P).fill(Infinity),
    cHi: new Float64Array(P).fill(-Infinity),
    zero: new Uint8Array(P),
  };
  for (const b of k) {
    for (let i = 0; i < P; i++) {
      const lo = b.lo[2 * i]!;
      const hi = b.hi[2 * i]!;
      if (lo > 0) {
        r.posLo[i] = Math.min(r.posLo[i]!, lo);
        r.posHi[i] = Math.max(r.posHi[i]!, hi);
      } else if (hi < 0) {
        r.negLo[i] = Math.min(r.negLo[i]!, lo);
        r.negHi[i] = Math.max(r.negHi[i]!, hi);
      } else r.zero[i] = 1;
      r.cLo[i] = Math.min(r.cLo[i]!, b.lo[2 * i + 1]!);
      r.cHi[i] = Math.max(r.cHi[i]!, b.hi[2 * i + 1]!);
    }
  }
  return r;
}

const maxProd = (a: number, b: number, c: number, e: number): number => Math.max(a * c, a * e, b * c, b * e);
const minProd = (a: number, b: number, c: number, e: number): number => Math.min(a * c, a * e, b * c, b * e);

/** Target weight bounds and the weight elsewhere, for a query box q matched to key box kt. */
export function weights(q: Box, kt: Box, qc: Float64Array, kr: KeyRanges, P: number, n: number): { lo: number; hi: number; eta: number } {
  // the target's score
  let sLo = 0;
  let sHi = 0;
  let abs = 0;
  for (let c = 0; c < 2 * P; c++) {
    const lo = minProd(q.lo[c]!, q.hi[c]!, kt.lo[c]!, kt.hi[c]!);
    const hi = maxProd(q.lo[c]!, q.hi[c]!, kt.lo[c]!, kt.hi[c]!);
    sLo += lo;
    sHi += hi;
    abs += Math.max(Math.abs(lo), Math.abs(hi));
  }
  const se = sumError(2 * P, abs);
  sLo -= se;
  sHi += se;
  // every other key differs from the query's code in some pair: per pair, the most a key with the
  // same bit (tSame) and with another bit or an exact 0 (tOther) can add, over all keys
  const tSame: number[] = [];
  const tOther: number[] = [];
  let abs2 = 0;
  for (let i = 0; i < P; i++) {
    const qlo = q.lo[2 * i]!;
    const qhi = q.hi[2 * i]!;
    const cst = maxProd(q.lo[2 * i + 1]!, q.hi[2 * i + 1]!, kr.cLo[i]!, kr.cHi[i]!);
    const pos = kr.posLo[i]! <= kr.posHi[i]! ? maxProd(qlo, qhi, kr.posLo[i]!, kr.posHi[i]!) : -Infinity;
    const neg = kr.negLo[i]! <= kr.negHi[i]! ? maxProd(qlo, qhi, kr.negLo[i]!, kr.negHi[i]!) : -Infinity;
    const zero = kr.zero[i] ? 0 : -Infinity;
    const [mine, other] = qc[i]! > 0 ? [pos, Math.max(neg, zero)] : [neg, Math.max(pos, zero)];
    tSame.push(mine + cst);
    tOther.push(other + cst);
    abs2 += Math.max(Math.abs(Number.isFinite(mine) ? mine : 0), Math.abs(Number.isFinite(other) ? other : 0)) + Math.abs(cst);
  }
  const gains = tSame.map((x, i) => tOther[i]! - x);
  const allWorse = gains.every((g) => !(g > 0));
  const same = allWorse ? tSame.reduce((a, b) => a + b, 0) + Math.max(...gains) : tSame.reduce((a, x, i) => a + Math.max(x, tOther[i]!), 0);
  const Uo = same + sumError(2 * P, abs2);
  const others = n - 1;
  if (others === 0) return { lo: (1 - 3 * U) / ((1 + 3 * U) * (1 + DIV_REL)), hi: (1 + 3 * U) / ((1 - 3 * U) * (1 - DIV_REL)), eta: 0 };
  const x = Uo - sLo;
  const er = expRel(Math.max(Math.abs(x), Math.abs(sHi - sLo)));
  const rest = others * Math.exp(x) * (1 + er);
  const g = gamma(n);
  const lo = ((1 - 3 * U) / ((1 + 3 * U) + rest)) * (1 - g) * (1 - DIV_REL);
  const hi = ((1 + 3 * U) / (1 - 3 * U)) * (1 + g) * (1 + DIV_REL);
  const eta = (rest / ((1 - 3 * U) * (1 - g))) * (1 + DIV_REL);
  if (!(x < 0)) return { lo: 0, hi, eta: Math.max(eta, 1) };
  return { lo, hi, eta };
}

/** A head's output box at one position given its target (or none) and weight bounds. */
export function headOutput(exact: boolean, t: number, v: Box[] | ((t: number) => Box), aLo: number, aHi: number, eta: number, hull: Box, dv: number, n: number): Box {
  const out = newBox(dv);
  const val = typeof v === 'function' ? v : (j: number) => v[j]!;
  if (exact) {
    if (t >= 0) {
      const b = val(t);
      out.lo.set(b.lo);
      out.hi.set(b.hi);
    }
    return out;
  }
  const g = gamma(n);
  const b = t >= 0 ? val(t) : undefined;
  // without a target the weights sum to within rounding of 1: [sLo, eta]
  const sLo = b ? 0 : Math.max(0, ((1 - DIV_REL) * (1 - 4 * U)) / (1 + g) - n * 2 ** -126);
  for (let e = 0; e < dv; e++) {
    let lo = Math.min(sLo * hull.lo[e]!, eta * hull.lo[e]!, b ? 0 : Infinity);
    let hi = Math.max(sLo * hull.hi[e]!, eta * hull.hi[e]!, b ? 0 : -Infinity);
    let abs = eta * Math.max(Math.abs(hull.lo[e]!), Math.abs(hull.hi[e]!));
    if (b) {
      lo += minProd(aLo, aHi, b.lo[e]!, b.hi[e]!);
      hi += maxProd(aLo, aHi, b.lo[e]!, b.hi[e]!);
      abs += aHi * Math.max(Math.abs(b.lo[e]!), Math.abs(b.hi[e]!));
    }
    const err = g * abs + n * 2 ** -126;
    out.lo[e] = lo - err;
    out.hi[e] = hi + err;
  }
  return out;
}
