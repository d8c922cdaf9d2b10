// comparator --width W: unsigned comparison of two W-bit numbers.
//   inputs:  a[W], b[W]
//   outputs: lt[1] = (a < b), eq[1] = (a == b), gt[1] = (a > b); exactly one of them is 1
// lt is the inverted carry out of a + NOT b + 1 (a carry chain), eq a balanced AND tree of
// XNORs, gt = NOR(lt, eq). lsb0: wire k of a group is bit k of its value.

import { geq } from './arith.js';
import { Logic } from './logic.js';
import { intOption } from './options.js';
import type { GenOption, Generator } from './types.js';

const WIDTH: GenOption = { name: 'width', kind: 'int', default: '8', help: 'bits per operand, 1..4096' };

export const comparatorGenerator: Generator = {
  family: 'comparator',
  summary: 'unsigned comparator: a[W], b[W] -> lt, eq, gt',
  options: [WIDTH],
  build(opts) {
    const w = intOption(opts, WIDTH, 1, 4096);
    const L = new Logic();
    const a = L.input('a', w);
    const b = L.input('b', w);
    const lt = L.not(geq(L, a, b));
    const eq = L.andAll(a.map((x, k) => L.xnor(x, b[k]!)));
    L.output('lt', [lt]);
    L.output('eq', [eq]);
    L.output('gt', [L.nor(lt, eq)]);
    return L.finish(`comparator_w${w}`);
  },
};
