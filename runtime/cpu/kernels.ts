// Rounded linear-algebra kernels of the CPU reference: every product and every partial sum is
// rounded to the arithmetic's format, sums left to right. One implementation per kind of
// rounding (none, float32, fixed point, any other), so each hot loop calls its rounding inline.
// Weight matrices are multiplied in CSR form (sparse.ts): the nonzeros only, bit for bit the
// dense sum.

import type { Arith } from '../arith.js';
import { allFinite, denseSpmv, type Csr } from './sparse.js';

export interface Kernels {
  /** Rounds to the format. */
  round(x: number): number;
  /** round(exp(x)) is exactly 0 for every x below this (softmax skips those exponentials;
   *  -Infinity: never skip). */
  readonly expZeroBelow: number;
  /** Σ_t a[ao + t] b[bo + t], t < n. */
  dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number;
  /** out[o + r] = Σ_c W[r * cols + c] x[xo + c], r < rows. */
  matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void;
  /** matvec of the matrix A is the CSR form of, summing over its nonzeros only (bit-identical:
   *  see sparse.ts); the dense sum where some x is not finite (IEEE formats only: the paper's
   *  formats saturate, so their values are always finite). */
  spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void;
  /** Σ_j p[j] v[vo + j * stride], j < n. */
  wsum(p: ArrayLike<number>, v: ArrayLike<number>, vo: number, stride: number, n: number): number;
  /** out[j] = dot(q, 0, K', 0, dk) for j < n, where K' is key j stored transposed: coordinate t at
   *  K[ko + t * stride + j]. The same rounded sums as dot (t ascending for every j), computed
   *  coordinate by coordinate over all keys: contiguous reads, several times faster. */
  scores(q: ArrayLike<number>, dk: number, K: ArrayLike<number>, ko: number, stride: number, n: number, out: Float64Array): void;
}

/**
 * A bound below which round(exp(x)) is 0: the greatest x found (halving, then bisecting) with
 * round(exp(x)) = 0, less 1, so that exp's last-bit errors cannot matter (exp(x - 1) < exp(x)/2).
 */
export function expZeroBound(round: (x: number) => number): number {
  const zero = (x: number): boolean => round(Math.exp(x)) === 0;
  let lo = -1;
  while (!zero(lo)) {
    lo *= 2;
    if (lo < -1e6) return -Infinity;
  }
  let hi = lo / 2;
  if (zero(hi)) return hi - 1;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (zero(mid)) lo = mid;
    else hi = mid;
  }
  return lo - 1;
}

class F64Kernels implements Kernels {
  readonly expZeroBelow = expZeroBound((x) => x);
  round(x: number): number {
    return x;
  }
  dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
    let acc = 0;
    for (let t = 0; t < n; t++) acc += a[ao + t]! * b[bo + t]!;
    return acc;
  }
  matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    for (let r = 0; r < rows; r++) out[o + r] = this.dot(W, r * cols, x, xo, cols);
  }
  spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    if (!allFinite(x, xo, A.cols)) return denseSpmv(this.round, A, x, xo, out, o);
    const { ptr, idx, val } = A;
    for (let r = 0; r < A.rows; r++) {
      let acc = 0;
      for (let p = ptr[r]!, end = ptr[r + 1]!; p < end; p++) acc += val[p]! * x[xo + idx[p]!]!;
      out[o + r] = acc;
    }
  }
  wsum(p: ArrayLike<number>, v: ArrayLike<number>, vo: number, stride: number, n: number): number {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += p[j]! * v[vo + j * stride]!;
    return acc;
  }
  scores(q: ArrayLike<number>, dk: number, K: ArrayLike<number>, ko: number, stride: number, n: number, out: Float64Array): void {
    out.fill(0, 0, n);
    for (let t = 0; t < dk; t++) {
      const qt = q[t]!;
      const o = ko + t * stride;
      for (let j = 0; j < n; j++) out[j] = out[j]! + qt * K[o + j]!;
    }
  }
}

class F32Kernels implements Kernels {
  readonly expZeroBelow = expZeroBound(Math.fround);
  round(x: number): number {
    return Math.fround(x);
  }
  dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
    let acc = 0;
    for (let t = 0; t < n; t++) acc = Math.fround(acc + Math.fround(a[ao + t]! * b[bo + t]!));
    return acc;
  }
  matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    for (let r = 0; r < rows; r++) out[o + r] = this.dot(W, r * cols, x, xo, cols);
  }
  spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    if (!allFinite(x, xo, A.cols)) return denseSpmv(Math.fround, A, x, xo, out, o);
    const { ptr, idx, val } = A;
    for (let r = 0; r < A.rows; r++) {
      let acc = 0;
      for (let p = ptr[r]!, end = ptr[r + 1]!; p < end; p++) acc = Math.fround(acc + Math.fround(val[p]! * x[xo + idx[p]!]!));
      out[o + r] = acc;
    }
  }
  wsum(p: ArrayLike<number>, v: ArrayLike<number>, vo: number, stride: number, n: number): number {
    let acc = 0;
    for (let j = 0; j < n; j++) acc = Math.fround(acc + Math.fround(p[j]! * v[vo + j * stride]!));
    return acc;
  }
  scores(q: ArrayLike<number>, dk: number, K: ArrayLike<number>, ko: number, stride: number, n: number, out: Float64Array): void {
    out.fill(0, 0, n);
    for (let t = 0; t < dk; t++) {
      const qt = q[t]!;
      const o = ko + t * stride;
      for (let j = 0; j < n; j++) out[j] = Math.fround(out[j]! + Math.fround(qt * K[o + j]!));
    }
  }
}

