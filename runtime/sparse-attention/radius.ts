// The Hamming radius each index head scores keys within. An omitted key differs from the query's
// code in at least r + 1 bits, so (for the compiled match heads, unit queries) its weight against
// the top key is at most e^(-2λ(r+1)). `auto` picks, per head, the smallest r with
// 2λ(r + 1) >= 18: then e^(-2λ(r+1)) < 2^-25, below a quarter of f32's spacing at the top key's
// weight, and the dense run's sums absorb each omitted term exactly (dense-softmax.ts), at most
// AUTO_CODES codes looked up per query (a weak scale gets the widest radius within that; what
// it cannot decide runs densely). λ = 10 gives r = 0; λ = 5, r = 1.

import { UserError } from '../../common/errors.js';

export type Radius = number | 'auto';

export const DEFAULT_RADIUS: Radius = 'auto';

/** Most codes an automatic radius looks up per query. */
export const AUTO_CODES = 4096;

/** Number of codes within radius r of one of n bits. */
export function codesWithin(n: number, r: number): number {
  let count = 0;
  let binom = 1;
  for (let k = 0; k <= Math.min(r, n); k++) {
    count += binom;
    binom = (binom * (n - k)) / (k + 1);
  }
  return count;
}

/** The radius a head of scale λ and n code bits uses. */
export function headRadius(r: Radius, lambda: number, n: number): number {
  if (r !== 'auto') return Math.min(r, n);
  let want = lambda > 0 ? Math.max(0, Math.ceil(9 / lambda) - 1) : n;
  want = Math.min(want, n);
  while (want > 0 && codesWithin(n, want) > AUTO_CODES) want--;
  return want;
}

export function parseRadius(s: string): Radius {
  if (s === 'auto') return s;
  if (!/^\d+$/.test(s) || Number(s) > 31) throw new UserError(`the radius must be auto or an integer from 0 to 31, got '${s}'`);
  return Number(s);
}
