// The dense run's softmax and weighted sum at one query, enclosed by running the reference's own
// f32 operations (runtime/cpu/stepper.ts softmax, Kernels.wsum) on intervals, in the reference's
// order (increasing key position). The included keys (the candidates) enter with their score
// intervals; between two of them lie the omitted keys, each an unknown term of [0, bound]:
//   shift   = max of every score:          [max lo, max(max hi, U')]    (U': any omitted score);
//             where one candidate m is certainly the largest (its lo above every other hi and U'),
//             shift = s_m itself, so e_m = fl(exp(0)) = 1 exactly
//   e_j     = fl(exp(fl(s_j − shift)))      0 below the f32 underflow, monotone in s_j and shift
//   Z       = fl(Σ_j e_j) left to right     a run of g omitted terms raises it by at most 2g·ε_o
//                                           (each term <= ε_o, each addition errs by <= the term),
//                                           and not at all where ε_o is below the rounding of Z
//   p_j     = fl(e_j / Z)
//   a       = fl(Σ_j fl(p_j v_j))           a run of g omitted terms moves it by at most 2g·ε_p·max|v|
//                                           (again nothing where that is below its rounding)
// Each step applies the f32 operation to the interval ends (rounding is monotone), so where the
// omitted terms are below half an ulp the intervals close up exactly as the dense sums do.

import { absorbedBelow, downAdd, upAdd, upF32, widenDown, widenUp } from './bounds.js';

const fr = Math.fround;

export class DenseSoftmax {
  /** Inputs: the candidates (increasing positions), their score intervals, the keys visible (i + 1),
   *  and U', a bound on every omitted key's dense score (-Infinity: none omitted). */
  readonly slo: Float64Array;
  readonly shi: Float64Array;
  /** Outputs of run(): each candidate's weight interval, a bound on any omitted key's weight. */
  readonly plo: Float64Array;
  readonly phi: Float64Array;
  pOmit = 0;
  /** The relative weight the omitted keys may have together: omitted·ε_o / Z_lo. */
  omittedMass = 0;
  /** An omitted key may hold the largest score (then only the hull of the values bounds the output). */
  undominated = false;
  /** Every candidate's weight is exact (plo = phi: the sparse run's weight). */
  pExact = false;
  /** weightedSum's result (exactSum's also the sparse run's sum). */
  lo = 0;
  hi = 0;
  sparse = 0;
  private readonly elo: Float64Array;
  private readonly ehi: Float64Array;

  constructor(
    maxLen: number,
    private readonly zeroBelow: number,
  ) {
    this.slo = new Float64Array(maxLen);
    this.shi = new Float64Array(maxLen);
    this.plo = new Float64Array(maxLen);
    this.phi = new Float64Array(maxLen);
    this.elo = new Float64Array(maxLen);
    this.ehi = new Float64Array(maxLen);
  }

  private exp(y: number): number {
    return y < this.zeroBelow ? 0 : fr(Math.exp(y));
  }

  /**
   * The weights' intervals for candidates cand[0..nc) of a query at position visible - 1. `same`:
   * the score intervals are the sparse run's scores themselves, whose exps (row maximum subtracted)
   * and weights are sparseE and sparseP: reused where the dense run's are certainly the same.
   */
  run(cand: Int32Array, nc: number, visible: number, omitU: number, same?: { e: Float64Array; p: Float64Array }): void {
    const { slo, shi, elo, ehi } = this;
    let mLo = -Infinity;
    let mHi = -Infinity;
    let m = -1;
    for (let x = 0; x < nc; x++) {
      if (slo[x]! > mLo) {
        mLo = slo[x]!;
        m = x;
      }
      if (shi[x]! > mHi) mHi = shi[x]!;
    }
    const omitted = visible - nc;
    this.undominated = omitted > 0 && !(omitU < mLo);
    // is m certainly the largest score of the dense run?
    let top = m >= 0 && !this.undominated;
    for (let x = 0; x < nc && top; x++) if (x !== m && !(shi[x]! < mLo)) top = false;
    const shLo = mLo;
    const shHi = top ? shi[m]! : omitted > 0 && omitU > mHi ? upF32(omitU) : mHi;
    for (let x = 0; x < nc; x++) {
      if (top && x === m) {
        elo[x] = ehi[x] = 1;
      } else if (slo[x] === shi[x] && shLo === shHi) {
        elo[x] = ehi[x] = same ? same.e[x]! : this.exp(fr(slo[x]! - shLo));
      } else {
        // Math.exp may step back by an ulp where it should not: one f32 step outward
        const a = this.exp(fr(slo[x]! - shHi));
        const b = this.exp(fr(shi[x]! - shLo));
        elo[x] = a > 0 ? widenDown(a) : 0;
        ehi[x] = widenUp(b);
      }
    }
    const eOmit = omitted > 0 ? widenUp(this.exp(fr(upF32(omitU) - shLo))) : 0;
    let zlo = 0;
    let zhi = 0;
    let prev = -1;
    for (let x = 0; x <= nc; x++) {
      const j = x < nc ? cand[x]! : visible;
      const gap = j - prev - 1;
      // every acc in [zlo, zhi] absorbs a term below absorbedBelow(zlo): Z stays
      if (gap > 0 && eOmit > 0 && !(eOmit < absorbedBelow(zlo))) zhi = upAdd(zhi, 2 * gap * eOmit);
      if (x === nc) break;
      zlo = fr(zlo + elo[x]!);
      zhi = fr(zhi + ehi[x]!);
      prev = j;
    }
    this.pExact = false;
    if (same && zlo === zhi && shLo === shHi) {
      // the same exps summed in the same order: the sparse run's weights
      for (let x = 0; x < nc; x++) this.plo[x] = this.phi[x] = same.p[x]!;
      this.pExact = true;
    } else {
      for (let x = 0; x < nc; x++) {
        this.plo[x] = zhi > 0 ? fr(elo[x]! / zhi) : 0;
        this.phi[x] = zlo > 0 ? fr(ehi[x]! / zlo) : Infinity;
      }
    }
    this.pOmit = eOmit === 0 ? 0 : zlo > 0 ? upF32((eOmit / zlo) * (1 + 2 ** -50)) : Infinity;
    this.omittedMass = eOmit === 0 ? 0 : zlo > 0 ? (omitted * eOmit) / zlo : Infinity;
  }

