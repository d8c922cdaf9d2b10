// The sequence a uniform model reads and writes for one circuit (docs/model-format.md, "Uniform
// models"). Wires are numbered 1..W in the circuit's order (input wires first, as the circuit
// value problem's constant gates, then the gates); W must not exceed the model's capacity N.
//
//   prompt  <bos>, then per wire k = 1..W its description   TYPE in1 in2 #k
//             an input wire: TRUE or FALSE by its value ("c<i>" in the template), NA NA
//             a gate: its type, the id tokens of its operands (NA where it has none)
//   CoT     per wire k = 1..W:                                #k  v(in1)  v(in2)  v(k)
//             the wire's id, the values of its operands (NA where it has none), its own value
//   outputs the value token of each output wire: position P + 4(k - 1) + 3 for wire id k
// Length: P = 1 + 4W, S = 1 + 8W. Position p has label p + 3, so that every description and
// every CoT group fills the four slots 0..3 of one label group.
// A uniform looped model (construction 'looped') reads the same prompt and writes no CoT: S = P,
// and wire k's value is the argmax AT its own id #k (position 4k, slot 3 of its description).

import { arity, type Circuit, type OpCode } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import type { CotEntry, PromptEntry, UniformMeta } from './model.js';
import { BOS, idToken, UNIFORM_NA, uniformTypeName } from './vocab.js';

export interface UniformTemplate {
  prompt: PromptEntry[];
  cotTemplate: CotEntry[];
  outputs: number[];
}

export const UNIFORM_LABEL_OFFSET = 3;

/** Sequence length of a circuit of W wires. */
export function uniformSeqLen(wires: number): number {
  return 1 + 8 * wires;
}

/** Position of the own id of 0-based wire w (#(w+1), slot 3 of its description): 4w + 4. */
export function ownIdPosition(w: number): number {
  return 4 * w + 4;
}

export function uniformTemplate(c: Circuit, meta: Pick<UniformMeta, 'capacity' | 'vocab'>): UniformTemplate {
  const n = c.nInputs;
  const W = n + c.ops.length;
  if (W > meta.capacity) throw new UserError(`the circuit ${c.name} has ${W} wires (${n} inputs + ${c.ops.length} gates), more than the model's capacity of ${meta.capacity}`);
  const tok = (s: string): number => {
    const i = meta.vocab.indexOf(s);
    if (i < 0) throw new UserError(`the model's vocabulary lacks the token ${s}`);
    return i;
  };
  const na = tok(UNIFORM_NA);
  const id = (w: number) => tok(idToken(w + 1));
  const prompt: PromptEntry[] = [tok(BOS)];
  const cot: CotEntry[] = [];
  for (let w = 0; w < W; w++) {
    if (w < n) {
      prompt.push(`c${w}`, na, na, id(w));
      cot.push(id(w), na, na, `w${w}`);
      continue;
    }
    const g = w - n;
    const op = c.ops[g] as OpCode;
    const ar = arity(op);
    const a = c.a[g]!;
    const b = c.b[g]!;
    prompt.push(tok(uniformTypeName(op)), ar >= 1 ? id(a) : na, ar >= 2 ? id(b) : na, id(w));
    cot.push(id(w), ar >= 1 ? `w${a}` : na, ar >= 2 ? `w${b}` : na, `w${w}`);
  }
  const P = prompt.length;
  const outputs = c.outputs.flatMap((o) => o.wires.map((w) => P + 4 * w + 3));
  return { prompt, cotTemplate: cot, outputs };
}
