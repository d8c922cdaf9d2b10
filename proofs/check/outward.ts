// check-cert's own outward enclosure of a positional model's margins under binary32 (claim 4 of an
// f32 certificate made with --rounding outward). Written apart from proofs/enclosure.ts on purpose:
// it computes every score as an interval (no automaton over key coordinates), bounds the softmax
// with its own error analysis, and shares nothing with the certifier but the model file.
//
// What it encloses: every binary32 evaluation of the model in which
//   - each +, -, × is rounded faithfully (to either neighbour of the exact value: |error| < one
//     ulp ≤ u·|x|, u = 2^-23), a result below 2^-126 may be flushed to zero (|error| < 2^-126);
//   - every sum and dot product is taken in any order and association, also fused across what the
//     model writes as separate sums (the residual add with the heads' output projections, the
//     feed-forward output with its bias and the residual): each is bounded as ONE flat sum;
//   - exp(x) is within (3 + 2|x|) ulp of e^x and is not negative, x / y within 2.5 ulp for
//     |y| in [2^-126, 2^126] (WGSL's f32 accuracy for exp and division);
//   - softmax subtracts the maximum of the computed scores, at once (the CPU reference: e_j / Z,
//     then Σ a_j·v_j) or online (the WebGPU kernels: running maximum, the running sums rescaled by
//     exp(m_old - m_new) when it grows, partials merged the same way, Σ e_j·v_j / Z at the end);
// and the exact real computation. Quantities are intervals computed in float64; every bound also
// covers float64's own rounding while it is computed ((n + 4)·2^-52 relative on an n-term sum).
//
// The error analysis (docs/proofs.md, check-cert):
//   sum of n terms, Σ|t| = A: |computed - exact| ≤ γ_n·A + 2n·2^-126, γ_n = n·u / (1 - n·u)
//   a softmax term j, D_j = M - s_j ≥ 0 (M the row maximum): it is the exp of its first shifted
//     score times at most K = n + 1 rescaling factors, whose exponents add up to D_j. A factor with
//     exponent Δ ≥ 0 (subtraction 1 ulp, exp (3 + 2|Δ|) ulp, the product 1 ulp) lies within
//     exp(-Δ ± (4 + 3Δ)·u) plus an absolute E = (3 + 2·spread)·2^-149 + 2·2^-126 (subnormal
//     results, flushes; spread = the row's largest score minus its least), so
//       term_j ≤ exp(-D_j·(1 - 3.01u) + 4.01·K·u) + K·E·exp(4.02·K·u)
//       term_j ≥ exp(-D_j·(1 + 3.04u) - 4.04·K·u) - K·E       (D_j ≤ 1000; else ≥ 0)
//   Z = Σ term_j, any order, its partial sums rescaled by up to K factors: γ_n·exp(2.01·K·u)
//     relative plus absolute flushes; weight a_j = term_j / Z within 2.5 ulp, where the term's
//     copy in the numerator and its copy in Z share its exp and every scale factor (computed once,
//     applied to both), differing by the products' roundings only (within exp(±2.01·K·u)), and Z
//     is at least each term's own copy: the shared rounding cancels in the weight;
//   a head's output Σ a_j·v_j: each weight's interval times each value's interval (the position
//     the head attends to most with the token of the case, every other at either token), the same
//     rescaled sum error, plus 2.5 subnormal ulps for the final division.
// A position whose enclosure leaves f32's range (a bound beyond 3.4e38), or whose weights or
// bounds are not finite, gets no bound (-Infinity) and a reason.

import type { Circuit } from '../../circuits/index.js';
import type { Model } from '../../model/index.js';
import { sequencePlan, tokenDependentHead } from './margins.js';

