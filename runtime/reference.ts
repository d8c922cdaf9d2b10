// The reference token sequences a model must write, built from direct evaluation of the circuit
// it is bound to (model/bind.ts). Host code computes these only to CHECK the model; generated
// tokens always come from the model's argmax.

import { evalMany } from '../circuits/index.js';
import { entryResolver, resolveTemplate, type Bound } from '../model/index.js';
import type { Engine } from './engine.js';

/** The prompt of one input (bits of the circuit's input wires). */
export function promptOf(b: Bound, inputBits: Uint8Array): Int32Array {
  const r = entryResolver(b.model.vocab);
  return Int32Array.from(b.seq.prompt, (e) => r(e, inputBits));
}

/** Full reference sequences (prompt + CoT) for many inputs at once. */
export function referenceSequences(b: Bound, inputs: Uint8Array[]): Int32Array[] {
  const wires = evalMany(b.circuit, inputs);
  return wires.map((w) => resolveTemplate(b.model.vocab, b.seq.prompt, b.seq.cotTemplate, w));
}

/**
 * What the model answers for each prompt, as a sequence read at the contract's positions: a CoT
 * model's generated sequence (prompt + CoT, every CoT token its argmax), or for a latent model
 * (readout 'argmax') the argmax at every position of one pass over the prompt. `loops`: how many
 * iterations each settled in, when the engine runs a looped model with loops 'auto'.
 */
export async function answerSequences(b: Bound, engine: Engine, prompts: Int32Array[], opts: { onProgress?: (fraction: number) => void } = {}): Promise<{ seqs: Int32Array[]; loops?: number[] }> {
  if (b.seq.readout === 'argmax') {
    const r = await engine.forward(prompts, opts);
    return { seqs: r.argmax, ...(r.loops ? { loops: r.loops } : {}) };
  }
  return { seqs: await engine.generate(prompts, b.seq.cotLength, opts) };
}

/** Output bits read from an answer sequence (answerSequences) at the model's output positions. */
export function outputsOfSequence(b: Bound, seq: Int32Array): Uint8Array {
  const one = b.model.vocab.indexOf('1');
  return Uint8Array.from(b.seq.outputs, (p) => (seq[p] === one ? 1 : 0));
}
