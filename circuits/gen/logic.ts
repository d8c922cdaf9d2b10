// A small gate-level DAG for the arithmetic generators. Every gate goes through constant
// folding (x AND 0 = 0, x XOR 1 = NOT x, x AND x = x, x AND NOT x = 0, ...) and structural
// hashing (the same op on the same operands is built once), so the word-level code can be
// written plainly (constant operands, repeated partial products) without wasting gates.
// finish() keeps only the gates that reach an output, in creation order, and hands them to
// NetlistBuilder, which checks the result. A Bit is a node id >= 0, or ZERO / ONE.

import { NetlistBuilder } from '../builder.js';
import { UserError } from '../errors.js';
import { OP_NAMES, Op, arity, type Circuit, type EmbeddedTest, type OpCode } from '../ir.js';

export type Bit = number;
export const ZERO: Bit = -1;
export const ONE: Bit = -2;

/** Node ids must fit in 24 bits for the numeric hash keys below. */
const MAX_NODES = (1 << 24) - 4;
const COMMUTATIVE = new Set<number>([Op.AND, Op.OR, Op.XOR, Op.NOR, Op.XNOR]);
const INPUT_NODE = -1;

export class Logic {
  /** Per node: its op, or INPUT_NODE; its operands (-1 where unused). */
  private readonly op: number[] = [];
  private readonly x: number[] = [];
  private readonly y: number[] = [];
  private readonly complement = new Map<number, number>();
  private readonly hash = new Map<number, number>();
  private readonly inGroups: { name: string; bits: number[] }[] = [];
  private readonly outGroups: { name: string; bits: Bit[] }[] = [];
  private readonly tests: EmbeddedTest[] = [];

  input(name: string, width: number): Bit[] {
    const bits: number[] = [];
    for (let k = 0; k < width; k++) bits.push(this.node(INPUT_NODE, -1, -1));
    this.inGroups.push({ name, bits });
    return bits;
  }

  output(name: string, bits: Bit[]): void {
    this.outGroups.push({ name, bits: bits.slice() });
  }

  addTest(t: EmbeddedTest): void {
    this.tests.push(t);
  }

  not(a: Bit): Bit {
    if (a === ZERO) return ONE;
    if (a === ONE) return ZERO;
    const c = this.complement.get(a);
    if (c !== undefined) return c;
    const n = this.gate(Op.NOT, a, -1);
    this.complement.set(a, n);
    this.complement.set(n, a);
    return n;
  }

  and(a: Bit, b: Bit): Bit {
    if (a === ZERO || b === ZERO) return ZERO;
    if (a === ONE) return b;
    if (b === ONE || a === b) return a;
    if (this.complement.get(a) === b) return ZERO;
    return this.gate(Op.AND, a, b);
  }

  or(a: Bit, b: Bit): Bit {
    if (a === ONE || b === ONE) return ONE;
    if (a === ZERO) return b;
    if (b === ZERO || a === b) return a;
    if (this.complement.get(a) === b) return ONE;
    return this.gate(Op.OR, a, b);
  }

  xor(a: Bit, b: Bit): Bit {
    if (a === ZERO) return b;
    if (b === ZERO) return a;
    if (a === ONE) return this.not(b);
    if (b === ONE) return this.not(a);
    if (a === b) return ZERO;
    if (this.complement.get(a) === b) return ONE;
    return this.gate(Op.XOR, a, b);
  }

  /** NOT(a XOR b) as one gate where nothing folds. */
  xnor(a: Bit, b: Bit): Bit {
    if (a === ZERO || a === ONE || b === ZERO || b === ONE || a === b || this.complement.get(a) === b) {
      return this.not(this.xor(a, b));
    }
    return this.gate(Op.XNOR, a, b);
  }

  /** NOT(a OR b) as one gate where nothing folds. */
  nor(a: Bit, b: Bit): Bit {
    if (a === ZERO || a === ONE || b === ZERO || b === ONE || a === b || this.complement.get(a) === b) {
      return this.not(this.or(a, b));
    }
    return this.gate(Op.NOR, a, b);
  }

