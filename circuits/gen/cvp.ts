// cvp --gates T --seed S: the circuit value problem (LLZM24, Sec. 4): the circuit reads a
// serialized circuit of T gates and computes the value of its last gate.
//   inputs:  g0, g1, ..., g(T-1), each 3 + 2L bits, L = ceil(log2 T) (L = 1 when T <= 2):
//              bits 0..2        type: 0 FALSE, 1 TRUE, 2 AND, 3 OR, 4 NOT; 5, 6, 7 unused (value 0)
//              bits 3..3+L-1    in1, the index of the first operand (NOT reads in1 only)
//              bits 3+L..3+2L-1 in2, the index of the second operand
//   outputs: value[1], the value of gate T-1
// Gate t may only read gates < t: an operand index >= t reads 0 (so gate 0 always reads 0s).
// Each operand is fetched by a mux tree over the earlier gates' values (about 3t gates), and
// the type selects among 0, 1, AND, OR, NOT of the two operands.
// --seed picks a random valid instance (gate 0 FALSE or TRUE; then types FALSE:TRUE:AND:OR:NOT
// weighted 1:1:2:2:2, operands uniform over earlier gates, unused operand fields 0), embedded
// as the circuit's test, so the generated file shows one concrete instance and its value.
// lsb0: wire k of a group is bit k of its value.

import { lookup } from './arith.js';
import { Logic, ONE, ZERO, type Bit } from './logic.js';
import { bigintOption, intOption } from './options.js';
import { Rng } from './prng.js';
import type { GenOption, Generator } from './types.js';

const GATES: GenOption = { name: 'gates', kind: 'int', default: '16', help: 'gates in the serialized instance, 1..1024' };
const SEED: GenOption = { name: 'seed', kind: 'bigint', default: '1', help: 'seed of the embedded example instance, 0..2^64-1' };

export const CVP_TYPES = { FALSE: 0, TRUE: 1, AND: 2, OR: 3, NOT: 4 } as const;

/** Bits per operand index for T gates: ceil(log2 T), at least 1. */
export function cvpIndexBits(t: number): number {
  let l = 1;
  while (2 ** l < t) l++;
  return l;
}

interface CvpGate {
  type: number;
  in1: number;
  in2: number;
}

function randomInstance(t: number, seed: bigint): CvpGate[] {
  const rng = new Rng(seed);
  const weighted = [0, 1, 2, 2, 3, 3, 4, 4];
  const gates: CvpGate[] = [];
  for (let i = 0; i < t; i++) {
    if (i === 0) {
      gates.push({ type: rng.below(2), in1: 0, in2: 0 });
      continue;
    }
    const type = weighted[rng.below(8)]!;
    const in1 = type >= CVP_TYPES.AND ? rng.below(i) : 0;
    const in2 = type === CVP_TYPES.AND || type === CVP_TYPES.OR ? rng.below(i) : 0;
    gates.push({ type, in1, in2 });
  }
  return gates;
}

/** Value of the last gate, by the rules above (valid or not). */
function interpret(gates: CvpGate[]): number {
  const v: number[] = [];
  gates.forEach((g, t) => {
    const x = g.in1 < t ? v[g.in1]! : 0;
    const y = g.in2 < t ? v[g.in2]! : 0;
    const r = [0, 1, x & y, x | y, 1 - x][g.type] ?? 0;
    v.push(r);
  });
  return v[v.length - 1]!;
}

export const cvpGenerator: Generator = {
  family: 'cvp',
  summary: 'circuit value problem: T serialized gates g0..g(T-1) -> value of the last gate',
  options: [GATES, SEED],
  build(opts) {
    const t = intOption(opts, GATES, 1, 1024);
    const seed = bigintOption(opts, SEED, 0n, (1n << 64n) - 1n);
    const l = cvpIndexBits(t);
    const L = new Logic();
    const values: Bit[][] = [];
    for (let i = 0; i < t; i++) {
      const g = L.input(`g${i}`, 3 + 2 * l);
      const x = lookup(L, g.slice(3, 3 + l), values, 1)[0]!;
      const y = lookup(L, g.slice(3 + l), values, 1)[0]!;
      const byType = [[ZERO], [ONE], [L.and(x, y)], [L.or(x, y)], [L.not(x)]];
      values.push(lookup(L, g.slice(0, 3), byType, 1));
    }
    L.output('value', values[t - 1]!);
    const inst = randomInstance(t, seed);
    const inputs: Record<string, bigint> = {};
    inst.forEach((g, i) => {
      inputs[`g${i}`] = BigInt(g.type) | (BigInt(g.in1) << 3n) | (BigInt(g.in2) << BigInt(3 + l));
    });
    L.addTest({ inputs, expect: { value: BigInt(interpret(inst)) }, line: 0 });
    return L.finish(`cvp_t${t}_s${seed}`);
  },
};

