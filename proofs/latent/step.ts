// One stored layer of a latent model at one position, on boxes (the latent certifier's step).
//   exact    the paper's formats: the CPU reference's own operations in its own order, at the
//            ends of each interval (every rounding used is monotone); with one-hot attention
//            every box here is a point, so this IS the runtime
//   outward  binary32 in any evaluation order (proofs/enclosure.ts). The residual update of the
//            latent block replaces a value in place (val <- val + new - relu(val)), so plain
//            interval arithmetic would double the width of val at every iteration; the
//            feed-forward layer is therefore bounded per output coordinate by linear relaxations
//            of its ReLU units over the layer's input box (the one-layer back-substitution of
//            DeepPoly / CROWN): a unit that is surely active is its pre-activation ± its rounding
//            error, a crossing unit lies between α·pre (α ∈ {0, 1}, both tried) and the chord
//            λ(pre − l); the output coordinate, a linear form in the input, is then maximised and
//            minimised over the box. Terms that are exactly 0 are dropped from every sum (x + 0 is
//            x under every rounding), so coordinates no block writes never drift.

import type { Csr, PreparedLayer, PreparedModel } from '../../runtime/index.js';
import { gamma, TINY, U, type Box } from '../enclosure.js';
import { newBox, type BoxOps } from '../uniform/ops.js';

/** Slack for float64's own rounding while a linear bound is evaluated (relative to its terms). */
const F64_SLACK = 1e-14;

const isZero = (x: Box, c: number): boolean => x.lo[c] === 0 && x.hi[c] === 0;

/** A product by ±2^k is exact (up to a flushed underflow). */
const exactFactor = (w: number): boolean => w !== 0 && Number.isFinite(w) && 2 ** Math.round(Math.log2(Math.abs(w))) === Math.abs(w);

/**
 * The rounding error of a binary32 sum of `terms` terms (absolute values adding up to A) in any
 * order: γ over its terms - 1 additions, one more when some term is an inexact product (Higham
 * §4.2), float64's own rounding, and a flushed underflow per term.
 */
function roundErr(terms: number, inexact: boolean, A: number): number {
  const ops = Math.max(0, terms - 1) + (inexact ? 1 : 0);
  return (ops > 0 ? gamma(ops) * A + ops * 2 ** -50 * A : 0) + terms * TINY;
}

/** One faithful binary32 addition whose exact result lies in [lo, hi]: within one ulp (at most
 * 2^-23 of the result) or flushed, plus float64's own rounding of the bounds. */
function widenSum(lo: number, hi: number): [number, number] {
  const wl = lo - U * Math.abs(lo) - 2 ** -50 * Math.abs(lo) - TINY;
  const wh = hi + U * Math.abs(hi) + 2 ** -50 * Math.abs(hi) + TINY;
  return [lo >= 0 ? Math.max(0, wl) : wl, hi <= 0 ? Math.min(0, wh) : wh];
}

/** A·x (+ bias) enclosing every order: exact zeros dropped, exact products counted as exact, and a
 * sum of terms that are all >= 0 kept >= 0 (a faithful rounding of x >= 0 is >= 0). */
function matvecOut(A: Csr, x: Box, bias?: ArrayLike<number>): Box {
  const out = newBox(A.rows);
  for (let r = 0; r < A.rows; r++) {
    let lo = bias ? bias[r]! : 0;
    let hi = lo;
    let abs = Math.abs(lo);
    let n = lo !== 0 ? 1 : 0;
    let inexact = false;
    let nonneg = lo >= 0;
    for (let p = A.ptr[r]!; p < A.ptr[r + 1]!; p++) {
      const c = A.idx[p]!;
      if (isZero(x, c)) continue;
      const w = A.val[p]!;
      const a = w * x.lo[c]!;
      const b = w * x.hi[c]!;
      lo += Math.min(a, b);
      hi += Math.max(a, b);
      abs += Math.max(Math.abs(a), Math.abs(b));
      if (Math.min(a, b) < 0) nonneg = false;
      if (!exactFactor(w)) inexact = true;
      n++;
    }
    if (n === 0) continue;
    const err = roundErr(n, inexact, abs);
    out.lo[r] = nonneg ? Math.max(0, lo - err) : lo - err;
    out.hi[r] = hi + err;
  }
  return out;
}

/** h + Σ xs enclosing every order of a binary32 sum; exact zeros are dropped. */
function addOutward(h: Box, xs: Box[]): Box {
  const d = h.lo.length;
  const out: Box = { lo: Float64Array.from(h.lo), hi: Float64Array.from(h.hi) };
  for (let c = 0; c < d; c++) {
    const terms = [h, ...xs].filter((x) => !isZero(x, c));
    if (terms.length <= 1) {
      out.lo[c] = terms.length ? terms[0]!.lo[c]! : 0;
      out.hi[c] = terms.length ? terms[0]!.hi[c]! : 0;
      continue;
    }
    let lo = 0;
    let hi = 0;
    let abs = 0;
    for (const x of terms) {
      lo += x.lo[c]!;
      hi += x.hi[c]!;
      abs += Math.max(Math.abs(x.lo[c]!), Math.abs(x.hi[c]!));
    }
    if (terms.length === 2) [out.lo[c], out.hi[c]] = widenSum(lo, hi);
    else {
      const err = roundErr(terms.length, false, abs);
      out.lo[c] = terms.every((x) => x.lo[c]! >= 0) ? Math.max(0, lo - err) : lo - err;
      out.hi[c] = hi + err;
    }
  }
  return out;
}

