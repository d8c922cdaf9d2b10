// The reference token sequences a model must write, built from direct evaluation of its circuit
// (the model file's own .gc text). Host code computes these only to CHECK the model; generated
// tokens always come from the model's argmax.

import { evalMany, parseCircuitText, type Circuit } from '../circuits/index.js';
import { ModelFileError, planSequence, sha256, type Model, type ModelMeta } from '../compiler/index.js';

/** The first entry where two sequence descriptions differ, or -1. */
function firstDifference<T>(a: readonly T[], b: readonly T[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * The circuit stored in a model file, checked against the model's metadata: its hash, and the
 * prompt, chain-of-thought template and output positions the compiler plans for it. A file whose
 * metadata reads its outputs from other positions than the circuit's output wires (or feeds the
 * inputs elsewhere) would be checked against the wrong function, so it is refused.
 */
export function circuitOfModel(m: Model): Circuit {
  const meta = m.meta;
  const c = parseCircuitText(meta.circuit, { format: 'gc', file: '<model circuit>', name: meta.circuit_name });
  const bad = (msg: string) => new ModelFileError(`the model's metadata does not describe its circuit: ${msg}`);
  if (c.nInputs !== meta.n_inputs || c.ops.length !== meta.n_gates) throw bad(`the circuit has ${c.nInputs} inputs and ${c.ops.length} gates, the metadata says ${meta.n_inputs} and ${meta.n_gates}`);
  if (sha256(meta.circuit) !== meta.circuit_hash) throw bad('circuit_hash is not the hash of the stored circuit');
  if (meta.cot !== 'gate' && meta.cot !== '4tok') throw bad(`unknown CoT format ${String(meta.cot)}`);
  const plan = planSequence(c, meta.cot);
  const checks: [string, readonly unknown[], readonly unknown[]][] = [
    ['vocab', meta.vocab, plan.vocab],
    ['prompt', meta.prompt, plan.prompt],
    ['cot_template', meta.cot_template, plan.cotTemplate],
    ['outputs', meta.outputs, plan.outputs],
  ];
  for (const [name, got, want] of checks) {
    if (!Array.isArray(got)) throw bad(`${name} is not an array`);
    const i = firstDifference(got, want);
    if (i >= 0) throw bad(`${name}[${i}] is ${JSON.stringify(got[i]) ?? 'missing'}, the circuit needs ${JSON.stringify(want[i]) ?? 'nothing'}`);
  }
  if (meta.seq_len !== plan.seqLen || meta.cot_length !== plan.cotTemplate.length) throw bad(`seq_len ${meta.seq_len} and cot_length ${meta.cot_length}, the circuit needs ${plan.seqLen} and ${plan.cotTemplate.length}`);
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