/** A faithful binary32 rounding errs by less than one ulp ≤ u·|x| (normal results). */
const u = 2 ** -23;
/** Results below the normal range may be flushed to zero. */
const TINY = 2 ** -126;
/** One ulp among binary32 subnormals. */
const SUB = 2 ** -149;
const FLT_MAX = 3.4028234663852886e38;
/** float64's own rounding while the bounds are computed (one unit of 2^-52 per operation). */
const F64 = 2 ** -52;
/** WGSL: f32 division within 2.5 ulp (divisor in [2^-126, 2^126]). */
const DIV = 2.5 * u;
/** Absolute error of one softmax factor whose exponent is at most `spread` (its result's
 * subnormal ulps, (3 + 2|x|) of them, and flushes). */
const absError = (spread: number): number => (3 + 2.0001 * spread) * SUB * (1 + u) + 2 * TINY;

const gamma = (n: number): number => (n * u < 0.5 ? (n * u) / (1 - n * u) : Infinity);

/** Half-width to add around an n-term sum whose terms' absolute values add up to A. */
function widen(n: number, A: number, relScale = 1): number {
  return (gamma(n) * relScale + (n + 4) * F64) * A * (1 + 2 ** -40) + 2 * n * TINY;
}

interface Box {
  lo: Float64Array;
  hi: Float64Array;
}

const newBox = (n: number): Box => ({ lo: new Float64Array(n), hi: new Float64Array(n) });

/** A row-major f32 matrix as its nonzeros (a zero weight adds an exact zero in every order). */
interface Sparse {
  rows: number;
  ptr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

function sparse(W: Float32Array, rows: number, cols: number): Sparse {
  const ptr = new Int32Array(rows + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = W[r * cols + c]!;
      if (w !== 0) {
        col.push(c);
        val.push(w);
      }
    }
    ptr[r + 1] = col.length;
  }
  return { rows, ptr, col: Int32Array.from(col), val: Float64Array.from(val) };
}

/** Where a position's enclosure stops being a bound (the first reason wins). */
class Trouble {
  why = '';
  note(why: string): void {
    if (!this.why) this.why = why;
  }
}

/** Checks an enclosed quantity against f32's range (and against NaN from non-finite weights). */
function inRange(t: Trouble, what: string, A: number): void {
  if (!(A * (1 + 2 * u) + 1 <= FLT_MAX)) t.note(`${what} may leave binary32's range (terms of size ${A.toPrecision(3)})`);
}

/**
 * out = W·x (+ bias) (+ residual), each row one flat sum over its terms in any order: the
 * products W_rc·x_c, the bias and the residual's own (already computed) value.
 */
function matBox(t: Trouble, what: string, W: Sparse, x: Box, out: Box, bias?: Float32Array, residual?: Box): void {
  for (let r = 0; r < W.rows; r++) {
    let lo = 0;
    let hi = 0;
    let A = 0;
    let n = 0;
    for (let p = W.ptr[r]!; p < W.ptr[r + 1]!; p++) {
      const w = W.val[p]!;
      const c = W.col[p]!;
      const a = w * x.lo[c]!;
      const b = w * x.hi[c]!;
      if (a < b) {
        lo += a;
        hi += b;
      } else {
        lo += b;
        hi += a;
      }
      A += Math.max(Math.abs(a), Math.abs(b));
      n++;
    }
    if (bias && bias[r] !== 0) {
      lo += bias[r]!;
      hi += bias[r]!;
      A += Math.abs(bias[r]!);
      n++;
    }
    if (residual) {
      lo += residual.lo[r]!;
      hi += residual.hi[r]!;
      A += Math.max(Math.abs(residual.lo[r]!), Math.abs(residual.hi[r]!));
      n++;
    }
    inRange(t, what, A);
    const err = widen(n, A);
    out.lo[r] = lo - err;
    out.hi[r] = hi + err;
  }
}

/** The embedding fl(tok + pos) of token tok at position j: exact where either part is 0. */
function embedBox(t: Trouble, m: Model, tok: number, j: number): Box {
  const d = m.d;
  const out = newBox(d);
  for (let c = 0; c < d; c++) {
    const a = m.tokEmb[tok * d + c]!;
    const b = m.posEmb[j * d + c]!;
    const err = a === 0 || b === 0 ? 0 : widen(1, Math.abs(a) + Math.abs(b));
    inRange(t, 'an embedding', Math.abs(a) + Math.abs(b));
    out.lo[c] = a + b - err;
    out.hi[c] = a + b + err;
  }
  return out;
}

