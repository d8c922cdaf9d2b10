// Output layer: logits = W_U h. With v = 1 - mode_type - mode_na (value mode) and y = ff_out:
//   "0": 1.5 v        "1": 1.5 v + y - 0.5        "-": 2 mode_na        <bos>: 0
//   type token T: 1.5 mode_type + score_T(tt),  score_T(tt) = Σ_u (2 T_u - 1) tt_u + 1 - |T|,
// where score_T is 1 when tt is T's truth table and at most 0 otherwise. The winner leads by at
// least 0.5 in every mode (value: 2 vs 1.5 or 1.5 vs 1; type: 2.5 vs 1.5; "-": 2 vs 1), and every
// coefficient and partial sum stays inside F_2 (|x| <= 3.75).

import { OP_NAMES, opCode, truthTable } from '../../circuits/index.js';
import type { Basis } from '../../model/index.js';
import { BOS, NA } from '../../model/index.js';

export function unembedding(basis: Basis, vocab: string[]): Float32Array {
  const d = basis.dim;
  const W = new Float32Array(vocab.length * d);
  const set = (tok: number, coord: string, v: number, i = 0) => (W[tok * d + basis.at(coord, i)] = v);
  const has4 = basis.has('mode_type');
  vocab.forEach((t, id) => {
    if (t === '0' || t === '1') {
      set(id, 'one', t === '0' ? 1.5 : 1);
      if (t === '1') set(id, 'ff_out', 1);
      if (has4) {
        set(id, 'mode_type', -1.5);
        set(id, 'mode_na', -1.5);
      }
    } else if (t === NA) {
      set(id, 'mode_na', 2);
    } else if ((OP_NAMES as readonly string[]).includes(t)) {
      const table = truthTable(opCode(t)!);
      const ones = table.reduce<number>((s, x) => s + x, 0);
      set(id, 'one', 1 - ones);
      set(id, 'mode_type', 1.5);
      table.forEach((x, u) => set(id, 'tt', 2 * x - 1, u));
    } else if (t !== BOS) {
      throw new Error(`no output row for token ${t}`);
    }
  });
  return W;
}
