// Builds a checked Circuit from named nets, in any order: lowers multi-input gates to balanced
// trees of 2-input gates, resolves aliases, sorts topologically and reports precise errors
// (undefined wire, wire driven twice, combinational cycle, arity mismatch, output of nothing,
// empty circuit), each at its file:line:col.

import { CircuitError, quote, type SourceLoc } from './errors.js';
import { Op, type Circuit, type EmbeddedTest, type Group, type OpCode, type OpName, type OutputGroup } from './ir.js';

const NONE = 0;
const INPUT = 1;
const GATE = 2;
const ALIAS = 3;

/** Ops that accept any number (>= 1) of inputs, with the 2-input op used inside their trees. */
const TREE_OPS: Partial<Record<OpName, { inner: OpCode; top: OpCode; single: OpCode }>> = {
  AND: { inner: Op.AND, top: Op.AND, single: Op.BUF },
  OR: { inner: Op.OR, top: Op.OR, single: Op.BUF },
  XOR: { inner: Op.XOR, top: Op.XOR, single: Op.BUF },
  NAND: { inner: Op.AND, top: Op.NAND, single: Op.NOT },
  NOR: { inner: Op.OR, top: Op.NOR, single: Op.NOT },
  XNOR: { inner: Op.XOR, top: Op.XNOR, single: Op.NOT },
};

/** An Int32Array that doubles when full (the builder holds hundreds of thousands of nets). */
class GrowableInt32 {
  data = new Int32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
}

interface OutputBit {
  net: number;
  loc: SourceLoc;
}

export class NetlistBuilder {
  private readonly file: string | undefined;
  private readonly byName = new Map<string, number>();
  private readonly names: (string | undefined)[] = [];
  private readonly kindG = new GrowableInt32();
  private readonly opG = new GrowableInt32();
  private readonly inAG = new GrowableInt32();
  private readonly inBG = new GrowableInt32();
  // Where each net is defined and first mentioned, as line/col pairs (0 = unknown): typed
  // arrays rather than objects, so half a million nets do not load the garbage collector.
  private readonly defLine = new GrowableInt32();
  private readonly defCol = new GrowableInt32();
  private readonly refLine = new GrowableInt32();
  private readonly refCol = new GrowableInt32();
  private readonly gateNets: number[] = [];
  private readonly inputGroups: { group: Group; nets: number[] }[] = [];
  private readonly outputGroups: { name: string; bits: OutputBit[] }[] = [];
  private readonly tests: EmbeddedTest[] = [];

  constructor(file?: string) {
    this.file = file;
  }

  loc(line: number, col: number): SourceLoc {
    return this.file === undefined ? { line, col } : { file: this.file, line, col };
  }

