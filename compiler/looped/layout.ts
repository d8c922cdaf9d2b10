// The residual stream of the latent (looped, looped-cot, deep) models, subspace by subspace:
//   one          constant 1 (position embedding)
//   val          this wire's current value: set by the token embedding at inputs ("0"/"1"), 0 at
//                gates until the block computes them; the block replaces it in place
//   is_gate      1 at gate positions (position embedding)
//   prev_done    looped-cot only: `done` of the position before (scratch)
//   done         looped-cot only: 1 once this position's value is final (inputs and <bos> from
//                the start; gate t in loop t)
//   val_a, val_b the operand values fetched in this iteration (scratch: cleared by the same FF)
//   tt[4]        truth table of this position's gate (0 at inputs and <bos>)
//   pos_bits[k]  sbin(p), this position's code (read by keys)
//   src_a_bits[k], src_b_bits[k]  sbin of the operands' positions (read by queries)
//   src_p_bits[k] looped-cot only: sbin(p - 1)
// d_model = 3k + 9 (looped, deep) or 4k + 11 (looped-cot), k = ceil(log2(S + 1)), S = 1 + wires.

import { Basis } from '../../model/index.js';

export type LatentKind = 'looped' | 'looped-cot' | 'deep';

export function latentBasis(kind: LatentKind, k: number): Basis {
  const cot = kind === 'looped-cot';
  // prev_done before done: a unit's left-to-right partial sums then stay inside F_2 (compile.ts).
  const b = new Basis().add('one').add('val').add('is_gate');
  if (cot) b.add('prev_done').add('done');
  b.add('val_a').add('val_b');
  b.add('tt', 4).add('pos_bits', k).add('src_a_bits', k).add('src_b_bits', k);
  if (cot) b.add('src_p_bits', k);
  return b;
}

/** d_model of a latent model over k position bits. */
export function latentWidth(kind: LatentKind, k: number): number {
  return kind === 'looped-cot' ? 4 * k + 11 : 3 * k + 9;
}