/** F_s: multiples of 2^-s, ties toward zero, saturating at ±B. Works on k = x·2^s (exact:
 * scaling by a power of two), with no division and no branch on the sign in the common case. */
class FixedKernels implements Kernels {
  private readonly S: number;
  private readonly invS: number;
  private readonly K: number;
  private readonly B: number;
  readonly expZeroBelow: number;
  constructor(s: number) {
    this.S = 2 ** s;
    this.invS = 2 ** -s;
    this.K = 2 ** (2 * s) - 1;
    this.B = this.K * this.invS;
    this.expZeroBelow = expZeroBound((x) => this.round(x));
  }
  round(x: number): number {
    const k = x * this.S;
    if (k >= this.K) return this.B;
    if (k <= -this.K) return -this.B;
    const fl = Math.floor(k);
    const fr = k - fl;
    // nearest; a tie (fr = 1/2) goes toward zero: down for k > 0, up for k < 0
    return (fr > 0.5 || (fr === 0.5 && k < 0) ? fl + 1 : fl) * this.invS;
  }
  dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
    let acc = 0;
    for (let t = 0; t < n; t++) acc = this.round(acc + this.round(a[ao + t]! * b[bo + t]!));
    return acc;
  }
  matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    for (let r = 0; r < rows; r++) out[o + r] = this.dot(W, r * cols, x, xo, cols);
  }
  /** No finiteness check: fixed-point values saturate, so they are always finite. */
  spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    const { ptr, idx, val } = A;
    for (let r = 0; r < A.rows; r++) {
      let acc = 0;
      for (let p = ptr[r]!, end = ptr[r + 1]!; p < end; p++) acc = this.round(acc + this.round(val[p]! * x[xo + idx[p]!]!));
      out[o + r] = acc;
    }
  }
  wsum(p: ArrayLike<number>, v: ArrayLike<number>, vo: number, stride: number, n: number): number {
    let acc = 0;
    for (let j = 0; j < n; j++) acc = this.round(acc + this.round(p[j]! * v[vo + j * stride]!));
    return acc;
  }
  scores(q: ArrayLike<number>, dk: number, K: ArrayLike<number>, ko: number, stride: number, n: number, out: Float64Array): void {
    out.fill(0, 0, n);
    for (let t = 0; t < dk; t++) {
      const qt = q[t]!;
      const o = ko + t * stride;
      for (let j = 0; j < n; j++) out[j] = this.round(out[j]! + this.round(qt * K[o + j]!));
    }
  }
}

class GenericKernels implements Kernels {
  /** saturating: the format has no infinities (float:e,s), so its values are always finite. */
  readonly expZeroBelow: number;
  constructor(
    private readonly r: (x: number) => number,
    private readonly saturating: boolean,
  ) {
    this.expZeroBelow = expZeroBound(r);
  }
  round(x: number): number {
    return this.r(x);
  }
  dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
    const R = this.r;
    let acc = 0;
    for (let t = 0; t < n; t++) acc = R(acc + R(a[ao + t]! * b[bo + t]!));
    return acc;
  }
  matvec(W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    for (let r = 0; r < rows; r++) out[o + r] = this.dot(W, r * cols, x, xo, cols);
  }
  spmv(A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
    const R = this.r;
    if (!this.saturating && !allFinite(x, xo, A.cols)) return denseSpmv(R, A, x, xo, out, o);
    const { ptr, idx, val } = A;
    for (let r = 0; r < A.rows; r++) {
      let acc = 0;
      for (let p = ptr[r]!, end = ptr[r + 1]!; p < end; p++) acc = R(acc + R(val[p]! * x[xo + idx[p]!]!));
      out[o + r] = acc;
    }
  }
  wsum(p: ArrayLike<number>, v: ArrayLike<number>, vo: number, stride: number, n: number): number {
    const R = this.r;
    let acc = 0;
    for (let j = 0; j < n; j++) acc = R(acc + R(p[j]! * v[vo + j * stride]!));
    return acc;
  }
  scores(q: ArrayLike<number>, dk: number, K: ArrayLike<number>, ko: number, stride: number, n: number, out: Float64Array): void {
    const R = this.r;
    out.fill(0, 0, n);
    for (let t = 0; t < dk; t++) {
      const qt = q[t]!;
      const o = ko + t * stride;
      for (let j = 0; j < n; j++) out[j] = R(out[j]! + R(qt * K[o + j]!));
    }
  }
}

export function kernelsFor(a: Arith): Kernels {
  switch (a.kind) {
    case 'f64': return new F64Kernels();
    case 'f32': return new F32Kernels();
    case 'fixed': return new FixedKernels(a.s!);
    default: return new GenericKernels(a.round, a.max !== Infinity);
  }
}

/** Index of the largest value; ties (and NaN) go to the lowest index. */
export function argmax(x: ArrayLike<number>, o: number, n: number): number {
  let best = 0;
  let bv = -Infinity;
  for (let v = 0; v < n; v++) {
    const y = x[o + v]!;
    if (y > bv) {
      bv = y;
      best = v;
    }
  }
  return best;
}