/** The checker's own outward margins: per CoT position, a lower bound on the lead of the right
 * token over every other, over every input and every evaluation the header describes. */
export interface OutwardMargins {
  first: number;
  /** -Infinity where the enclosure gives no bound (see `failure`). */
  margins: number[];
  /** The first position without a positive bound, and why. */
  failure?: { position: number; detail: string };
  /** Least enclosed weight on the position each head attends to most; most enclosed weight elsewhere. */
  minTopWeight: number;
  maxElsewhere: number;
}

interface HeadSet {
  dk: number;
  dv: number;
  wq: Sparse;
  /** key midpoints [j * dk + c]; per coordinate: the largest radius, the largest |midpoint| + radius */
  kc: Float64Array;
  kRad: Float64Array;
  kAbs: Float64Array;
  /** value boxes [(j * 2 + option) * dv + e]; vLo/vHi: over both options at j */
  vals: Box;
  vLo: Float64Array;
  vHi: Float64Array;
}

/** Keys and values of every position, enclosed (heads are position-only: one key per position). */
function prepareHead(m: Model, h: Model['layers'][number]['heads'][number], S: number, tokensOf: (j: number) => number[], t: Trouble): HeadSet {
  const d = m.d;
  const wk = sparse(h.wk, h.dk, d);
  const wv = sparse(h.wv, h.dv, d);
  const kc = new Float64Array(S * h.dk);
  const kRad = new Float64Array(h.dk);
  const kAbs = new Float64Array(h.dk);
  const vals = newBox(S * 2 * h.dv);
  const vLo = new Float64Array(S * h.dv);
  const vHi = new Float64Array(S * h.dv);
  const k = newBox(h.dk);
  const v = newBox(h.dv);
  for (let j = 0; j < S; j++) {
    const opts = tokensOf(j);
    matBox(t, 'a key', wk, embedBox(t, m, opts[0]!, j), k);
    for (let c = 0; c < h.dk; c++) {
      const mid = 0.5 * (k.lo[c]! + k.hi[c]!);
      const rad = 0.5 * (k.hi[c]! - k.lo[c]!) * (1 + F64) + F64 * (Math.abs(k.lo[c]!) + Math.abs(k.hi[c]!));
      kc[j * h.dk + c] = mid;
      kRad[c] = Math.max(kRad[c]!, rad);
      kAbs[c] = Math.max(kAbs[c]!, Math.abs(mid) + rad);
    }
    for (let o = 0; o < 2; o++) {
      matBox(t, 'a value', wv, embedBox(t, m, opts[Math.min(o, opts.length - 1)]!, j), v);
      vals.lo.set(v.lo, (j * 2 + o) * h.dv);
      vals.hi.set(v.hi, (j * 2 + o) * h.dv);
    }
    for (let e = 0; e < h.dv; e++) {
      vLo[j * h.dv + e] = Math.min(vals.lo[j * 2 * h.dv + e]!, vals.lo[(j * 2 + 1) * h.dv + e]!);
      vHi[j * h.dv + e] = Math.max(vals.hi[j * 2 * h.dv + e]!, vals.hi[(j * 2 + 1) * h.dv + e]!);
    }
  }
  return { dk: h.dk, dv: h.dv, wq: sparse(h.wq, h.dk, d), kc, kRad, kAbs, vals, vLo, vHi };
}

/** Interval product [a, b]·[c, d]: its least and greatest value and greatest magnitude. */
function mulBox(a: number, b: number, c: number, d: number): [number, number, number] {
  const p = a * c;
  const q = a * d;
  const r = b * c;
  const s = b * d;
  const lo = Math.min(p, q, r, s);
  const hi = Math.max(p, q, r, s);
  return [lo, hi, Math.max(-lo, hi)];
}

