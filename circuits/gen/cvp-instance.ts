// cvp-instance --gates T --seed S: one random Circuit Value Problem instance of T gates, as
// drawn by the public CVP generator used to train the chain-of-thought and looped transformer
// baselines: gen_data/cvp.py of github.com/kevin671/cot-vs-loop (the code of "To CoT or to Loop?
// A Formal Comparison Between Chain-of-Thought and Looped Transformers", arXiv 2410.01405; added
// in commit 5f64f1a2b06963329543c03c33cd34975411be48, removed from the branch tip in dab3db0).
// Its distribution (p_const = p_not = 0.2, the script's defaults), gate by gate, ids from 1:
//   ids 1 and 2: a constant, TRUE or FALSE with probability 1/2 each;
//   id t >= 3:   a constant (TRUE/FALSE 1/2 each) with probability 0.2, else NOT with
//                probability 0.2, else AND or OR with probability 1/2 each; overall
//                constant 0.2, NOT 0.16, AND 0.32, OR 0.32;
//   operands:    NOT reads one id, AND and OR two, each uniform over ALL earlier ids 1..t-1,
//                independently (so both operands of AND/OR may be the same gate).
// The same draws in the same order, from xoshiro128** (prng.ts) instead of Python's Mersenne
// Twister: [below(5) == 0 -> constant: below(2)] [else below(5) == 0 -> NOT, else below(2) -> AND
// or OR], then the operands below(t-1) (+1). So instances follow the published distribution but
// the same seed does not give the published script's instances.
// No inputs; output `value[1]`, the last gate's value (the instance's answer; the published
// dataset's target lists every gate's value, as a chain of thought would). Written as `.cvp`
// (parsers/cvp.ts), the text is in the published format: `TRUE NA NA 1 FALSE NA NA 2 AND 1 2 3 ...`.

import { Op, type Circuit, type OpCode } from '../ir.js';
import { bigintOption, intOption } from './options.js';
import { Rng } from './prng.js';
import type { GenOption, Generator } from './types.js';

const GATES: GenOption = { name: 'gates', kind: 'int', default: '16', help: 'gates T of the instance, 1..1000000' };
const SEED: GenOption = { name: 'seed', kind: 'bigint', default: '1', help: 'PRNG seed, 0..2^64-1 (decimal or 0x hex)' };

/** The first ids that are always constants (the published `gid <= 2`). */
export const CVP_CONSTANT_PREFIX = 2;

/** Gates of one instance: ops, and operands as wire ids (description id - 1), -1 where unused. */
export function drawCvpInstance(t: number, seed: bigint): { ops: Uint8Array; a: Int32Array; b: Int32Array } {
  const rng = new Rng(seed);
  const ops = new Uint8Array(t);
  const a = new Int32Array(t).fill(-1);
  const b = new Int32Array(t).fill(-1);
  for (let g = 0; g < t; g++) {
    const id = g + 1;
    let op: OpCode;
    if (id <= CVP_CONSTANT_PREFIX || rng.below(5) === 0) op = rng.below(2) === 0 ? Op.CONST1 : Op.CONST0;
    else if (rng.below(5) === 0) op = Op.NOT;
    else op = rng.below(2) === 0 ? Op.AND : Op.OR;
    ops[g] = op;
    if (op === Op.NOT) a[g] = rng.below(g);
    else if (op === Op.AND || op === Op.OR) {
      a[g] = rng.below(g);
      b[g] = rng.below(g);
    }
  }
  return { ops, a, b };
}

export const cvpInstanceGenerator: Generator = {
  family: 'cvp-instance',
  summary: 'one random circuit value problem instance of T gates (published CVP distribution) -> value of the last gate',
  options: [GATES, SEED],
  build(opts): Circuit {
    const t = intOption(opts, GATES, 1, 1_000_000);
    const seed = bigintOption(opts, SEED, 0n, (1n << 64n) - 1n);
    const { ops, a, b } = drawCvpInstance(t, seed);
    return { name: `cvp_instance_t${t}_s${seed}`, inputs: [], outputs: [{ name: 'value', wires: [t - 1] }], nInputs: 0, ops, a, b };
  },
};
