// The reference token sequences a model must write, built from direct evaluation of its circuit
// (the model file's own .gc text). Host code computes these only to CHECK the model; generated
// tokens always come from the model's argmax.

import { evalMany, parseCircuitText, type Circuit } from '../circuits/index.js';
import { ModelFileError, type Model, type ModelMeta } from '../compiler/index.js';

/** The circuit stored in a model file, checked against the model's metadata. */
export function circuitOfModel(m: Model): Circuit {
  const c = parseCircuitText(m.meta.circuit, { format: 'gc', file: '<model circuit>', name: m.meta.circuit_name });
  if (c.nInputs !== m.meta.n_inputs || c.ops.length !== m.meta.n_gates) {
    throw new ModelFileError(`the model's circuit has ${c.nInputs} inputs and ${c.ops.length} gates, its metadata says ${m.meta.n_inputs} and ${m.meta.n_gates}`);
  }
  return c;
}

function tokenOf(meta: ModelMeta, bit: number): number {
  return bit ? meta.vocab.indexOf('1') : meta.vocab.indexOf('0');
}

function resolve(meta: ModelMeta, entry: number | string, wires: Uint8Array, prefix: 'x' | 'w'): number {
  if (typeof entry === 'number') return entry;
  if (entry[0] !== prefix) throw new ModelFileError(`bad sequence entry ${entry}`);
  const k = Number(entry.slice(1));
  if (!Number.isInteger(k) || k < 0 || k >= wires.length) throw new ModelFileError(`sequence entry ${entry} names no wire`);
  return tokenOf(meta, wires[k]!);
}

/** The prompt of one input (bits of the circuit's input wires). */
export function promptOf(meta: ModelMeta, inputBits: Uint8Array): Int32Array {
  return Int32Array.from(meta.prompt, (e) => resolve(meta, e, inputBits, 'x'));
}

/** Full reference sequences (prompt + CoT) for many inputs at once. */
export function referenceSequences(meta: ModelMeta, c: Circuit, inputs: Uint8Array[]): Int32Array[] {
  const wires = evalMany(c, inputs);
  return inputs.map((x, b) => {
    const seq = new Int32Array(meta.seq_len);
    seq.set(promptOf(meta, x));
    const P = meta.prompt.length;
    meta.cot_template.forEach((e, t) => (seq[P + t] = resolve(meta, e, wires[b]!, 'w')));
    return seq;
  });
}

/** Output bits read from a sequence at the model's output positions. */
export function outputsOfSequence(meta: ModelMeta, seq: Int32Array): Uint8Array {
  const one = meta.vocab.indexOf('1');
  return Uint8Array.from(meta.outputs, (p) => (seq[p] === one ? 1 : 0));
}
