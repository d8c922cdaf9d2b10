// s5 --count M: composition of M permutations of {0,1,2,3,4} (LLZM24, Sec. 4, "S5").
//   inputs:  p0[15], p1[15], ..., p(M-1)[15]; entry j of p_i (= p_i(j)) is bits 3j..3j+2
//   outputs: q[15] = p_(M-1) o ... o p_1 o p_0 (p_0 applied first); entry j is bits 3j..3j+2
// Invalid encodings are allowed and follow one fixed rule: applying p to a value v reads
// entry v of p when v < 5 and gives 0 when v >= 5 (entries themselves may be any of 0..7).
// So q(j) = f_(M-1)(... f_1(p_0[j])), where f_i(v) = p_i[v] for v < 5 and 0 otherwise; with
// valid permutations this is the ordinary composition. Built serially, one table lookup (a
// 3-level mux tree) per entry per permutation, so the depth grows with M.
// lsb0: wire k of a group is bit k of its value.

import { constWord, lookup } from './arith.js';
import { Logic, type Bit } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const COUNT: GenOption = { name: 'count', kind: 'int', default: '8', help: 'how many permutations, 1..4096' };

export const s5Generator: Generator = {
  family: 's5',
  summary: 'composition of M permutations of 0..4, 3 bits per entry: p0..p(M-1) -> q[15]',
  options: [COUNT],
  build(opts) {
    const m = intOption(opts, COUNT, 1, 4096);
    const L = new Logic();
    // Start from the identity; applying p_0 to constant indices folds to p_0's own entries.
    let q: Bit[][] = [0, 1, 2, 3, 4].map((j) => constWord(j, 3));
    for (let i = 0; i < m; i++) {
      const p = L.input(`p${i}`, 15);
      const table = [0, 1, 2, 3, 4].map((j) => p.slice(3 * j, 3 * j + 3)); // indices 5..7 read 0
      q = q.map((v) => lookup(L, v, table, 3));
    }
    L.output('q', q.flat());
    return L.finish(`s5_m${m}`);
  },
};
