// itersq --p P --k K: iterated squaring r^(2^K) mod P (LLZM24, Sec. 4).
//   inputs:  r[w], w = bitLength(P); any value 0..2^w-1 (reduced mod P first)
//   outputs: y[w] = r^(2^K) mod P, a value 0..P-1 (for K = 0: r mod P)
// Each squaring is an array multiplier (r * r, 2w bits) followed by a reduction by the
// constant P (restoring shift-subtract, see arith.ts modConst).
// lsb0: wire k of a group is bit k of its value.

import { bitLength, modConst, multiply } from './arith.js';
import { Logic } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const P: GenOption = { name: 'p', kind: 'int', default: '101', help: 'the modulus, 2..65535' };
const K: GenOption = { name: 'k', kind: 'int', default: '4', help: 'number of squarings, 0..1024' };

export const itersqGenerator: Generator = {
  family: 'itersq',
  summary: 'iterated squaring mod P: r[w] -> y[w] = r^(2^K) mod P',
  options: [P, K],
  build(opts) {
    const p = intOption(opts, P, 2, 65535);
    const k = intOption(opts, K, 0, 1024);
    const L = new Logic();
    let y = modConst(L, L.input('r', bitLength(p)), p);
    for (let i = 0; i < k; i++) y = modConst(L, multiply(L, y, y), p);
    L.output('y', y);
    return L.finish(`itersq_p${p}_k${k}`);
  },
};
