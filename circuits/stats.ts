// Size and shape of a circuit: widths, gate counts by type, depth.

import { OP_NAMES, type Circuit } from './ir.js';

export interface CircuitStats {
  name: string;
  inputs: number[];
  outputs: number[];
  gates: Record<string, number>;
  total_gates: number;
  depth: number;
  wires: number;
}

/** Depth of every wire: inputs 0, a gate 1 + the deepest operand (constants 1). */
export function wireDepths(c: Circuit): Int32Array {
  const n = c.nInputs;
  const d = new Int32Array(n + c.ops.length);
  for (let g = 0; g < c.ops.length; g++) {
    const x = c.a[g]! >= 0 ? d[c.a[g]!]! : 0;
    const y = c.b[g]! >= 0 ? d[c.b[g]!]! : 0;
    d[n + g] = 1 + Math.max(x, y);
  }
  return d;
}

/** Depth of the circuit: the most gates on a path from an input (at least 1; a constant gate has depth 1). */
export function circuitDepth(c: Circuit): number {
  let d = 0;
  for (const x of wireDepths(c)) d = Math.max(d, x);
  return Math.max(1, d);
}

export function circuitStats(c: Circuit): CircuitStats {
  const gates: Record<string, number> = {};
  for (const op of c.ops) {
    const name = OP_NAMES[op]!;
    gates[name] = (gates[name] ?? 0) + 1;
  }
  const d = wireDepths(c);
  let depth = 0;
  for (const x of d) depth = Math.max(depth, x);
  return {
    name: c.name,
    inputs: c.inputs.map((g) => g.width),
    outputs: c.outputs.map((g) => g.wires.length),
    gates,
    total_gates: c.ops.length,
    depth,
    wires: c.nInputs + c.ops.length,
  };
}
