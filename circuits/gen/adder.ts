// adder --width W: ripple-carry addition of two unsigned W-bit numbers.
//   inputs:  a[W], b[W]
//   outputs: s[W+1] = a + b (s[W] is the carry out)
// lsb0 throughout: wire k of a group is bit k of its value.

import { add } from './arith.js';
import { Logic } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const WIDTH: GenOption = { name: 'width', kind: 'int', default: '8', help: 'bits per operand, 1..4096' };

export const adderGenerator: Generator = {
  family: 'adder',
  summary: 'ripple-carry adder: a[W] + b[W] -> s[W+1]',
  options: [WIDTH],
  build(opts) {
    const w = intOption(opts, WIDTH, 1, 4096);
    const L = new Logic();
    const a = L.input('a', w);
    const b = L.input('b', w);
    L.output('s', add(L, a, b));
    return L.finish(`adder_w${w}`);
  },
};