  /**
   * weightedSum where the weights are the sparse run's (pExact) and the values exact (v): one chain,
   * which is also the sparse run's sum, until an omitted run is not absorbed; into lo, hi, sparse.
   */
  exactSum(cand: Int32Array, nc: number, visible: number, v: ArrayLike<number>, base: number, dv: number, vAbs: number): void {
    const tOmit = this.pOmit === 0 ? 0 : upF32(this.pOmit * vAbs * (1 + 2 ** -50));
    const p = this.plo;
    let acc = 0;
    let lo = 0;
    let hi = 0;
    let split = false;
    let prev = -1;
    for (let x = 0; x <= nc; x++) {
      const j = x < nc ? cand[x]! : visible;
      const gap = j - prev - 1;
      if (gap > 0 && tOmit > 0) {
        if (!split) {
          if (!(acc !== 0 && tOmit < absorbedBelow(acc))) {
            split = true;
            lo = downAdd(acc, -2 * gap * tOmit);
            hi = upAdd(acc, 2 * gap * tOmit);
          }
        } else if (!((lo > 0 || hi < 0) && tOmit < absorbedBelow(Math.min(Math.abs(lo), Math.abs(hi))))) {
          lo = downAdd(lo, -2 * gap * tOmit);
          hi = upAdd(hi, 2 * gap * tOmit);
        }
      }
      if (x === nc) break;
      const t = fr(p[x]! * v[base + j * dv]!);
      acc = fr(acc + t);
      if (split) {
        lo = fr(lo + t);
        hi = fr(hi + t);
      }
      prev = j;
    }
    this.sparse = acc;
    this.lo = split ? lo : acc;
    this.hi = split ? hi : acc;
  }

  /**
   * The dense weighted sum of one value coordinate: candidate x's value interval at
   * [vlo, vhi][base + cand[x] * dv] (vlo = vhi: exact), every omitted value within vAbs; into lo, hi.
   */
  weightedSum(cand: Int32Array, nc: number, visible: number, vlo: ArrayLike<number>, vhi: ArrayLike<number>, base: number, dv: number, vAbs: number): void {
    const tOmit = this.pOmit === 0 ? 0 : upF32(this.pOmit * vAbs * (1 + 2 ** -50));
    let lo = 0;
    let hi = 0;
    let prev = -1;
    for (let x = 0; x <= nc; x++) {
      const j = x < nc ? cand[x]! : visible;
      const gap = j - prev - 1;
      if (gap > 0 && tOmit > 0 && !((lo > 0 || hi < 0) && tOmit < absorbedBelow(Math.min(Math.abs(lo), Math.abs(hi))))) {
        lo = downAdd(lo, -2 * gap * tOmit);
        hi = upAdd(hi, 2 * gap * tOmit);
      }
      if (x === nc) break;
      const o = base + j * dv;
      const a = vlo[o]!;
      const b = vhi[o]!;
      const pl = this.plo[x]!;
      const ph = this.phi[x]!;
      // p >= 0: the product's ends
      const tl = a >= 0 ? fr(pl * a) : fr(ph * a);
      const th = b >= 0 ? fr(ph * b) : fr(pl * b);
      lo = fr(lo + tl);
      hi = fr(hi + th);
      prev = j;
    }
    this.lo = lo;
    this.hi = hi;
  }
}