  /** s ? b : a. */
  mux(s: Bit, a: Bit, b: Bit): Bit {
    if (s === ZERO || a === b) return a;
    if (s === ONE) return b;
    if (a === ZERO && b === ONE) return s;
    if (a === ONE && b === ZERO) return this.not(s);
    if (a === ZERO) return this.and(s, b);
    if (b === ZERO) return this.and(this.not(s), a);
    if (a === ONE) return this.or(this.not(s), b);
    if (b === ONE) return this.or(s, a);
    // a ^ (s & (a ^ b)): three gates, no inverter.
    return this.xor(a, this.and(s, this.xor(a, b)));
  }

  /** AND of all bits as a balanced tree (1 for none). */
  andAll(bits: Bit[]): Bit {
    return this.tree(bits, ONE, (p, q) => this.and(p, q));
  }

  orAll(bits: Bit[]): Bit {
    return this.tree(bits, ZERO, (p, q) => this.or(p, q));
  }

  /** Number of gate nodes built so far (live or not). */
  get size(): number {
    return this.op.length;
  }

  /** The circuit of the gates that reach an output, in creation order (a topological order). */
  finish(name: string): Circuit {
    const n = this.op.length;
    const live = new Uint8Array(n);
    for (const g of this.outGroups) for (const b of g.bits) if (b >= 0) live[b] = 1;
    // Operands always have smaller ids, so one descending pass propagates liveness.
    for (let i = n - 1; i >= 0; i--) {
      if (live[i] === 0 || this.op[i] === INPUT_NODE) continue;
      if (this.x[i]! >= 0) live[this.x[i]!] = 1;
      if (this.y[i]! >= 0) live[this.y[i]!] = 1;
    }
    const nb = new NetlistBuilder();
    const loc = nb.loc(1, 1);
    const net = new Int32Array(n).fill(-1);
    for (const g of this.inGroups) {
      const nets = nb.addInputGroup(g.name, g.bits.map((_, k) => `${g.name}[${k}]`), loc);
      g.bits.forEach((b, k) => { net[b] = nets[k]!; });
    }
    for (let i = 0; i < n; i++) {
      const op = this.op[i]!;
      if (live[i] === 0 || op === INPUT_NODE) continue;
      const ins = arity(op as OpCode) === 2 ? [net[this.x[i]!]!, net[this.y[i]!]!] : [net[this.x[i]!]!];
      net[i] = nb.addGate(undefined, OP_NAMES[op]!, ins, loc);
    }
    // Constant outputs are the only place a constant becomes a gate (folding removes the rest).
    const consts = new Map<Bit, number>();
    const netOf = (b: Bit): number => {
      if (b >= 0) return net[b]!;
      let c = consts.get(b);
      if (c === undefined) {
        c = nb.addGate(undefined, b === ONE ? 'CONST1' : 'CONST0', [], loc);
        consts.set(b, c);
      }
      return c;
    };
    for (const g of this.outGroups) nb.addOutputGroup(g.name, g.bits.map((b) => ({ net: netOf(b), loc })));
    for (const t of this.tests) nb.addTest(t);
    return nb.build(name);
  }

  private tree(bits: Bit[], empty: Bit, f: (p: Bit, q: Bit) => Bit): Bit {
    if (bits.length === 0) return empty;
    if (bits.length === 1) return bits[0]!;
    const half = bits.length >> 1;
    return f(this.tree(bits.slice(0, half), empty, f), this.tree(bits.slice(half), empty, f));
  }

  private gate(op: OpCode, a: number, b: number): number {
    if (COMMUTATIVE.has(op) && b < a) [a, b] = [b, a];
    // op < 16 and operands + 1 < 2^24: the key is below 2^52, an exact double.
    const key = (op * 16777216 + (a + 1)) * 16777216 + (b + 1);
    const hit = this.hash.get(key);
    if (hit !== undefined) return hit;
    const id = this.node(op, a, b);
    this.hash.set(key, id);
    return id;
  }

  private node(op: number, a: number, b: number): number {
    const id = this.op.length;
    if (id >= MAX_NODES) throw new UserError(`circuit too large: more than ${MAX_NODES} gates`);
    this.op.push(op);
    this.x.push(a);
    this.y.push(b);
    return id;
  }
}
