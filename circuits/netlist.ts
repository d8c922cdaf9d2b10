// Edits of a circuit for the shrinker. Every edit returns a new, valid circuit (topological
// order, operands defined, at least one output bit) or undefined when the edit cannot keep it
// valid. Rewiring only ever points a reader at an earlier wire (an operand of the removed gate,
// an input wire or a constant gate before it), so the topological order survives.

import { Op, arity, type Circuit, type Group, type OpCode, type OutputGroup } from './ir.js';

/** A copy with new gate arrays and outputs; names and tests are dropped (they would be stale). */
function make(c: Circuit, inputs: Group[], ops: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>, outputs: OutputGroup[]): Circuit {
  const nInputs = inputs.reduce((s, g) => s + g.width, 0);
  return { name: c.name, inputs, outputs, nInputs, ops: Uint8Array.from(ops), a: Int32Array.from(a), b: Int32Array.from(b) };
}

function nonEmpty(outputs: OutputGroup[]): OutputGroup[] | undefined {
  const kept = outputs.filter((g) => g.wires.length > 0);
  return kept.length === 0 ? undefined : kept;
}

/** The problem with a circuit's structure, or undefined when it is well formed. */
export function circuitProblem(c: Circuit): string | undefined {
  const n = c.nInputs;
  const T = c.ops.length;
  if (c.inputs.reduce((s, g) => s + g.width, 0) !== n) return 'the input group widths do not add up to nInputs';
  if (c.inputs.some((g) => !Number.isInteger(g.width) || g.width < 0)) return 'an input group has a bad width';
  if (c.a.length !== T || c.b.length !== T) return 'the gate arrays have different lengths';
  for (let g = 0; g < T; g++) {
    const op = c.ops[g]!;
    if (op > 9) return `gate ${g} has op code ${op}`;
    const k = arity(op as OpCode);
    const x = c.a[g]!;
    const y = c.b[g]!;
    if (k >= 1 ? !(x >= 0 && x < n + g) : x !== -1) return `gate ${g}: operand a = ${x} is not an earlier wire`;
    if (k === 2 ? !(y >= 0 && y < n + g) : y !== -1) return `gate ${g}: operand b = ${y} is not an earlier wire`;
  }
  if (c.outputs.every((o) => o.wires.length === 0)) return 'no output bit';
  for (const o of c.outputs) {
    for (const w of o.wires) if (!(Number.isInteger(w) && w >= 0 && w < n + T)) return `output ${o.name} reads wire ${w}, which does not exist`;
  }
  return undefined;
}

/** Keeps the output bits (all groups concatenated) where keep[i]; undefined when none is kept. */
export function keepOutputs(c: Circuit, keep: ArrayLike<boolean>): Circuit | undefined {
  let i = 0;
  const outs = nonEmpty(c.outputs.map((g) => ({ name: g.name, wires: g.wires.filter(() => keep[i++]!) })));
  return outs && make(c, c.inputs, c.ops, c.a, c.b, outs);
}

/** Gates 0..g only, with gate g as the only output (named after the first output group). */
export function truncateAt(c: Circuit, g: number): Circuit {
  const end = g + 1;
  const name = c.outputs[0]?.name ?? 'y';
  return make(c, c.inputs, c.ops.subarray(0, end), c.a.subarray(0, end), c.b.subarray(0, end), [{ name, wires: [c.nInputs + g] }]);
}

/** Marks the gates in the fan-in cone of the outputs. */
export function liveGates(c: Circuit): Uint8Array {
  const n = c.nInputs;
  const live = new Uint8Array(c.ops.length);
  for (const o of c.outputs) for (const w of o.wires) if (w >= n) live[w - n] = 1;
  for (let g = c.ops.length - 1; g >= 0; g--) {
    if (!live[g]) continue;
    for (const x of [c.a[g]!, c.b[g]!]) if (x >= n) live[x - n] = 1;
  }
  return live;
}

/**
 * Removes the gates where remove[g]. A reader (or output) of a removed gate reads instead its
 * first operand, followed through removed gates; a removed constant by the last kept constant
 * gate of the same value before it, else by input wire 0. The edit fails only when something
 * still reads a removed gate that has no such replacement.
 */
