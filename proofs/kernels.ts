// The runtime's own rounded kernels, which the certifier evaluates on interval endpoints.

import { argmax, rdiv, type Arith, type Kernels } from '../runtime/index.js';

export type { Kernels };
export { argmax };

export function rdivOf(a: Arith): (x: number, y: number) => number {
  return (x, y) => rdiv(a, x, y);
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