  /** The net called `name` (created on first mention); `loc` is where it is mentioned. */
  ref(name: string, loc?: SourceLoc): number {
    let id = this.byName.get(name);
    if (id === undefined) {
      id = this.newNet(name);
      this.byName.set(name, id);
    }
    if (loc && this.refLine.data[id] === 0) {
      this.refLine.data[id] = loc.line;
      this.refCol.data[id] = loc.col;
    }
    return id;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  isDriven(name: string): boolean {
    const id = this.byName.get(name);
    return id !== undefined && this.kind[id] !== NONE;
  }

  /** Declares an input group whose bit i is the net named bitNames[i]. */
  addInputGroup(name: string, bitNames: string[], loc: SourceLoc): number[] {
    const nets = bitNames.map((n) => {
      const id = this.claim(n, loc);
      this.kind[id] = INPUT;
      return id;
    });
    this.inputGroups.push({ group: { name, width: bitNames.length }, nets });
    return nets;
  }

  /** Drives the net `out` (a name, or undefined for a fresh anonymous net) with op(ins). */
  addGate(out: string | undefined, op: OpName, ins: number[], loc: SourceLoc): number {
    const tree = TREE_OPS[op];
    let id: number;
    if (tree) {
      if (ins.length === 0) throw new CircuitError('arity', `${op} needs at least one input`, loc);
      if (ins.length === 1) return this.addRaw(out, tree.single, ins[0]!, -1, loc);
      const half = ins.length >> 1;
      const left = this.treeOf(tree.inner, ins.slice(0, half), loc);
      const right = this.treeOf(tree.inner, ins.slice(half), loc);
      id = this.addRaw(out, tree.top, left, right, loc);
    } else if (op === 'NOT' || op === 'BUF') {
      if (ins.length !== 1) throw new CircuitError('arity', `${op} takes 1 input, got ${ins.length}`, loc);
      id = this.addRaw(out, Op[op], ins[0]!, -1, loc);
    } else {
      if (ins.length !== 0) throw new CircuitError('arity', `${op} takes no input, got ${ins.length}`, loc);
      id = this.addRaw(out, Op[op], -1, -1, loc);
    }
    return id;
  }

  /** Makes `name` another name of net `target` (no gate). */
  addAlias(name: string, target: number, loc: SourceLoc): number {
    const id = this.claim(name, loc);
    this.kind[id] = ALIAS;
    this.inA[id] = target;
    return id;
  }

  addOutputGroup(name: string, bits: OutputBit[]): void {
    this.outputGroups.push({ name, bits });
  }

  addTest(t: EmbeddedTest): void {
    this.tests.push(t);
  }

  /** Checks everything and returns the circuit in topological order. Throws CircuitError. */
  build(name: string): Circuit {
    const n = this.netCount;
    const resolved = this.resolveAliases();
    for (const g of this.outputGroups) {
      for (const bit of g.bits) {
        const r = resolved[bit.net]!;
        if (this.kind[r] === NONE) {
          throw new CircuitError('output-undriven', `output ${quote(this.describe(bit.net))} of ${quote(g.name)} is driven by nothing`, bit.loc);
        }
      }
    }
    if (this.outputGroups.every((g) => g.bits.length === 0)) {
      throw new CircuitError('empty', 'empty circuit: it declares no outputs', this.loc(1, 1));
    }
    // Undefined wires: a gate operand that nothing drives, reported at its first mention.
    let firstBad: number | undefined;
    for (const g of this.gateNets) {
      for (const x of [this.inA[g]!, this.inB[g]!]) {
        if (x >= 0 && this.kind[resolved[x]!] === NONE) {
          const r = resolved[x]!;
          if (firstBad === undefined || before(this.refLoc(r), this.refLoc(firstBad))) firstBad = r;
        }
      }
    }
    if (firstBad !== undefined) {
      throw new CircuitError('undefined-wire', `wire ${quote(this.describe(firstBad))} is used but never driven`, this.refLoc(firstBad) ?? this.loc(1, 1));
    }
    const order = this.topoOrder(resolved);
    const nInputs = this.inputGroups.reduce((s, g) => s + g.nets.length, 0);
    const wireOf = new Int32Array(n).fill(-1);
    const wireNames: (string | undefined)[] = [];
    let w = 0;
    for (const g of this.inputGroups) {
      for (const net of g.nets) {
        wireOf[net] = w++;
        wireNames.push(this.names[net]);
      }
    }
    const T = order.length;
    const ops = new Uint8Array(T);
    const a = new Int32Array(T);
    const b = new Int32Array(T);
    for (let i = 0; i < T; i++) {
      const net = order[i]!;
      wireOf[net] = nInputs + i;
      wireNames.push(this.names[net]);
    }
    for (let i = 0; i < T; i++) {
      const net = order[i]!;
      ops[i] = this.op[net]!;
      const x = this.inA[net]!;
      const y = this.inB[net]!;
      a[i] = x < 0 ? -1 : wireOf[resolved[x]!]!;
      b[i] = y < 0 ? -1 : wireOf[resolved[y]!]!;
    }
    const outputs: OutputGroup[] = this.outputGroups.map((g) => ({
      name: g.name,
      wires: g.bits.map((bit) => wireOf[resolved[bit.net]!]!),
    }));
    const c: Circuit = {
      name,
      inputs: this.inputGroups.map((g) => g.group),
      outputs,
      nInputs,
      ops,
      a,
      b,
      wireNames,
    };
    if (this.tests.length > 0) c.tests = this.tests;
    return c;
  }

  // Views of the growable arrays (valid until the next newNet).
  private get kind(): Int32Array {
    return this.kindG.data;
  }
  private get op(): Int32Array {
    return this.opG.data;
  }
  private get inA(): Int32Array {
    return this.inAG.data;
  }
  private get inB(): Int32Array {
    return this.inBG.data;
  }

  private get netCount(): number {
    return this.kindG.length;
  }

  private newNet(name: string | undefined): number {
    const id = this.kindG.length;
    this.names[id] = name;
    this.kindG.push(NONE);
    this.opG.push(0);
    this.inAG.push(-1);
    this.inBG.push(-1);
    this.defLine.push(0);
    this.defCol.push(0);
    this.refLine.push(0);
    this.refCol.push(0);
    return id;
  }

  private setDef(id: number, loc: SourceLoc): void {
    this.defLine.data[id] = loc.line;
    this.defCol.data[id] = loc.col;
  }

  private defLoc(id: number): SourceLoc | undefined {
    const line = this.defLine.data[id]!;
    return line === 0 ? undefined : this.loc(line, this.defCol.data[id]!);
  }

  private refLoc(id: number): SourceLoc | undefined {
    const line = this.refLine.data[id]!;
    return line === 0 ? undefined : this.loc(line, this.refCol.data[id]!);
  }

  /** The net `name`, which must not be driven yet; records where it is defined. */
  private claim(name: string, loc: SourceLoc): number {
    const id = this.ref(name);
    if (this.kind[id] !== NONE) {
      const first = this.defLoc(id);
      const where = first ? ` (first driven at line ${first.line})` : '';
      throw new CircuitError('driven-twice', `wire ${quote(name)} is driven twice${where}`, loc);
    }
    this.setDef(id, loc);
    return id;
  }

  private addRaw(out: string | undefined, op: OpCode, x: number, y: number, loc: SourceLoc): number {
    const id = out === undefined ? this.newNet(undefined) : this.claim(out, loc);
    if (out === undefined) this.setDef(id, loc);
    this.kind[id] = GATE;
    this.op[id] = op;
    this.inA[id] = x;
    this.inB[id] = y;
    this.gateNets.push(id);
    return id;
  }

  private treeOf(op: OpCode, ins: number[], loc: SourceLoc): number {
    if (ins.length === 1) return ins[0]!;
    const half = ins.length >> 1;
    const left = this.treeOf(op, ins.slice(0, half), loc);
    const right = this.treeOf(op, ins.slice(half), loc);
    return this.addRaw(undefined, op, left, right, loc);
  }

  private describe(net: number): string {
    return this.names[net] ?? `#${net}`;
  }

  private resolveAliases(): Int32Array {
    const n = this.netCount;
    const res = new Int32Array(n).fill(-1);
    const onChain = new Uint8Array(n);
    const chain: number[] = [];
    for (let i = 0; i < n; i++) {
      if (res[i] !== -1) continue;
      chain.length = 0;
      let x = i;
      while (this.kind[x] === ALIAS && res[x] === -1) {
        if (onChain[x]) {
          throw new CircuitError('cycle', `combinational cycle through aliases of ${quote(this.describe(x))}`, this.defLoc(x));
        }
        onChain[x] = 1;
        chain.push(x);
        x = this.inA[x]!;
      }
      const root = res[x] !== -1 ? res[x]! : x;
      res[x] = root;
      for (const c of chain) {
        res[c] = root;
        onChain[c] = 0;
      }
    }
    return res;
  }

  /** Gate nets in an order where every gate follows its operands; keeps the given order when it is already one. */
  private topoOrder(resolved: Int32Array): number[] {
    const n = this.netCount;
    const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
    const order: number[] = [];
    const stack: number[] = [];
    const operand = (net: number, k: number): number => {
      const x = k === 0 ? this.inA[net]! : this.inB[net]!;
      return x < 0 ? -1 : resolved[x]!;
    };
    for (const start of this.gateNets) {
      if (state[start] !== 0) continue;
      stack.push(start, 0);
      state[start] = 1;
      while (stack.length > 0) {
        const k = stack.pop()!;
        const net = stack.pop()!;
        if (k < 2) {
          stack.push(net, k + 1);
          const x = operand(net, k);
          if (x >= 0 && this.kind[x] === GATE) {
            if (state[x] === 1) {
              throw new CircuitError('cycle', `combinational cycle through wire ${quote(this.describe(x))}`, this.defLoc(x));
            }
            if (state[x] === 0) {
              state[x] = 1;
              stack.push(x, 0);
            }
          }
        } else {
          state[net] = 2;
          order.push(net);
        }
      }
    }
    return order;
  }
}

function before(x: SourceLoc | undefined, y: SourceLoc | undefined): boolean {
  if (!x) return false;
  if (!y) return true;
  return x.line < y.line || (x.line === y.line && x.col < y.col);
}