interface Attended {
  best: number;
  /** the head's output for each token at `best` */
  out: Box[];
  top: number;
  elsewhere: number;
}

/** One head at query position i: score intervals, softmax weights, its output box per token at the
 * position it attends to most. Scratch arrays of length >= i + 1. */
function attend(H: HeadSet, q: Box, i: number, t: Trouble, sLo: Float64Array, sHi: Float64Array, pLo: Float64Array, pHi: Float64Array, options: (j: number) => number): Attended {
  const { dk, dv, kc, kRad, kAbs } = H;
  // query as midpoint and radius; one radius for every score (the largest key radii)
  const qc = new Float64Array(dk);
  let R = 0;
  let A = 0;
  for (let c = 0; c < dk; c++) {
    qc[c] = 0.5 * (q.lo[c]! + q.hi[c]!);
    const qr = 0.5 * (q.hi[c]! - q.lo[c]!) * (1 + F64) + F64 * (Math.abs(q.lo[c]!) + Math.abs(q.hi[c]!));
    R += Math.abs(qc[c]!) * kRad[c]! + qr * kAbs[c]!;
    A += (Math.abs(qc[c]!) + qr) * kAbs[c]!;
  }
  inRange(t, 'a score', A);
  const rad = R * (1 + 2 ** -40) + widen(dk, A);
  const n = i + 1;
  let best = 0;
  let sMin = Infinity;
  for (let j = 0; j <= i; j++) {
    let s = 0;
    const base = j * dk;
    for (let c = 0; c < dk; c++) s += qc[c]! * kc[base + c]!;
    sLo[j] = s - rad;
    sHi[j] = s + rad;
    if (sLo[j]! > sLo[best]!) best = j;
    if (sLo[j]! < sMin) sMin = sLo[j]!;
  }
  // the row maximum M of the computed scores; where `best` certainly scores highest, M is its own
  // computed score, so its exponent is exactly 0 whatever that score's rounding
  let other = -Infinity;
  for (let j = 0; j <= i; j++) if (j !== best && sHi[j]! > other) other = sHi[j]!;
  const separated = sLo[best]! > other;
  const mLo = sLo[best]!;
  const mHi = Math.max(sHi[best]!, other);
  const spread = mHi - sMin;
  if (!Number.isFinite(spread)) t.note('a score bound is not finite');
  // softmax terms (each the shifted exp times every rescaling), their sum Z, then the weights
  const K = n + 1;
  const upK = 4.01 * K * u;
  const loK = 4.04 * K * u;
  const absK = K * absError(spread * (1 + F64));
  const absUp = absK * Math.exp(4.02 * K * u);
  let zLo = 0;
  let zHi = 0;
  for (let j = 0; j <= i; j++) {
    const own = separated && j === best;
    const dLo = own ? 0 : Math.max(0, mLo - sHi[j]! - F64 * (Math.abs(mLo) + Math.abs(sHi[j]!)));
    const dHi = own ? 0 : mHi - sLo[j]! + F64 * (Math.abs(mHi) + Math.abs(sLo[j]!));
    pHi[j] = Math.exp(-dLo * (1 - 3.01 * u) + upK) * (1 + 4 * F64) + absUp;
    pLo[j] = dHi <= 1000 ? Math.max(0, Math.exp(-dHi * (1 + 3.04 * u) - loK) * (1 - 4 * F64) - absK) : 0;
    zLo += pLo[j]!;
    zHi += pHi[j]!;
  }
  // Z: the sum of the terms (any order, its partial sums rescaled with them); and at least each
  // term's own copy in it (faithful additions of non-negative terms never decrease a partial sum)
  const rescaled = Math.exp(2.01 * K * u);
  const g = (gamma(n) * rescaled + (n + 4) * F64) * (1 + 2 ** -40);
  const absZ = (2 * n + K) * TINY;
  let topLo = 0;
  for (let j = 0; j <= i; j++) topLo = Math.max(topLo, pLo[j]!);
  const zMin = Math.max(topLo, zLo * (1 - g) - absZ);
  const zMax = zHi * (1 + g) + absZ;
  if (!(zMin >= 2 ** -126 && zMax <= 2 ** 126)) {
    t.note(`the softmax denominator is only known to lie in [${zMin}, ${zMax}] (scores enclosed within ±${rad.toPrecision(3)}${separated ? '' : ', no key certainly scoring highest'}), where division is not within 2.5 ulp`);
  }
  // weights a_j = (term j as the numerator holds it) / Z, within 2.5 ulp. The numerator's copy and
  // Z's copy of a term share its exp and every scale factor (each computed once, applied to both),
  // so they differ by the products' roundings only: a factor within exp(±2.01·K·u). Hence
  //   a_j ≤ r·(1 + div)·p / max(p, (p + O)(1 - g) - abs), p = term_j's copy in Z, O = the others',
  //   a_j ≥ (1 - div)·p / (r·((p + O)(1 + g) + abs)),
  // each monotone in p, at p's and O's outer ends.
  const r = rescaled;
  const fSum = (n + 2) * F64;
  let elsewhere = 0;
  for (let j = 0; j <= i; j++) {
    const oLo = Math.max(0, zLo - pLo[j]! - fSum * zLo);
    const oHi = zHi - pHi[j]! + fSum * zHi;
    const up = pHi[j]!;
    const down = pLo[j]!;
    pHi[j] = Math.min(1, up / Math.max(up, (up + oLo) * (1 - g) - absZ)) * r * (1 + DIV) * (1 + 4 * F64) + 2.5 * SUB;
    pLo[j] = ((down / ((down + oHi) * (1 + g) + absZ)) * (1 - DIV) * (1 - 4 * F64)) / r - 2.5 * SUB;
    if (j !== best) elsewhere += pHi[j]!;
  }
  // the output: every position but `best` at either token, `best` at each of its tokens
  const others = newBox(dv);
  const othersA = new Float64Array(dv);
  for (let j = 0; j <= i; j++) {
    if (j === best) continue;
    const wl = pLo[j]!;
    const wh = pHi[j]!;
    for (let e = 0; e < dv; e++) {
      const [lo, hi, mag] = mulBox(wl, wh, H.vLo[j * dv + e]!, H.vHi[j * dv + e]!);
      others.lo[e] += lo;
      others.hi[e] += hi;
      othersA[e] += mag;
    }
  }
  const out: Box[] = [];
  for (let o = 0; o < options(best); o++) {
    const b = newBox(dv);
    for (let e = 0; e < dv; e++) {
      const at = (best * 2 + o) * dv + e;
      const [lo, hi, mag] = mulBox(pLo[best]!, pHi[best]!, H.vals.lo[at]!, H.vals.hi[at]!);
      const Asum = othersA[e]! + mag;
      inRange(t, 'a head output', Asum);
      const err = widen(n, Asum, rescaled) + K * TINY + 2.5 * SUB;
      b.lo[e] = others.lo[e]! + lo - err;
      b.hi[e] = others.hi[e]! + hi + err;
    }
    out.push(b);
  }
  return { best, out, top: pLo[best]!, elsewhere };
}

