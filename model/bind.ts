// Binding a model to the circuit it runs: a positional model carries its circuit (checked here
// against the documented sequence format, docs/model-format.md), a uniform model is given one of
// at most its capacity. The result is what verify, trace, the proofs and the fuzzer work on.

import { arity, OP_NAMES, parseCircuitText, type Circuit, type OpCode } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { bindPositional, bindUniform, type BoundSequence } from './contract.js';
import { sha256 } from './hash.js';
import type { Model, PositionalMeta } from './model.js';
import { ModelFileError } from './safetensors.js';
import { NA } from './vocab.js';

export interface Bound {
  model: Model;
  circuit: Circuit;
  seq: BoundSequence;
}

/** The model's own description of itself for a report: mode, and the circuit it holds or serves. */
export function modelName(m: Model): string {
  return m.meta.mode === 'uniform' ? `uniform N=${m.meta.capacity}` : m.meta.circuit_name;
}

/** The documented sequence of a positional model of this circuit: prompt, CoT template, outputs. */
function documented(meta: PositionalMeta, c: Circuit): { prompt: unknown[]; cot: unknown[]; outputs: number[] } {
  const n = c.nInputs;
  const bos = meta.vocab.indexOf('<bos>');
  const prompt: unknown[] = [bos, ...Array.from({ length: n }, (_, k) => `x${k}`)];
  if (meta.readout === 'argmax') {
    // Latent models: one position per wire, gates carry "?"; wire w's value is the argmax at 1 + w.
    const q = meta.vocab.indexOf('?');
    return { prompt: [...prompt, ...c.ops.map(() => q)], cot: [], outputs: c.outputs.flatMap((o) => o.wires.map((w) => 1 + w)) };
  }
  const cot: unknown[] = [];
  const na = meta.vocab.indexOf(NA);
  const valuePos = new Int32Array(n + c.ops.length);
  for (let k = 0; k < n; k++) valuePos[k] = 1 + k;
  c.ops.forEach((op, g) => {
    const ar = arity(op as OpCode);
    if (meta.cot === '4tok') cot.push(meta.vocab.indexOf(OP_NAMES[op]!), ar >= 1 ? `w${c.a[g]}` : na, ar >= 2 ? `w${c.b[g]}` : na);
    cot.push(`w${n + g}`);
    valuePos[n + g] = prompt.length + cot.length - 1;
  });
  return { prompt, cot, outputs: c.outputs.flatMap((o) => o.wires.map((w) => valuePos[w]!)) };
}

function firstDifference(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * The circuit stored in a positional model file, checked against the model's metadata: its hash,
 * and the prompt, chain-of-thought template and output positions that the documented format gives
 * that circuit. A file whose metadata reads its outputs from other positions than the circuit's
 * output wires (or feeds the inputs elsewhere) would be checked against the wrong function, so it
 * is refused.
 */
export function circuitOfModel(m: Model): Circuit {
  const meta = m.meta;
  if (meta.mode !== 'positional') throw new UserError('a uniform model holds no circuit: give it one to run');
  const c = parseCircuitText(meta.circuit, { format: 'gc', file: '<model circuit>', name: meta.circuit_name });
  const bad = (msg: string) => new ModelFileError(`the model's metadata does not describe its circuit: ${msg}`);
  if (c.nInputs !== meta.n_inputs || c.ops.length !== meta.n_gates) throw bad(`the circuit has ${c.nInputs} inputs and ${c.ops.length} gates, the metadata says ${meta.n_inputs} and ${meta.n_gates}`);
  if (sha256(meta.circuit) !== meta.circuit_hash) throw bad('circuit_hash is not the hash of the stored circuit');
  if (meta.cot !== 'gate' && meta.cot !== '4tok') throw bad(`unknown CoT format ${String(meta.cot)}`);
  if (meta.vocab.indexOf('0') < 0 || meta.vocab.indexOf('1') < 0) throw bad('the vocabulary lacks "0" or "1"');
  const want = documented(meta, c);
  const checks: [string, readonly unknown[], readonly unknown[]][] = [
    ['prompt', meta.prompt, want.prompt],
    ['cot_template', meta.cot_template, want.cot],
    ['outputs', meta.outputs, want.outputs],
  ];
  for (const [name, got, w] of checks) {
    if (!Array.isArray(got)) throw bad(`${name} is not an array`);
    const i = firstDifference(got, w);
    if (i >= 0) throw bad(`${name}[${i}] is ${JSON.stringify(got[i]) ?? 'missing'}, the circuit needs ${JSON.stringify(w[i]) ?? 'nothing'}`);
  }
  if (meta.seq_len !== want.prompt.length + want.cot.length || meta.cot_length !== want.cot.length) throw bad(`seq_len ${meta.seq_len} and cot_length ${meta.cot_length}, the circuit needs ${want.prompt.length + want.cot.length} and ${want.cot.length}`);
  return c;
}

/**
 * A positional model bound to the circuit it was just compiled from (that circuit keeps its wire
 * names, which the model's stored .gc text may not); refused unless it is the model's circuit.
 */
export function bindCompiled(model: Model, circuit: Circuit): Bound {
  if (model.meta.mode !== 'positional') return bindModel(model, circuit);
  const own = circuitOfModel(model);
  if (own.nInputs !== circuit.nInputs || own.ops.length !== circuit.ops.length || own.ops.some((op, g) => op !== circuit.ops[g] || own.a[g] !== circuit.a[g] || own.b[g] !== circuit.b[g])) {
    throw new UserError(`the circuit ${circuit.name} is not the one compiled into this model`);
  }
  return { model, circuit, seq: bindPositional(model.meta, circuit.nInputs + circuit.ops.length) };
}

/** Binds a model to its circuit: a positional model's own, or the given one for a uniform model. */
export function bindModel(model: Model, circuit?: Circuit): Bound {
  if (model.meta.mode === 'positional') {
    if (circuit) throw new UserError('this model is positional: its circuit is in its weights, and it runs no other');
    const c = circuitOfModel(model);
    return { model, circuit: c, seq: bindPositional(model.meta, c.nInputs + c.ops.length) };
  }
  if (!circuit) throw new UserError(`this model is uniform (capacity ${model.meta.capacity} wires): it needs a circuit to run`);
  return { model, circuit, seq: bindUniform(model.meta, circuit) };
}
