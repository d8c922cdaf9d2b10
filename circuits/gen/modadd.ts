// modadd --count M: the sum of M numbers mod 7 (LLZM24, Sec. 4, "modular addition").
//   inputs:  x0[3], x1[3], ..., x(M-1)[3], each a value 0..7 where 7 counts as 0 (mod 7)
//   outputs: s[3] = (x0 + ... + x(M-1)) mod 7, a value 0..6
// A balanced binary tree of M-1 end-around-carry additions (a + b, then add the carry out
// back in: a + b - 8 + 1 = a + b - 7 when a + b >= 8), so every partial sum is a 3-bit value
// 0..7 congruent to its true sum mod 7; the depth is O(log M) (the task is parallel). A last
// step maps 7 to 0. lsb0: wire k of a group is bit k of its value.

import { add } from './arith.js';
import { Logic, type Bit } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const COUNT: GenOption = { name: 'count', kind: 'int', default: '8', help: 'how many 3-bit numbers, 1..65536' };

/** (a + b) mod 7 as a value 0..7 (7 meaning 0), for a, b in 0..7. */
function addMod7(L: Logic, a: Bit[], b: Bit[]): Bit[] {
  const s = add(L, a, b); // 4 bits, 0..14
  return add(L, s.slice(0, 3), [s[3]!]).slice(0, 3); // + carry: never overflows 3 bits
}

function sumTree(L: Logic, xs: Bit[][]): Bit[] {
  if (xs.length === 1) return xs[0]!;
  const half = xs.length >> 1;
  return addMod7(L, sumTree(L, xs.slice(0, half)), sumTree(L, xs.slice(half)));
}

export const modaddGenerator: Generator = {
  family: 'modadd',
  summary: 'sum of M 3-bit numbers mod 7 (7 counts as 0): x0..x(M-1) -> s[3]',
  options: [COUNT],
  build(opts) {
    const m = intOption(opts, COUNT, 1, 65536);
    const L = new Logic();
    const xs: Bit[][] = [];
    for (let i = 0; i < m; i++) xs.push(L.input(`x${i}`, 3));
    const r = sumTree(L, xs);
    const notSeven = L.not(L.andAll(r));
    L.output('s', r.map((bit) => L.and(bit, notSeven)));
    return L.finish(`modadd_m${m}`);
  },
};
