// The residual stream of the compiled model, subspace by subspace:
//   one          constant 1 (position embedding)
//   tok_val      1 when the token at this position is "1" (token embedding)
//   val_a, val_b the bits fetched by heads fetch_a and fetch_b (attention output)
//   ff_out       the computed bit y = table(val_a, val_b) (feed-forward output)
//   mode_type    4tok only: write the type token of the next gate
//   mode_na      4tok only: write "-" (the gate has no such input)
//   tt[4]        truth table of the operation, tt[2a+b] = f(a, b)
//   pos_bits[k]  sbin(p), this position's code (read by keys)
//   src_a_bits[k], src_b_bits[k]  sbin of the positions to fetch (read by queries)
// d_model = 3k + 9 (gate CoT) or 3k + 11 (4tok CoT), k = ceil(log2(S + 1)).

import { Basis, type CotFormat } from '../model/index.js';

export { dModelFormula, positionBits } from '../model/index.js';

export function residualBasis(cot: CotFormat, k: number): Basis {
  const b = new Basis().add('one').add('tok_val').add('val_a').add('val_b').add('ff_out');
  if (cot === '4tok') b.add('mode_type').add('mode_na');
  return b.add('tt', 4).add('pos_bits', k).add('src_a_bits', k).add('src_b_bits', k);
}

/** sbin(i)_b = 2 * bit_b(i) - 1, in {-1, +1}. */
export function sbin(i: number, b: number): number {
  return ((i >>> b) & 1) === 1 ? 1 : -1;
}
