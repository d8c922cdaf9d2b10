// Interval operations of the multi-layer certifier, in two arithmetics:
//   exact   the paper's rounded formats (fixed:s, float:e,s) and f64: each operation in the CPU
//           reference's own order, evaluated at interval endpoints (every rounding used is
//           monotone, so the endpoints bound every value); on points it IS the runtime
//   outward binary32 in any evaluation order (proofs/enclosure.ts: faithful rounding, any
//           association, WGSL's exp and division accuracy), widened by the classical γ_n bounds
// Boxes are [lo, hi] per coordinate, in float64.

import type { Csr, Kernels } from '../../runtime/index.js';
import { encAdd, encMatvec, sumError, type Box } from '../enclosure.js';
import { intervalSpmv } from '../kernels.js';

export type { Box };

export const newBox = (n: number): Box => ({ lo: new Float64Array(n), hi: new Float64Array(n) });

export function pointBox(x: ArrayLike<number>): Box {
  return { lo: Float64Array.from(x), hi: Float64Array.from(x) };
}

export function hullBox(a: Box, b: Box): Box {
  const n = a.lo.length;
  const out = newBox(n);
  for (let c = 0; c < n; c++) {
    out.lo[c] = Math.min(a.lo[c]!, b.lo[c]!);
    out.hi[c] = Math.max(a.hi[c]!, b.hi[c]!);
  }
  return out;
}

export interface BoxOps {
  readonly outward: boolean;
  /** h = [tok + [pos]]: the embedding of one position. */
  embed(tok: ArrayLike<number>, to: number, pos: ArrayLike<number>, po: number, d: number): Box;
  /** A·x, then + bias (rounded after the sum, as the runtime adds biases). */
  matvec(A: Csr, x: Box, bias?: ArrayLike<number>): Box;
  /** The residual update h + x_1 + ... + x_n: the runtime first sums the x in order, then adds h. */
  residual(h: Box, xs: Box[]): Box;
  relu(x: Box): Box;
}

/** The runtime's own operations (paper formats, f64): monotone roundings on interval endpoints. */
export function exactOps(k: Kernels): BoxOps {
  return {
    outward: false,
    embed(tok, to, pos, po, d) {
      const b = newBox(d);
      for (let c = 0; c < d; c++) b.lo[c] = b.hi[c] = k.round(tok[to + c]! + k.round(pos[po + c]!));
      return b;
    },
    matvec(A, x, bias) {
      const out = newBox(A.rows);
      if (isPoint(x)) {
        k.spmv(A, x.lo, 0, out.lo, 0);
        out.hi.set(out.lo);
      } else intervalSpmv(k, A, x.lo, x.hi, out.lo, out.hi);
      if (bias) {
        for (let r = 0; r < A.rows; r++) {
          out.lo[r] = k.round(out.lo[r]! + bias[r]!);
          out.hi[r] = k.round(out.hi[r]! + bias[r]!);
        }
      }
      return out;
    },
    residual(h, xs) {
      const n = h.lo.length;
      const out = newBox(n);
      for (let c = 0; c < n; c++) {
        let a = 0;
        let b = 0;
        for (const x of xs) {
          a = k.round(a + x.lo[c]!);
          b = k.round(b + x.hi[c]!);
        }
        out.lo[c] = xs.length ? k.round(h.lo[c]! + a) : h.lo[c]!;
        out.hi[c] = xs.length ? k.round(h.hi[c]! + b) : h.hi[c]!;
      }
      return out;
    },
    relu: reluBox,
  };
}

/** Binary32 in any order (enclosure.ts's bounds). */
export function outwardOps(): BoxOps {
  return {
    outward: true,
    embed(tok, to, pos, po, d) {
      const b = newBox(d);
      for (let c = 0; c < d; c++) {
        const a = tok[to + c]!;
        const p = Math.fround(pos[po + c]!);
        const err = sumError(2, Math.abs(a) + Math.abs(p));
        b.lo[c] = a + p - err;
        b.hi[c] = a + p + err;
      }
      return b;
    },
    matvec(A, x, bias) {
      return encMatvec(A, x, bias);
    },
    residual(h, xs) {
      return encAdd(h, ...xs);
    },
    relu: reluBox,
  };
}

function isPoint(x: Box): boolean {
  const { lo, hi } = x;
  for (let c = 0; c < lo.length; c++) if (lo[c] !== hi[c]) return false;
  return true;
}

function reluBox(x: Box): Box {
  const n = x.lo.length;
  const out = newBox(n);
  for (let c = 0; c < n; c++) {
    out.lo[c] = Math.max(0, x.lo[c]!);
    out.hi[c] = Math.max(0, x.hi[c]!);
  }
  return out;
}
