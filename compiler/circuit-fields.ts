// The metadata fields by which a positional model carries its own circuit (docs/model-format.md):
// the .gc text, its name and hash, and its size. Every positional construction stores them alike.

import { writeCircuit, type Circuit } from '../circuits/index.js';
import { sha256, type PositionalMeta } from '../model/index.js';

export function circuitFields(c: Circuit): Pick<PositionalMeta, 'circuit' | 'circuit_name' | 'circuit_hash' | 'n_inputs' | 'n_gates'> {
  const text = writeCircuit(c, 'gc');
  return { circuit: text, circuit_name: c.name, circuit_hash: sha256(text), n_inputs: c.nInputs, n_gates: c.ops.length };
}