/** check-cert's own outward margins of a 1-layer positional model with position-only heads (any
 * other model gets no bound at any position, with the reason). */
export function outwardMargins(m: Model, c: Circuit): OutwardMargins {
  const plan = sequencePlan(m, c);
  const { S, P, one, holds, tokensOf } = plan;
  const layer = m.layers[0]!;
  const d = m.d;
  const setup = new Trouble();
  if (m.layers.length !== 1) setup.note(`the enclosure covers 1-layer models, this one has ${m.layers.length}`);
  const tokenHead = tokenDependentHead(m);
  if (tokenHead) setup.note(`${tokenHead} reads token coordinates: the enclosure needs position-only attention`);
  const heads = layer.heads.map((h) => prepareHead(m, h, S, tokensOf, setup));
  const w1 = sparse(layer.ff.w1, layer.ff.m, d);
  const w2 = sparse(layer.ff.w2, d, layer.ff.m);
  const un = sparse(m.unembed, m.vocab.length, d);
  const sLo = new Float64Array(S);
  const sHi = new Float64Array(S);
  const pLo = new Float64Array(S);
  const pHi = new Float64Array(S);
  const res: OutwardMargins = { first: P - 1, margins: [], minTopWeight: Infinity, maxElsewhere: 0 };
  const h1 = newBox(d);
  const z = newBox(layer.ff.m);
  const h2 = newBox(d);
  const logits = newBox(m.vocab.length);
  const attn = newBox(heads.reduce((s, h) => s + h.dv, 0));
  const woAll = sparse(concatWo(m), d, attn.lo.length);
  for (let i = P - 1; i < S - 1; i++) {
    const t = new Trouble();
    if (setup.why) t.note(setup.why);
    const q0 = embedBox(t, m, tokensOf(i)[0]!, i);
    const att = heads.map((H) => {
      const q = newBox(H.dk);
      matBox(t, 'a query', H.wq, q0, q);
      const a = attend(H, q, i, t, sLo, sHi, pLo, pHi, (j) => tokensOf(j).length);
      res.minTopWeight = Math.min(res.minTopWeight, a.top);
      res.maxElsewhere = Math.max(res.maxElsewhere, a.elsewhere);
      return a;
    });
    const { deps, want } = plan.wanted(i + 1);
    let worst = Infinity;
    let worstCase = '';
    plan.cases(i, att.map((a) => a.best), deps, (v, tokAt) => {
      // every head's output for the token the case puts where it attends, side by side
      let off = 0;
      att.forEach((a, hi) => {
        const o = holds[a.best]! < 0 ? 0 : tokAt(a.best) === one ? 1 : 0;
        attn.lo.set(a.out[o]!.lo, off);
        attn.hi.set(a.out[o]!.hi, off);
        off += heads[hi]!.dv;
      });
      matBox(t, 'the residual after attention', woAll, attn, h1, undefined, embedBox(t, m, tokAt(i), i));
      matBox(t, 'a feed-forward unit', w1, h1, z, layer.ff.b1);
      for (let x = 0; x < z.lo.length; x++) {
        z.lo[x] = Math.max(0, z.lo[x]!);
        z.hi[x] = Math.max(0, z.hi[x]!);
      }
      matBox(t, 'the residual after the feed-forward layer', w2, z, h2, layer.ff.b2, h1);
      matBox(t, 'a logit', un, h2, logits);
      const target = want(v);
      let rival = -Infinity;
      for (let x = 0; x < logits.hi.length; x++) if (x !== target && logits.hi[x]! > rival) rival = logits.hi[x]!;
      const lead = logits.lo[target]! - rival;
      const margin = lead - F64 * (Math.abs(logits.lo[target]!) + Math.abs(rival));
      if (Number.isNaN(margin)) t.note('a logit bound is not a number');
      else if (margin < worst) {
        worst = margin;
        worstCase = `'${m.vocab[target]}' has logit >= ${logits.lo[target]!}, another token may reach ${rival}`;
      }
    });
    if (t.why || !Number.isFinite(worst)) worst = -Infinity;
    res.margins.push(worst);
    if (!(worst > 0) && !res.failure) res.failure = { position: i, detail: `position ${i} (writing position ${i + 1}): ${t.why || worstCase}` };
  }
  return res;
}

/** The heads' output projections side by side: [d, Σ dv] (one flat sum with the residual). */
function concatWo(m: Model): Float32Array {
  const d = m.d;
  const heads = m.layers[0]!.heads;
  const width = heads.reduce((s, h) => s + h.dv, 0);
  const out = new Float32Array(d * width);
  let off = 0;
  for (const h of heads) {
    for (let r = 0; r < d; r++) for (let e = 0; e < h.dv; e++) out[r * width + off + e] = h.wo[r * h.dv + e]!;
    off += h.dv;
  }
  return out;
}
