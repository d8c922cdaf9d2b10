// The output layer of the fast path for a large vocabulary (the uniform model has one token per
// wire id): logits_v = Σ_c U[v, c] h_c for every position at once with the scores kernel (the
// "keys" are the vocabulary rows, the "queries" the positions), over the columns that some row
// of U uses, ascending: the reference sums each row's nonzeros in that order (CSR), and a zero
// weight adds fround(0 · h_c) = ±0, which changes no sum while h is finite (sparse.ts). A row
// with a non-finite coordinate there is read out by the reference's own sparse product.
// argmax: the first index holding the row's maximum (the kernel's pmax: ties and NaN as the
// reference's argmax, which keeps the lowest index and never picks a NaN).

import type { MemoryViews } from './arena.js';
import { laneMax, tailScores, type Scratch } from './attention.js';

export interface ArgmaxJob {
  kind: 'argmax';
  /** Positions (rows). */
  L: number;
  /** Used columns of U (the "key" width). */
  cu: number;
  /** Vocabulary size, and the stride of U^T (V rounded up to 8). */
  V: number;
  Vpad: number;
  /** Positions' used coordinates, blocked as HeadJob.q: ((i >> 2) * cu + t) * 4 + (i & 3). */
  q: number;
  /** U restricted to the used columns, transposed: column t of vocabulary row v at kt + t * Vpad + v. */
  kt: number;
  /** argmax per position (i32 words). */
  out: number;
  /** When not -1: the logits, L x V words. */
  logits: number;
}

export function argmaxBlocks(V: MemoryViews, job: ArgmaxJob, sc: Scratch, b0: number, b1: number): void {
  V.refresh();
  const f = V.f32;
  const ix = V.i32;
  const { L, cu, Vpad } = job;
  const nk = (job.V >> 3) << 3;
  for (let blk = b0; blk < b1; blk++) {
    const i0 = blk * 4;
    if (i0 >= L) break;
    f.fill(-Infinity, sc.mx, sc.mx + 16);
    if (nk > 0) V.kernels.scores4(4 * (job.q + blk * cu * 4), cu, 4 * job.kt, Vpad, nk, 4 * sc.s, Vpad, 4 * sc.mx);
    for (let r = 0; r < Math.min(4, L - i0); r++) {
      const i = i0 + r;
      const so = sc.s + r * Vpad;
      const m = tailScores(f, job.q + blk * cu * 4 + r, 4, cu, job.kt, Vpad, nk, job.V, so, laneMax(f, sc.mx + 4 * r));
      let best = 0;
      if (m > -Infinity) {
        const nPad = (job.V + 3) & ~3;
        f.fill(-Infinity, so + job.V, so + nPad);
        const count = V.kernels.cands(4 * so, nPad, m, 0, 4 * sc.idx);
        for (let c = 0; c < count; c++) {
          const v = ix[sc.idx + c]!;
          if (f[so + v] === m) {
            best = v;
            break;
          }
        }
      }
      ix[job.out + i] = best;
      if (job.logits >= 0) f.copyWithin(job.logits + i * job.V, so, so + job.V);
    }
  }
}
