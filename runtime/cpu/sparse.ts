// Compressed sparse row (CSR) form of a weight matrix: per row the column indices of its
// nonzero weights in increasing order, and their values. The hand-set weights are almost all
// zero (an id token's unembedding row has 2k+1 nonzeros of d), so the kernels multiply by the
// nonzeros only. Why this is exact: a rounded sum acc' = R(acc + R(w·x)) with w = ±0 and x
// finite adds R(±0) = ±0 to acc, and acc is never -0: it starts at +0; an exact zero sum is +0
// unless both terms are -0; and a nonzero sum of two numbers of the format is at least the
// format's finest spacing, so it never rounds to -0. Hence acc' = R(acc) = acc (every
// arithmetic's rounding is the identity on its own numbers). Where an activation is not finite,
// 0·x is NaN and the kernels fall back to the dense sum (kernels.ts).

export interface Csr {
  rows: number;
  cols: number;
  /** Row r's nonzeros are p in [ptr[r], ptr[r + 1]). */
  ptr: Int32Array;
  /** Column of nonzero p (increasing within a row). */
  idx: Int32Array;
  val: Float64Array;
}

/** The CSR form of a row-major rows x cols matrix (zeros of either sign are dropped). */
export function toCsr(W: ArrayLike<number>, rows: number, cols: number): Csr {
  const ptr = new Int32Array(rows + 1);
  let nnz = 0;
  for (let i = 0; i < rows * cols; i++) if (W[i] !== 0) nnz++;
  const idx = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = W[r * cols + c]!;
      if (w !== 0) {
        idx[p] = c;
        val[p++] = w;
      }
    }
    ptr[r + 1] = p;
  }
  return { rows, cols, ptr, idx, val };
}

/** Whether x[xo .. xo + n) are all finite (neither ±Infinity nor NaN). */
export function allFinite(x: ArrayLike<number>, xo: number, n: number): boolean {
  for (let c = 0; c < n; c++) {
    const v = x[xo + c]!;
    if (v - v !== 0) return false;
  }
  return true;
}

/** The dense rounded sums of A x (every zero weight's term included, left to right): the
 * fallback for activations that are not finite, where 0·x is NaN. */
export function denseSpmv(R: (x: number) => number, A: Csr, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
  const { ptr, idx, val, cols } = A;
  for (let r = 0; r < A.rows; r++) {
    let acc = 0;
    let p = ptr[r]!;
    const end = ptr[r + 1]!;
    for (let c = 0; c < cols; c++) {
      const w = p < end && idx[p] === c ? val[p++]! : 0;
      acc = R(acc + R(w * x[xo + c]!));
    }
    out[o + r] = acc;
  }
}
