// multiplier --width W: unsigned W x W array multiplier (one ripple-carry adder row per bit
// of b; repeated partial products are shared by Logic's hashing).
//   inputs:  a[W], b[W]
//   outputs: p[2W] = a * b
// lsb0 throughout: wire k of a group is bit k of its value.

import { multiply } from './arith.js';
import { Logic } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const WIDTH: GenOption = { name: 'width', kind: 'int', default: '8', help: 'bits per operand, 1..256' };

export const multiplierGenerator: Generator = {
  family: 'multiplier',
  summary: 'unsigned array multiplier: a[W] * b[W] -> p[2W]',
  options: [WIDTH],
  build(opts) {
    const w = intOption(opts, WIDTH, 1, 256);
    const L = new Logic();
    const a = L.input('a', w);
    const b = L.input('b', w);
    L.output('p', multiply(L, a, b));
    return L.finish(`multiplier_w${w}`);
  },
};