/** The embedding of token t at position p (outward: exact where either addend is 0). */
export function embedAt(ops: BoxOps, pm: PreparedModel, t: number, p: number): Box {
  const d = pm.d;
  if (!ops.outward) return ops.embed(pm.tok, t * d, pm.model.posEmb, p * d, d);
  const out = newBox(d);
  for (let c = 0; c < d; c++) {
    const a = pm.tok[t * d + c]!;
    const b = Math.fround(pm.model.posEmb[p * d + c]!);
    [out.lo[c], out.hi[c]] = a === 0 || b === 0 ? [a + b, a + b] : widenSum(a + b, a + b);
  }
  return out;
}

/** Layer L at one position: h plus each head's W_O·output, then the feed-forward layer. */
export function layerAt(ops: BoxOps, L: PreparedLayer, h: Box, headOuts: Box[]): Box {
  if (!ops.outward) return feedForwardAt(ops, L, ops.residual(h, L.heads.map((hd, i) => ops.matvec(hd.sparse.wo, headOuts[i]!))));
  return feedForwardAt(ops, L, addOutward(h, L.heads.map((hd, i) => matvecOut(hd.sparse.wo, headOuts[i]!))));
}

/** The value vector a head reads at a position: W_V·h (outward: with the refinements above). */
export function valueAt(ops: BoxOps, Wv: Csr, h: Box): Box {
  return ops.outward ? matvecOut(Wv, h) : ops.matvec(Wv, h);
}

/** The logits of a box. */
export function logitsOf(ops: BoxOps, U: Csr, h: Box): Box {
  return ops.outward ? matvecOut(U, h) : ops.matvec(U, h);
}

/** The feed-forward layer with its residual add: h1 + W2·relu(W1·h1 + b1) + b2. */
export function feedForwardAt(ops: BoxOps, L: PreparedLayer, h1: Box): Box {
  if (L.m === 0) return h1;
  if (ops.outward) return ffOutward(L, h1);
  const z = ops.relu(ops.matvec(L.sparse.w1, h1, L.b1));
  const out = ops.residual(h1, [ops.matvec(L.sparse.w2, z, L.b2)]);
  for (const c of clearedBy(L)) {
    out.lo[c] = Math.min(h1.lo[c]!, 0);
    out.hi[c] = Math.min(h1.hi[c]!, 0);
  }
  return out;
}

const cleared = new WeakMap<PreparedLayer, number[]>();

/**
 * Coordinates c that the layer clears and nothing else writes: one unit reads c alone (weight 1,
 * bias 0), and c's only write is that unit's, weight -1 (b2 = 0). In every rounding (the format's
 * values are closed under negation, x + 0 = x, x - x = 0) the result is exactly x - relu(x) =
 * min(x, 0), monotone in x: on an interval, its ends. Interval arithmetic on the two paths alone
 * would lose that they are the same x.
 */
function clearedBy(L: PreparedLayer): number[] {
  let hit = cleared.get(L);
  if (hit) return hit;
  const { w1, w2 } = L.sparse;
  hit = [];
  for (let c = 0; c < w2.rows; c++) {
    if (L.b2[c] !== 0 || w2.ptr[c + 1]! - w2.ptr[c]! !== 1 || w2.val[w2.ptr[c]!] !== -1) continue;
    const u = w2.idx[w2.ptr[c]!]!;
    if (L.b1[u] === 0 && w1.ptr[u + 1]! - w1.ptr[u]! === 1 && w1.idx[w1.ptr[u]!] === c && w1.val[w1.ptr[u]!] === 1) hit.push(c);
  }
  cleared.set(L, hit);
  return hit;
}

interface Unit {
  /** Bounds of the computed pre-activation, its rounding error, and the chord slope. */
  lo: number;
  hi: number;
  err: number;
  lam: number;
}

/** Linear form Σ coef·h1 + k over the box: its maximum (sign +1) or minimum (sign -1). */
function extreme(coef: Map<number, number>, k: number, h1: Box, sign: 1 | -1): number {
  let v = k;
  let abs = Math.abs(k);
  for (const [c, a] of coef) {
    const x = sign * a > 0 ? h1.hi[c]! : h1.lo[c]!;
    v += a * x;
    abs += Math.abs(a * x);
  }
  return v + sign * F64_SLACK * abs;
}

