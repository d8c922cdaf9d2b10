// The pieces of the commands' --json output that several commands share: a circuit's summary,
// group values in hex, a model's summary, and printing ONE object on stdout. The fields are
// documented in the README's "JSON output" section.

import { bitsToValue, toHex, type BitOrder, type Circuit } from '../../circuits/index.js';
import type { Bound, Model } from '../../model/index.js';
import type { CliContext } from '../context.js';

export interface GroupJson {
  name: string;
  width: number;
}

/** A group's value: hex as the text output prints it (ceil(width/4) digits, in the bit order given). */
export interface ValueJson extends GroupJson {
  hex: string;
}

export interface CircuitJson {
  name: string;
  /** Input wires, all groups together (as verify --json). */
  inputs: number;
  /** Output wires, all groups together. */
  outputs: number;
  gates: number;
  input_groups: GroupJson[];
  output_groups: GroupJson[];
}

export function inputGroups(c: Circuit): GroupJson[] {
  return c.inputs.map((g) => ({ name: g.name, width: g.width }));
}

export function outputGroups(c: Circuit): GroupJson[] {
  return c.outputs.map((g) => ({ name: g.name, width: g.wires.length }));
}

export function circuitJson(c: Circuit): CircuitJson {
  const out = outputGroups(c);
  return { name: c.name, inputs: c.nInputs, outputs: out.reduce((s, g) => s + g.width, 0), gates: c.ops.length, input_groups: inputGroups(c), output_groups: out };
}

/** Bits split into the groups (first group first), each value in hex. */
export function valuesJson(groups: GroupJson[], bits: ArrayLike<number>, order: BitOrder = 'lsb0'): ValueJson[] {
  let o = 0;
  return groups.map((g) => {
    const slice = Array.from({ length: g.width }, (_, k) => bits[o + k]!);
    o += g.width;
    return { name: g.name, width: g.width, hex: toHex(bitsToValue(slice, order), g.width) };
  });
}

/** Bits as a 0/1 string, first wire first (as --bits). */
export function bitString(bits: ArrayLike<number>): string {
  return Array.from(bits).join('');
}

/** A model: its kind (mode, construction, CoT), shape and, when bound to a circuit, its sequence length. */
export function modelJson(m: Model, b?: Bound): Record<string, unknown> {
  const meta = m.meta;
  const seqLen = b ? b.seq.seqLen : meta.mode === 'positional' ? meta.seq_len : undefined;
  return {
    mode: meta.mode,
    construction: meta.construction ?? 'cot',
    cot: meta.readout === 'argmax' ? 'none' : meta.cot,
    ...(meta.mode === 'uniform' ? { capacity: meta.capacity, max_seq_len: meta.max_seq_len } : {}),
    layers: meta.n_layers,
    heads: meta.heads[0] ?? 0,
    heads_per_layer: meta.heads,
    d_model: m.d,
    vocab_size: m.vocab.length,
    ...(seqLen !== undefined ? { seq_len: seqLen } : {}),
    ...(meta.loop ? { loop: meta.loop } : {}),
    scale: meta.scale,
    ...(meta.fault !== undefined ? { fault: meta.fault } : {}),
  };
}

/** Prints ONE JSON object and a newline: the whole of stdout for a --json command. */
export function printJson(ctx: CliContext, obj: Record<string, unknown>): void {
  ctx.io.out(JSON.stringify(obj) + '\n');
}