export function removeGates(c: Circuit, remove: ArrayLike<boolean>): Circuit | undefined {
  const n = c.nInputs;
  const T = c.ops.length;
  const newWire = new Int32Array(n + T); // -1: removed, nothing can stand in for it
  for (let w = 0; w < n; w++) newWire[w] = w;
  const ops: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const lastConst = [-1, -1]; // new wire of the last kept CONST0 / CONST1
  let bad = false;
  const map = (x: number): number => {
    if (x < 0) return -1;
    if (newWire[x]! < 0) bad = true;
    return newWire[x]!;
  };
  for (let g = 0; g < T; g++) {
    const op = c.ops[g]! as OpCode;
    if (!remove[g]) {
      newWire[n + g] = n + ops.length;
      if (op === Op.CONST0 || op === Op.CONST1) lastConst[op - Op.CONST0] = n + ops.length;
      ops.push(op);
      a.push(map(c.a[g]!));
      b.push(map(c.b[g]!));
    } else if (arity(op) >= 1) newWire[n + g] = newWire[c.a[g]!]!;
    else if (lastConst[op - Op.CONST0]! >= 0) newWire[n + g] = lastConst[op - Op.CONST0]!;
    else newWire[n + g] = n > 0 ? 0 : -1;
  }
  const outputs = c.outputs.map((o) => ({ name: o.name, wires: o.wires.map(map) }));
  return bad ? undefined : make(c, c.inputs, ops, a, b, outputs);
}

/** Keeps only the gates in the outputs' cone. */
export function pruneDead(c: Circuit): Circuit {
  const live = liveGates(c);
  return removeGates(c, Array.from(live, (x) => x === 0))!;
}

/**
 * Removes the input wires where remove[w]; their readers read the first kept input wire instead
 * (undefined when something reads a removed input and none is kept). Empty groups disappear.
 */
export function removeInputs(c: Circuit, remove: ArrayLike<boolean>): Circuit | undefined {
  const n = c.nInputs;
  const T = c.ops.length;
  const newWire = new Int32Array(n + T).fill(-1);
  let kept = 0;
  for (let w = 0; w < n; w++) if (!remove[w]) newWire[w] = kept++;
  for (let g = 0; g < T; g++) newWire[n + g] = kept + g;
  const firstKept = kept > 0 ? 0 : -1;
  let bad = false;
  const map = (x: number): number => {
    if (x < 0) return -1;
    const y = newWire[x]!;
    if (y >= 0) return y;
    if (firstKept < 0) bad = true;
    return firstKept;
  };
  const a = Array.from(c.a, map);
  const b = Array.from(c.b, map);
  const outputs = c.outputs.map((o) => ({ name: o.name, wires: o.wires.map(map) }));
  if (bad) return undefined;
  const inputs: Group[] = [];
  let w = 0;
  for (const g of c.inputs) {
    let width = 0;
    for (let k = 0; k < g.width; k++, w++) if (!remove[w]) width++;
    if (width > 0) inputs.push({ name: g.name, width });
  }
  return make(c, inputs, c.ops, a, b, outputs);
}

/** Gate g replaced by `op` on wires x, y (-1 where unused); x and y must be earlier wires. */
export function replaceGate(c: Circuit, g: number, op: OpCode, x: number, y: number): Circuit {
  const ops = c.ops.slice();
  const a = c.a.slice();
  const b = c.b.slice();
  ops[g] = op;
  a[g] = arity(op) >= 1 ? x : -1;
  b[g] = arity(op) === 2 ? y : -1;
  return make(c, c.inputs, ops, a, b, c.outputs.map((o) => ({ name: o.name, wires: o.wires.slice() })));
}

/** The bits of `v` (one per input wire of c) at the input wires that `remove` keeps. */
export function projectInputs(v: Uint8Array, remove: ArrayLike<boolean>): Uint8Array {
  return Uint8Array.from(Array.from(v).filter((_, w) => !remove[w]));
}
