// Writes Bristol Fashion: only XOR, AND, INV, EQ and EQW, outputs on the last wires.
// OR, NOR, NAND, XNOR are expanded into 2-3 gates. An output bit takes its gate's wire when it
// is the first output that reads that gate; other output bits are copied to the tail with EQW.

import { Op, type Circuit, type OpCode } from '../ir.js';

/** Temporaries each op needs before its final gate. */
function temporaries(op: OpCode): number {
  switch (op) {
    case Op.NAND:
    case Op.XNOR:
      return 1;
    case Op.OR:
    case Op.NOR:
      return 2;
    default:
      return 0;
  }
}

export function writeBristol(c: Circuit): string {
  const n = c.nInputs;
  const T = c.ops.length;
  const outWires = c.outputs.flatMap((g) => g.wires);
  const tailOf = new Int32Array(n + T).fill(-1);
  const copies: { from: number; slot: number }[] = [];
  outWires.forEach((w, slot) => {
    if (w >= n && tailOf[w] === -1) tailOf[w] = slot;
    else copies.push({ from: w, slot });
  });
  let internal = 0;
  for (let g = 0; g < T; g++) internal += temporaries(c.ops[g] as OpCode) + (tailOf[n + g]! >= 0 ? 0 : 1);
  const base = n + internal;
  const id = new Int32Array(n + T);
  for (let i = 0; i < n; i++) id[i] = i;
  let next = n;
  const lines: string[] = [];
  const gate = (ins: number[], out: number, op: string) => lines.push(`${ins.length} 1 ${ins.join(' ')} ${out} ${op}`);
  const tmp = (ins: number[], op: string): number => {
    const t = next++;
    gate(ins, t, op);
    return t;
  };
  for (let g = 0; g < T; g++) {
    const w = n + g;
    const x = c.a[g]! >= 0 ? id[c.a[g]!]! : -1;
    const y = c.b[g]! >= 0 ? id[c.b[g]!]! : -1;
    const op = c.ops[g] as OpCode;
    // Temporaries first, so the final wire number is known when the last gate is written.
    let ins: number[];
    let name: string;
    switch (op) {
      case Op.AND: ins = [x, y]; name = 'AND'; break;
      case Op.XOR: ins = [x, y]; name = 'XOR'; break;
      case Op.NOT: ins = [x]; name = 'INV'; break;
      case Op.BUF: ins = [x]; name = 'EQW'; break;
      case Op.CONST0: ins = [0]; name = 'EQ'; break;
      case Op.CONST1: ins = [1]; name = 'EQ'; break;
      case Op.NAND: ins = [tmp([x, y], 'AND')]; name = 'INV'; break;
      case Op.XNOR: ins = [tmp([x, y], 'XOR')]; name = 'INV'; break;
      case Op.OR: ins = [tmp([x, y], 'XOR'), tmp([x, y], 'AND')]; name = 'XOR'; break;
      default: ins = [tmp([x], 'INV'), tmp([y], 'INV')]; name = 'AND'; break; // NOR
    }
    const out = tailOf[w]! >= 0 ? base + tailOf[w]! : next++;
    gate(ins, out, name);
    id[w] = out;
  }
  for (const cp of copies) gate([id[cp.from]!], base + cp.slot, 'EQW');
  const counts = (ws: number[]) => [ws.length, ...ws].join(' ');
  return [
    `${lines.length} ${base + outWires.length}`,
    counts(c.inputs.map((g) => g.width)),
    counts(c.outputs.map((g) => g.wires.length)),
    '',
    ...lines,
    '',
  ].join('\n');
}
