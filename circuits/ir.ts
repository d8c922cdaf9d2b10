// The circuit IR: named input groups, named output groups, and 2-input gates in topological order.
// Wires 0..nInputs-1 are the input wires (group after group); gate g drives wire nInputs + g.

export const OP_NAMES = ['AND', 'OR', 'XOR', 'NAND', 'NOR', 'XNOR', 'NOT', 'BUF', 'CONST0', 'CONST1'] as const;
export type OpName = (typeof OP_NAMES)[number];
export type OpCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

export const Op = {
  AND: 0, OR: 1, XOR: 2, NAND: 3, NOR: 4, XNOR: 5, NOT: 6, BUF: 7, CONST0: 8, CONST1: 9,
} as const satisfies Record<OpName, OpCode>;

/** Number of wire operands a gate of this op reads (NOT/BUF read only `a`). */
export function arity(op: OpCode): 0 | 1 | 2 {
  if (op === Op.CONST0 || op === Op.CONST1) return 0;
  if (op === Op.NOT || op === Op.BUF) return 1;
  return 2;
}

/** Value of the gate on (a, b) in {0,1}; 1-input ops ignore b, constants ignore both. */
export function applyOp(op: OpCode, a: number, b: number): 0 | 1 {
  switch (op) {
    case Op.AND: return (a & b) as 0 | 1;
    case Op.OR: return (a | b) as 0 | 1;
    case Op.XOR: return (a ^ b) as 0 | 1;
    case Op.NAND: return (1 ^ (a & b)) as 0 | 1;
    case Op.NOR: return (1 ^ (a | b)) as 0 | 1;
    case Op.XNOR: return (1 ^ a ^ b) as 0 | 1;
    case Op.NOT: return (1 ^ a) as 0 | 1;
    case Op.BUF: return a as 0 | 1;
    case Op.CONST0: return 0;
    case Op.CONST1: return 1;
  }
}

/** Truth table [f(0,0), f(0,1), f(1,0), f(1,1)] indexed by 2a + b. */
export function truthTable(op: OpCode): [0 | 1, 0 | 1, 0 | 1, 0 | 1] {
  return [applyOp(op, 0, 0), applyOp(op, 0, 1), applyOp(op, 1, 0), applyOp(op, 1, 1)];
}

export function opCode(name: string): OpCode | undefined {
  const i = (OP_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : (i as OpCode);
}

export interface Group {
  name: string;
  width: number;
}

export interface OutputGroup {
  name: string;
  /** Wire id of each output bit, bit 0 first. */
  wires: number[];
}

/** An embedded test case: group values (bit k of the value = wire k of the group). */
export interface EmbeddedTest {
  inputs: Record<string, bigint>;
  expect: Record<string, bigint>;
  line: number;
}

export interface Circuit {
  name: string;
  inputs: Group[];
  outputs: OutputGroup[];
  nInputs: number;
  /** Gate g: op ops[g] on wires a[g], b[g] (-1 where unused), drives wire nInputs + g. */
  ops: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  /** Optional source names of wires (index = wire id). */
  wireNames?: (string | undefined)[];
  tests?: EmbeddedTest[];
}

export function nGates(c: Circuit): number {
  return c.ops.length;
}

export function nWires(c: Circuit): number {
  return c.nInputs + c.ops.length;
}

export function outputWires(c: Circuit): number[] {
  return c.outputs.flatMap((g) => g.wires);
}

/** First wire id of each input group. */
export function inputOffsets(c: Circuit): number[] {
  const offs: number[] = [];
  let o = 0;
  for (const g of c.inputs) {
    offs.push(o);
    o += g.width;
  }
  return offs;
}

/** Name of a wire for display: its source name, else x<k> / g<k>. */
export function wireLabel(c: Circuit, w: number): string {
  const n = c.wireNames?.[w];
  if (n !== undefined) return n;
  return w < c.nInputs ? `x${w}` : `g${w - c.nInputs}`;
}

/** A wire an evaluator is asked to return must be a wire of the circuit. */
export function checkKeep(w: number, nWires: number): void {
  if (!(Number.isInteger(w) && w >= 0 && w < nWires)) throw new RangeError(`wire ${w} to keep is not a wire of a circuit with ${nWires} wires`);
}

/** A result array given to an evaluator must hold exactly the words it writes. */
export function checkOut(out: Uint32Array | undefined, words: number): void {
  if (out && out.length !== words) throw new RangeError(`the result array has ${out.length} words, the evaluation writes ${words}`);
}
