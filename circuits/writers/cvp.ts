// Writes the Circuit Value Problem text format (parsers/cvp.ts): one description `TYPE in1 in2 id`
// per line, ids from 1, constants as TRUE/FALSE, NA for unused operands. A cvp instance has no
// inputs, so a circuit with inputs is written with its inputs fixed: input wire i becomes
// description i+1 (TRUE or FALSE by its bit) and gate g description nInputs + g + 1, its operands
// shifted by +1 (wire w is description w + 1). The output groups are written as `# output NAME
// ID ...` lines (ids lsb first) before the descriptions, unless they are one group of one bit
// reading the last description: then the text is exactly the published format (and reads back
// as the group `value`).

import { UserError } from '../errors.js';
import { OP_NAMES, Op, type Circuit, type OpCode } from '../ir.js';

/** `c` with its inputs folded into constant gates (wire ids unchanged: input i is gate i). */
export function cvpFromCircuit(c: Circuit, inputBits?: ArrayLike<number>): Circuit {
  const n = c.nInputs;
  if (n > 0 && inputBits === undefined) throw new UserError('cvp has no inputs: give the values of the input wires');
  if (inputBits !== undefined && inputBits.length !== n) {
    throw new UserError(`cvp: ${inputBits.length} input bits given, the circuit has ${n} input wires`);
  }
  if (n === 0) return c;
  const T = c.ops.length;
  const ops = new Uint8Array(n + T);
  const a = new Int32Array(n + T).fill(-1);
  const b = new Int32Array(n + T).fill(-1);
  for (let i = 0; i < n; i++) ops[i] = inputBits![i] ? Op.CONST1 : Op.CONST0;
  ops.set(c.ops, n);
  a.set(c.a, n);
  b.set(c.b, n);
  const folded: Circuit = { name: c.name, inputs: [], outputs: c.outputs.map((g) => ({ name: g.name, wires: [...g.wires] })), nInputs: 0, ops, a, b };
  if (c.wireNames) folded.wireNames = c.wireNames;
  return folded;
}

function typeName(op: OpCode): string {
  if (op === Op.CONST1) return 'TRUE';
  if (op === Op.CONST0) return 'FALSE';
  return OP_NAMES[op];
}

/** Group names as tokens the reader accepts: no blanks, not a number, no repeats. */
function groupTokens(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let s = name.replace(/\s+/g, '_');
    if (s === '' || /^[0-9]+$/.test(s)) s = `_${s}`;
    const base = s;
    for (let k = 2; used.has(s); k++) s = `${base}_${k}`;
    used.add(s);
    return s;
  });
}

/** The cvp text of `c`; a circuit with inputs needs `inputBits` (one per input wire). */
export function writeCvp(c: Circuit, inputBits?: ArrayLike<number>): string {
  const f = cvpFromCircuit(c, inputBits);
  const T = f.ops.length;
  if (T === 0) throw new UserError('cvp: the circuit has no gates and no inputs to write');
  const lines: string[] = [];
  const only = f.outputs.length === 1 ? f.outputs[0]! : undefined;
  if (!(only && only.wires.length === 1 && only.wires[0] === T - 1)) {
    // A group of no bits cannot be written (the reader wants at least one id): it is left out.
    const groups = f.outputs.filter((g) => g.wires.length > 0);
    const names = groupTokens(groups.map((g) => g.name));
    groups.forEach((g, i) => lines.push(`# output ${names[i]} ${g.wires.map((w) => w + 1).join(' ')}`));
  }
  for (let g = 0; g < T; g++) {
    const x = f.a[g]!;
    const y = f.b[g]!;
    lines.push(`${typeName(f.ops[g] as OpCode)} ${x < 0 ? 'NA' : x + 1} ${y < 0 ? 'NA' : y + 1} ${g + 1}`);
  }
  lines.push('');
  return lines.join('\n');
}
