// The runtime's own rounded kernels, which the certifier evaluates on interval endpoints.

import { argmax, rdiv, type Arith, type Csr, type Kernels } from '../runtime/index.js';

export type { Kernels };
export { argmax };

export function rdivOf(a: Arith): (x: number, y: number) => number {
  return (x, y) => rdiv(a, x, y);
}

/** Interval Kernels.spmv: the exact range of each output under monotone rounding. */
export function intervalSpmv(k: Kernels, A: Csr, xlo: Float64Array, xhi: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let r = 0; r < A.rows; r++) {
    let a = 0;
    let b = 0;
    for (let p = A.ptr[r]!; p < A.ptr[r + 1]!; p++) {
      const w = A.val[p]!;
      const c = A.idx[p]!;
      a = k.round(a + k.round(w >= 0 ? w * xlo[c]! : w * xhi[c]!));
      b = k.round(b + k.round(w >= 0 ? w * xhi[c]! : w * xlo[c]!));
    }
    lo[r] = a;
    hi[r] = b;
  }
}

/** Interval version of Kernels.matvec: the exact range of each output under monotone rounding
 * (each term is rounded at the end of its operand's range that makes it least or greatest). */
export function intervalMatvec(k: Kernels, W: Float64Array, rows: number, cols: number, xlo: Float64Array, xhi: Float64Array, lo: Float64Array, hi: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    const wr = r * cols;
    for (let c = 0; c < cols; c++) {
      const w = W[wr + c]!;
      a = k.round(a + k.round(w >= 0 ? w * xlo[c]! : w * xhi[c]!));
      b = k.round(b + k.round(w >= 0 ? w * xhi[c]! : w * xlo[c]!));
    }
    lo[r] = a;
    hi[r] = b;
  }
}

/** The least or greatest of a[x * stride + e] over x < n (a loop: spreading n values overflows the stack). */
export function columnExtreme(a: Float64Array, e: number, stride: number, n: number, pick: (x: number, y: number) => number): number {
  let r = a[e]!;
  for (let x = 1; x < n; x++) r = pick(r, a[x * stride + e]!);
  return r;
}

/** The first row of an S x dk row-major key matrix equal to an earlier row, or -1 (attention can
 * single out a position only if its key is unique). */
export function firstDuplicateKey(keys: Float64Array, S: number, dk: number): number {
  const seen = new Map<string, number>();
  for (let j = 0; j < S; j++) {
    const key = Array.from(keys.subarray(j * dk, (j + 1) * dk)).join(',');
    if (seen.has(key)) return j;
    seen.set(key, j);
  }
  return -1;
}
