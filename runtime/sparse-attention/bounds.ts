// Enclosures of the dense f32 reference run (runtime/cpu), built beside the sparse run. Every
// value x of the sparse run has an interval [lo, hi] that holds the dense run's value of the same
// quantity; both runs round to f32 after every product and sum. Operation by operation:
//   - where every input of a formula is exact (lo = hi = the sparse run's value), both runs compute
//     the same rounded number: the result is exact too;
//   - a rounded sum or dot product of n terms lies within γ_n Σ|terms| of the exact one,
//     γ_n = n·u/(1 - n·u), u = 2^-24, plus 2^-149 per subnormal result; the exact one lies in
//     the interval sum of the terms' intervals;
//   - ReLU is monotone: [max(lo, 0), max(hi, 0)];
//   - attention: headError (below), and the hull of the values (a convex combination).

/** Unit roundoff of f32. */
export const U32 = 2 ** -24;

/** Smallest positive f32 (absolute error of a result in the subnormal range, twice over). */
const TINY = 2 ** -146;

export function gamma(n: number): number {
  return (n * U32) / (1 - n * U32);
}

/** Outward slack of fl(t) for an exact t in [lo, hi] (the f64 arithmetic of the bounds included). */
export function roundSlack(lo: number, hi: number): number {
  return 1.01 * U32 * Math.max(Math.abs(lo), Math.abs(hi)) + 2 ** -149;
}

/**
 * What one head's softmax over the included keys (I) knows, in the sparse run's own f32 scores:
 * m = the included key of the largest score s_m; tauI = Σ_{j in I, j != m} e^(s_j - s_m);
 * omitted = the keys not in I (none: the head ran over every key) and U, a bound on the score of
 * any of them; deltaS, a bound on |s_dense - s_sparse| of every key; spread = s_m - min_I s_j;
 * nEff = included keys whose rounded exp may be non-zero in either run; visible = i + 1.
 */
export interface SoftmaxFacts {
  tauI: number;
  omitted: number;
  U: number;
  sMax: number;
  deltaS: number;
  spread: number;
  nEff: number;
  visible: number;
}

export interface Dominance {
  /** tau': the dense run's weight off m, relative to m's; rho': the part on omitted keys. */
  tau: number;
  rho: number;
}

/** A head's dominance terms into `out`; Infinity when an omitted key might hold the largest score. */
export function dominance(f: SoftmaxFacts, out: Dominance): void {
  const grow = Math.exp(2 * f.deltaS);
  if (f.omitted === 0) {
    out.tau = grow * f.tauI;
    out.rho = 0;
  } else if (!(f.U + 2 * f.deltaS < f.sMax)) {
    out.tau = out.rho = Infinity;
  } else {
    out.rho = grow * f.omitted * Math.exp(f.U - f.sMax);
    out.tau = grow * f.tauI + out.rho;
  }
}

/**
 * Bound on |a_dense,e - a_sparse,e| for one value coordinate e of a head's output (e(x): the
 * farthest end of x's enclosure from the sparse value), where the exact
 * dense output over every key is a* = v'_m + Σ_{j != m} w'_j (v'_j - v'_m) and the exact sparse one
 * a_I = v_m + Σ_{I, j != m} w_j (v_j - v_m), so
 *   |a* - a_I| <= e(v_m) + tau'·(range of v over every key + 2 max e(v)) + tauI·(range of v over I),
 * with 1 - w'_m <= tau' = e^(2 deltaS)(tauI + omitted·e^(U - s_m)) and 1 - w_m <= tauI. To that the
 * rounding of the two f32 softmax-and-sum computations: each weight's relative error is at most
 * 2.02u(2 + tau'·(spread + 2 deltaS)) + 2γ_(nEff+1) (the exp of a rounded difference, the rounded
 * sum of the exps, the division, the product and the rounded sum of the products), the dense
 * run's rounding on the omitted terms at most 3 rho'·max|v| (each addition of a term errs by at
 * most the term), and a subnormal error of 2^-146 per visible key.
 */
export function headError(f: SoftmaxFacts, d: Dominance, v: ValueFacts): number {
  const exact = v.errM + d.tau * (v.range + 2 * v.errMax) + f.tauI * v.rangeI;
  const ru = 2.02 * U32 * (2 + d.tau * (f.spread + 2 * f.deltaS)) + 2 * gamma(f.nEff + 1);
  const rounding = ru * (2 * v.absI + v.errI) + 3.01 * d.rho * (v.absMax + v.errMax) + f.visible * TINY * (1 + v.absMax + v.errMax);
  return exact + rounding;
}

/** One value coordinate's facts for headError: e(v_m); over every visible key the range of v, the
 *  largest e(v) and |v|; over the included keys the range, the largest |v| and e(v). */
export interface ValueFacts {
  errM: number;
  range: number;
  errMax: number;
  absMax: number;
  rangeI: number;
  absI: number;
  errI: number;
}

/**
 * The dense run's f32 softmax-weighted sum over n visible keys lies within this of the hull of
 * their values: its rounded weights sum to within γ_n + u of 1, the rounded products and sum add
 * γ_n of the largest |value|, and every subnormal weight or product up to 2^-149 more.
 */
export function hullSlack(n: number, maxAbs: number): number {
  return 2.02 * gamma(n + 3) * maxAbs + n * TINY * (1 + maxAbs);
}