/** The outward feed-forward bound (see the header). */
function ffOutward(L: PreparedLayer, h1: Box): Box {
  const { w1, w2 } = L.sparse;
  const units: Unit[] = [];
  for (let u = 0; u < L.m; u++) {
    let lo = L.b1[u]!;
    let hi = L.b1[u]!;
    let A = Math.abs(L.b1[u]!);
    let n = L.b1[u] !== 0 ? 1 : 0;
    let inexact = false;
    for (let p = w1.ptr[u]!; p < w1.ptr[u + 1]!; p++) {
      const c = w1.idx[p]!;
      if (isZero(h1, c)) continue;
      const a = w1.val[p]! * h1.lo[c]!;
      const b = w1.val[p]! * h1.hi[c]!;
      lo += Math.min(a, b);
      hi += Math.max(a, b);
      A += Math.max(Math.abs(a), Math.abs(b));
      n++;
      if (!exactFactor(w1.val[p]!)) inexact = true;
    }
    const err = roundErr(n, inexact, A);
    lo -= err;
    hi += err;
    units.push({ lo, hi, err, lam: lo < 0 && hi > 0 ? hi / (hi - lo) : 0 });
  }
  // the linear form of unit u's exact pre-activation (without its bias), added to coef with factor f
  const addRow = (coef: Map<number, number>, u: number, f: number) => {
    for (let p = w1.ptr[u]!; p < w1.ptr[u + 1]!; p++) coef.set(w1.idx[p]!, (coef.get(w1.idx[p]!) ?? 0) + f * w1.val[p]!);
  };
  const out: Box = { lo: Float64Array.from(h1.lo), hi: Float64Array.from(h1.hi) };
  const d = h1.lo.length;
  for (let c = 0; c < d; c++) {
    const row: [number, number][] = [];
    for (let p = w2.ptr[c]!; p < w2.ptr[c + 1]!; p++) if (units[w2.idx[p]!]!.hi > 0) row.push([w2.idx[p]!, w2.val[p]!]);
    const b2 = L.b2[c]!;
    if (row.length === 0 && b2 === 0) continue;
    // the plain interval bound of f = W2·z + b2 and its rounding error
    let fLo = b2;
    let fHi = b2;
    let A = Math.abs(b2);
    for (const [u, w] of row) {
      const zl = Math.max(0, units[u]!.lo);
      const zh = Math.max(0, units[u]!.hi);
      fLo += Math.min(w * zl, w * zh);
      fHi += Math.max(w * zl, w * zh);
      A += Math.abs(w) * zh;
    }
    const e2 = roundErr(row.length + (b2 !== 0 ? 1 : 0), row.some(([, w]) => !exactFactor(w)), A);
    fLo -= e2;
    fHi += e2;
    // the exact sum h1 + f (f as computed): plain interval bound, then the relational one
    let lo = h1.lo[c]! + fLo;
    let hi = h1.hi[c]! + fHi;
    // the relational bound: sign +1 bounds from above, -1 from below
    for (const sign of [1, -1] as const) {
      // crossing units whose lower relaxation (α·pre) is used: try α = 0 and 1 for each
      const free = row.filter(([u, w]) => units[u]!.lam > 0 && sign * w < 0);
      const tries = free.length <= 4 ? 1 << free.length : 1;
      let best = sign > 0 ? Infinity : -Infinity;
      for (let mask = 0; mask < tries; mask++) {
        const coef = new Map<number, number>([[c, 1]]);
        let k = b2;
        for (const [u, w] of row) {
          const U = units[u]!;
          const b1 = L.b1[u]!;
          if (U.lam === 0) {
            // surely active: z = pre ± err
            addRow(coef, u, w);
            k += w * b1 + sign * Math.abs(w) * U.err;
          } else if (sign * w > 0) {
            // upper chord z <= λ(pre + err - lo)
            addRow(coef, u, w * U.lam);
            k += w * U.lam * (b1 + U.err - U.lo);
          } else {
            const i = free.findIndex(([x]) => x === u);
            const alpha = free.length <= 4 ? (mask >> i) & 1 : U.hi >= -U.lo ? 1 : 0;
            if (alpha) {
              addRow(coef, u, w);
              k += w * b1 + sign * Math.abs(w) * U.err;
            }
          }
        }
        const v = extreme(coef, k, h1, sign);
        best = sign > 0 ? Math.min(best, v) : Math.max(best, v);
      }
      if (sign > 0) hi = Math.min(hi, best + e2);
      else lo = Math.max(lo, best - e2);
    }
    // then the one addition h1 + f, unless one of them is exactly 0
    if (isZero(h1, c) || (fLo === 0 && fHi === 0)) [out.lo[c], out.hi[c]] = [lo, hi];
    else [out.lo[c], out.hi[c]] = widenSum(lo, hi);
  }
  return out;
}

export function sameBox(a: Box, b: Box): boolean {
  for (let c = 0; c < a.lo.length; c++) if (a.lo[c] !== b.lo[c] || a.hi[c] !== b.hi[c]) return false;
  return true;
}

export function overlaps(a: Box, b: Box): boolean {
  for (let c = 0; c < a.lo.length; c++) if (a.lo[c]! > b.hi[c]! || b.lo[c]! > a.hi[c]!) return false;
  return true;
}

export function isPoint(a: Box): boolean {
  for (let c = 0; c < a.lo.length; c++) if (a.lo[c] !== a.hi[c]) return false;
  return true;
}
