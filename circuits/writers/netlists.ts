// Writers of the netlist formats: AIGER (ASCII .aag and binary .aig), ISCAS .bench and BLIF
// (`gatecot convert` writes them; the parser fuzzer makes its seed files with them). Bit names are
// `group[k]` (`group` for 1-bit groups), which the readers group back (circuits/groups.ts).

import { Op, arity, type Circuit, type OpCode } from '../ir.js';

function bitNames(groups: { name: string; width: number }[]): string[] {
  return groups.flatMap((g) => Array.from({ length: g.width }, (_, k) => (g.width === 1 ? g.name : `${g.name}[${k}]`)));
}

function outputGroups(c: Circuit): { name: string; width: number }[] {
  return c.outputs.map((o) => ({ name: o.name, width: o.wires.length }));
}

interface Aig {
  nInputs: number;
  /** AND k defines variable nInputs + 1 + k; its operand literals, larger first. */
  ands: [number, number][];
  outputs: number[];
}

/** The circuit as an and-inverter graph (XOR costs three ANDs). */
function toAig(c: Circuit): Aig {
  const n = c.nInputs;
  const lit = new Int32Array(n + c.ops.length);
  for (let k = 0; k < n; k++) lit[k] = 2 * (k + 1);
  const ands: [number, number][] = [];
  const and = (x: number, y: number): number => {
    if (x === 0 || y === 0) return 0;
    if (x === 1) return y;
    if (y === 1) return x;
    ands.push(x >= y ? [x, y] : [y, x]);
    return 2 * (n + ands.length);
  };
  const xor = (x: number, y: number): number => 1 ^ and(1 ^ and(x, 1 ^ y), 1 ^ and(1 ^ x, y));
  for (let g = 0; g < c.ops.length; g++) {
    const x = c.a[g]! >= 0 ? lit[c.a[g]!]! : 0;
    const y = c.b[g]! >= 0 ? lit[c.b[g]!]! : 0;
    let r: number;
    switch (c.ops[g] as OpCode) {
      case Op.AND: r = and(x, y); break;
      case Op.OR: r = 1 ^ and(1 ^ x, 1 ^ y); break;
      case Op.XOR: r = xor(x, y); break;
      case Op.NAND: r = 1 ^ and(x, y); break;
      case Op.NOR: r = and(1 ^ x, 1 ^ y); break;
      case Op.XNOR: r = 1 ^ xor(x, y); break;
      case Op.NOT: r = 1 ^ x; break;
      case Op.BUF: r = x; break;
      case Op.CONST0: r = 0; break;
      case Op.CONST1: r = 1; break;
    }
    lit[n + g] = r;
  }
  return { nInputs: n, ands, outputs: c.outputs.flatMap((o) => o.wires.map((w) => lit[w]!)) };
}

function symbols(c: Circuit): string {
  const ins = bitNames(c.inputs).map((s, k) => `i${k} ${s}\n`);
  const outs = bitNames(outputGroups(c)).map((s, k) => `o${k} ${s}\n`);
  return [...ins, ...outs, 'c\n', `${c.name}, written by gatecot\n`].join('');
}

export function writeAag(c: Circuit): string {
  const g = toAig(c);
  const I = g.nInputs;
  const lines = [`aag ${I + g.ands.length} ${I} 0 ${g.outputs.length} ${g.ands.length}`];
  for (let k = 0; k < I; k++) lines.push(String(2 * (k + 1)));
  for (const o of g.outputs) lines.push(String(o));
  g.ands.forEach(([x, y], k) => lines.push(`${2 * (I + 1 + k)} ${x} ${y}`));
  return lines.join('\n') + '\n' + symbols(c);
}

/** AIGER's 7-bit variable-length unsigned integers, low groups first. */
function pushVarint(out: number[], x: number): void {
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
}

export function writeAig(c: Circuit): Uint8Array {
  const g = toAig(c);
  const I = g.nInputs;
  const head = `aig ${I + g.ands.length} ${I} 0 ${g.outputs.length} ${g.ands.length}\n` + g.outputs.map((o) => `${o}\n`).join('');
  const body: number[] = [];
  g.ands.forEach(([x, y], k) => {
    const lhs = 2 * (I + 1 + k);
    pushVarint(body, lhs - x);
    pushVarint(body, x - y);
  });
  const enc = new TextEncoder();
  const parts = [enc.encode(head), Uint8Array.from(body), enc.encode(symbols(c))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const BENCH_OPS = ['AND', 'OR', 'XOR', 'NAND', 'NOR', 'XNOR', 'NOT', 'BUFF'];

/** .bench has no constants: CONST0/CONST1 become XOR/XNOR of the first input with itself. */
export function writeBench(c: Circuit): string {
  const ins = bitNames(c.inputs);
  const outs = bitNames(outputGroups(c));
  const name = (w: number): string => (w < c.nInputs ? ins[w]! : `g${w - c.nInputs}`);
  const lines = [`# ${c.name}, written by gatecot`, ...ins.map((s) => `INPUT(${s})`), ...outs.map((s) => `OUTPUT(${s})`), ''];
  for (let g = 0; g < c.ops.length; g++) {
    const op = c.ops[g] as OpCode;
    const args = [c.a[g]!, c.b[g]!].filter((x) => x >= 0).map(name);
    if (arity(op) === 0) {
      if (c.nInputs === 0) throw new Error('writeBench: a constant needs an input wire');
      lines.push(`g${g} = ${op === Op.CONST0 ? 'XOR' : 'XNOR'}(${ins[0]}, ${ins[0]})`);
    } else {
      lines.push(`g${g} = ${BENCH_OPS[op]}(${args.join(', ')})`);
    }
  }
  const outWires = c.outputs.flatMap((o) => o.wires);
  outs.forEach((s, k) => lines.push(`${s} = BUFF(${name(outWires[k]!)})`));
  return lines.join('\n') + '\n';
}

/** On-set covers of the ops over (a, b). */
const BLIF_COVERS: Record<OpCode, string[]> = {
  [Op.AND]: ['11 1'],
  [Op.OR]: ['1- 1', '-1 1'],
  [Op.XOR]: ['10 1', '01 1'],
  [Op.NAND]: ['11 0'],
  [Op.NOR]: ['00 1'],
  [Op.XNOR]: ['11 1', '00 1'],
  [Op.NOT]: ['0 1'],
  [Op.BUF]: ['1 1'],
  [Op.CONST0]: [],
  [Op.CONST1]: ['1'],
};

export function writeBlif(c: Circuit): string {
  const ins = bitNames(c.inputs);
  const outs = bitNames(outputGroups(c));
  const name = (w: number): string => (w < c.nInputs ? ins[w]! : `g${w - c.nInputs}`);
  const lines = [`# ${c.name}, written by gatecot`, `.model ${c.name}`, `.inputs ${ins.join(' ')}`, `.outputs ${outs.join(' ')}`];
  for (let g = 0; g < c.ops.length; g++) {
    const args = [c.a[g]!, c.b[g]!].filter((x) => x >= 0).map(name);
    lines.push(`.names ${[...args, `g${g}`].join(' ')}`, ...BLIF_COVERS[c.ops[g] as OpCode]);
  }
  const outWires = c.outputs.flatMap((o) => o.wires);
  outs.forEach((s, k) => lines.push(`.names ${name(outWires[k]!)} ${s}`, '1 1'));
  lines.push('.end');
  return lines.join('\n') + '\n';
}
