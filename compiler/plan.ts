// The sequence plan: what each position of the sequence is, and what the position embedding
// must tell the model there. Position p's embedding describes the token to be written NEXT
// (at p + 1): the truth table of the operation to apply to the two fetched bits, the
// positions the two heads must fetch from, and (4-token CoT) whether to write a type token
// or "-" instead of a value.
//
// Sequence: [<bos>, x_0 .. x_{n-1}, CoT...]. Wire k < n sits at position 1 + k.
//   gate CoT:  gate g's value at position 1 + n + g.
//   4tok CoT:  gate g writes [TYPE, value of a, value of b, value of g] at 1 + n + 4g .. + 3;
//              its value sits at 1 + n + 4g + 3. The last token of the group is computed from the
//              two tokens just written (positions p - 1 and p), so the model reuses its own CoT.

import { OP_NAMES, Op, arity, truthTable, type Circuit, type OpCode } from '../circuits/index.js';
import type { CotEntry, CotFormat, PromptEntry } from '../model/index.js';
import { BOS, NA, vocabulary } from '../model/index.js';

export type Mode = 'value' | 'type' | 'na' | 'idle';

export interface PositionPlan {
  mode: Mode;
  /** Truth table [f(0,0), f(0,1), f(1,0), f(1,1)] applied to (fetched a, fetched b). */
  table: readonly (0 | 1)[];
  /** Token to write in 'type' mode. */
  typeToken: number;
  targetA: number;
  targetB: number;
}

export interface SequencePlan {
  cot: CotFormat;
  vocab: string[];
  prompt: PromptEntry[];
  cotTemplate: CotEntry[];
  seqLen: number;
  /** Position of each wire's value token. */
  wirePos: Int32Array;
  outputs: number[];
  /** Gate whose CoT group holds position p (or -1 in the prompt). */
  gateAt(p: number): number;
  /** The plan of position p (0 <= p < seqLen). */
  at(p: number): PositionPlan;
}

const TABLES = OP_NAMES.map((_, op) => Object.freeze(truthTable(op as OpCode)));
const BUF_TABLE = TABLES[Op.BUF]!;
const ZERO_TABLE = TABLES[Op.CONST0]!;

export function planSequence(c: Circuit, cot: CotFormat): SequencePlan {
  const n = c.nInputs;
  const T = c.ops.length;
  const per = cot === 'gate' ? 1 : 4;
  const start = 1 + n;
  const seqLen = start + per * T;
  const vocab = vocabulary(cot);
  const bos = vocab.indexOf(BOS);
  const typeTokens = OP_NAMES.map((name) => vocab.indexOf(name));
  const na = vocab.indexOf(NA);
  const wirePos = new Int32Array(n + T);
  for (let w = 0; w < n; w++) wirePos[w] = 1 + w;
  for (let g = 0; g < T; g++) wirePos[n + g] = start + per * g + per - 1;
  const prompt: PromptEntry[] = [bos, ...Array.from({ length: n }, (_, k) => `x${k}`)];
  const cotTemplate: CotEntry[] = [];
  for (let g = 0; g < T; g++) {
    const op = c.ops[g] as OpCode;
    if (cot === 'gate') {
      cotTemplate.push(`w${n + g}`);
      continue;
    }
    const ar = arity(op);
    cotTemplate.push(typeTokens[op]!);
    cotTemplate.push(ar >= 1 ? `w${c.a[g]}` : na);
    cotTemplate.push(ar >= 2 ? `w${c.b[g]}` : na);
    cotTemplate.push(`w${n + g}`);
  }
  const outputs = c.outputs.flatMap((o) => o.wires.map((w) => wirePos[w]!));
  const idle = (p: number): PositionPlan => ({ mode: 'idle', table: ZERO_TABLE, typeToken: -1, targetA: p, targetB: p });
  const at = (p: number): PositionPlan => {
    const next = p + 1 - start; // index of the CoT token written next
    if (next < 0 || next >= per * T) return idle(p);
    const g = Math.floor(next / per);
    const slot = next % per;
    const op = c.ops[g] as OpCode;
    const ar = arity(op);
    const posA = ar >= 1 ? wirePos[c.a[g]!]! : p;
    const posB = ar >= 2 ? wirePos[c.b[g]!]! : posA;
    if (cot === 'gate') return { mode: 'value', table: TABLES[op]!, typeToken: -1, targetA: posA, targetB: posB };
    switch (slot) {
      case 0:
        return { mode: 'type', table: TABLES[op]!, typeToken: typeTokens[op]!, targetA: p, targetB: p };
      case 1:
        return ar >= 1 ? { mode: 'value', table: BUF_TABLE, typeToken: -1, targetA: posA, targetB: posA } : { ...idle(p), mode: 'na' };
      case 2:
        return ar >= 2 ? { mode: 'value', table: BUF_TABLE, typeToken: -1, targetA: posB, targetB: posB } : { ...idle(p), mode: 'na' };
      default:
        return { mode: 'value', table: TABLES[op]!, typeToken: -1, targetA: p - 1, targetB: p };
    }
  };
  const gateAt = (p: number): number => (p < start || p >= seqLen ? -1 : Math.floor((p - start) / per));
  return { cot, vocab, prompt, cotTemplate, seqLen, wirePos, outputs, gateAt, at };
}
