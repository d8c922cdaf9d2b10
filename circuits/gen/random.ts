// random: a seeded random circuit of exactly T gates over N inputs.
//   inputs:  x[N] (no input group when N = 0)
//   outputs: y[K], wires in increasing order (see --outputs)
// The same options give the same circuit on every machine (prng.ts; integer arithmetic only).
//
// Gate g (wire N + g) is drawn in this order, from one xoshiro128** stream:
//  1. its op, by the integer weights of --mix (r = below(total weight), ops in IR order
//     AND OR XOR NAND NOR XNOR NOT BUF CONST0 CONST1, the first whose running sum exceeds r);
//     when no earlier wire exists (N = 0, g = 0) a 1- or 2-input op becomes CONST0 or CONST1
//     by one more draw (nextU32() & 1). Default mix: AND=4,OR=4,XOR=2,NAND=2,NOR=2,XNOR=1,
//     NOT=2,BUF=1 (every non-constant op; constants only where N = 0 forces one);
//  2. each operand (a, then b for 2-input ops): one draw u = nextU32(); the operand is
//     "local" when u < floor(X * 2^32) (X = --locality, so always when X = 1, never when
//     X = 0): then it is drawn uniformly from the last min(R, N + g) wires (R = --window),
//     otherwise uniformly from all N + g earlier wires. Operand b differs from a whenever
//     two or more wires are available (drawn from the range without a).
// So --locality 0 reads uniformly from everything (depth about logarithmic in T) and
// --locality 1 always reads one of the R most recent wires (depth linear in T).
//
// Outputs: a "sink" is a gate wire no gate reads (the last gate always is one).
//  --outputs 0 (default): every sink, at most the 64 most recent ones;
//  --outputs K >= 1: the K most recent sinks, and, when there are fewer than K sinks, the
//  most recent other gates to make K.

import { NetlistBuilder } from '../builder.js';
import { OptionError } from '../../common/errors.js';
import { quote } from '../errors.js';
import { OP_NAMES, Op, arity, type Circuit, type OpCode } from '../ir.js';
import { bigintOption, floatOption, intOption, optionText } from './options.js';
import { Rng } from './prng.js';
import type { GenOption, Generator } from './types.js';

export const DEFAULT_MIX = 'AND=4,OR=4,XOR=2,NAND=2,NOR=2,XNOR=1,NOT=2,BUF=1';
const AUTO_OUTPUT_CAP = 64;
const MAX_WEIGHT = 1_000_000;

const INPUTS: GenOption = { name: 'inputs', kind: 'int', default: '16', help: 'input wires N, 0..1000000 (group x)' };
const GATES: GenOption = { name: 'gates', kind: 'int', default: '100', help: 'gates T, 1..4000000' };
const SEED: GenOption = { name: 'seed', kind: 'bigint', default: '1', help: 'PRNG seed, 0..2^64-1 (decimal or 0x hex)' };
const MIX: GenOption = {
  name: 'mix', kind: 'string', default: DEFAULT_MIX,
  help: 'integer weights of the ops, OP=W,... over AND OR XOR NAND NOR XNOR NOT BUF CONST0 CONST1 (unnamed ops: 0)',
};
const LOCALITY: GenOption = {
  name: 'locality', kind: 'float', default: '0',
  help: 'probability X in [0,1] that an operand is drawn from the last R wires instead of all earlier ones',
};
const WINDOW: GenOption = { name: 'window', kind: 'int', default: '4', help: 'R, the recent-wire window of --locality, 2..1024' };
const OUTPUTS: GenOption = {
  name: 'outputs', kind: 'int', default: '0',
  help: `K outputs, 1..gates: the K most recent gates that drive nothing (then other recent gates); 0 = every such gate, at most the ${AUTO_OUTPUT_CAP} most recent`,
};

/** Weights indexed by op code, from "AND=3,OR=2,..." (names case-insensitive); errors name the option `mix`. */
export function parseMix(text: string): number[] {
  const w = new Array<number>(OP_NAMES.length).fill(0);
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z0-9]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m) throw new OptionError('mix', `must look like AND=3,OR=2,NOT=1, got ${quote(part.trim())}`);
    const name = m[1]!.toUpperCase();
    const i = (OP_NAMES as readonly string[]).indexOf(name);
    if (i < 0) throw new OptionError('mix', `: unknown op ${quote(m[1]!)} (ops: ${OP_NAMES.join(' ')})`);
    if (seen.has(name)) throw new OptionError('mix', `names ${name} twice`);
    seen.add(name);
    const v = Number(m[2]);
    if (v > MAX_WEIGHT) throw new OptionError('mix', `: the weight of ${name} must be at most ${MAX_WEIGHT}, got ${m[2]}`);
    w[i] = v;
  }
  if (w.every((v) => v === 0)) throw new OptionError('mix', 'gives every op weight 0');
  return w;
}

interface RandomParams {
  nInputs: number;
  nGates: number;
  seed: bigint;
  weights: number[];
  locality: number;
  window: number;
  outputs: number;
}

interface RawGates {
  ops: Uint8Array;
  a: Int32Array;
  b: Int32Array;
}

function drawGates(p: RandomParams): RawGates {
  const rng = new Rng(p.seed);
  const total = p.weights.reduce((s, v) => s + v, 0);
  // X * 2^32 is exact (a power-of-two scaling); X = 1 gives 2^32, above every draw.
  const threshold = Math.floor(p.locality * 4294967296);
  const ops = new Uint8Array(p.nGates);
  const a = new Int32Array(p.nGates);
  const b = new Int32Array(p.nGates);
  /** An operand among the `avail` earlier wires, different from `not` when possible. */
  const operand = (avail: number, not: number): number => {
    const lo = rng.nextU32() < threshold ? Math.max(0, avail - p.window) : 0;
    const span = avail - lo;
    if (not < lo || span < 2) return lo + rng.below(span);
    const r = lo + rng.below(span - 1);
    return r >= not ? r + 1 : r;
  };
  for (let g = 0; g < p.nGates; g++) {
    const avail = p.nInputs + g;
    let r = rng.below(total);
    let op = 0;
    while (r >= p.weights[op]!) r -= p.weights[op++]!;
    if (avail === 0 && arity(op as OpCode) > 0) op = (rng.nextU32() & 1) === 1 ? Op.CONST1 : Op.CONST0;
    const k = arity(op as OpCode);
    ops[g] = op;
    a[g] = k >= 1 ? operand(avail, -1) : -1;
    b[g] = k === 2 ? operand(avail, a[g]!) : -1;
  }
  return { ops, a, b };
}

/** Output wires by the rule at the top of this file, in increasing order. */
function chooseOutputs(raw: RawGates, nInputs: number, want: number): number[] {
  const T = raw.ops.length;
  const read = new Uint8Array(nInputs + T);
  for (let g = 0; g < T; g++) {
    if (raw.a[g]! >= 0) read[raw.a[g]!] = 1;
    if (raw.b[g]! >= 0) read[raw.b[g]!] = 1;
  }
  const k = want === 0 ? AUTO_OUTPUT_CAP : want;
  const out: number[] = [];
  for (let g = T - 1; g >= 0 && out.length < k; g--) if (read[nInputs + g] === 0) out.push(nInputs + g);
  if (want > 0) {
    for (let g = T - 1; g >= 0 && out.length < k; g--) if (read[nInputs + g] === 1) out.push(nInputs + g);
  }
  return out.sort((x, y) => x - y);
}

function buildRandom(p: RandomParams, name: string): Circuit {
  const raw = drawGates(p);
  const nb = new NetlistBuilder();
  const loc = nb.loc(1, 1);
  const net = new Int32Array(p.nInputs + p.nGates);
  if (p.nInputs > 0) {
    const names: string[] = [];
    for (let i = 0; i < p.nInputs; i++) names.push(`x[${i}]`);
    net.set(nb.addInputGroup('x', names, loc));
  }
  for (let g = 0; g < p.nGates; g++) {
    const op = raw.ops[g]!;
    const k = arity(op as OpCode);
    const ins = k === 0 ? [] : k === 1 ? [net[raw.a[g]!]!] : [net[raw.a[g]!]!, net[raw.b[g]!]!];
    net[p.nInputs + g] = nb.addGate(undefined, OP_NAMES[op]!, ins, loc);
  }
  const outs = chooseOutputs(raw, p.nInputs, p.outputs);
  nb.addOutputGroup('y', outs.map((w) => ({ net: net[w]!, loc })));
  return nb.build(name);
}

export const randomGenerator: Generator = {
  family: 'random',
  summary: 'seeded random circuit: x[N] -> y[K], T gates, op mix and locality chosen',
  options: [INPUTS, GATES, SEED, MIX, LOCALITY, WINDOW, OUTPUTS],
  build(opts) {
    const nInputs = intOption(opts, INPUTS, 0, 1_000_000);
    const nGates = intOption(opts, GATES, 1, 4_000_000);
    const seed = bigintOption(opts, SEED, 0n, (1n << 64n) - 1n);
    const weights = parseMix(optionText(opts, MIX));
    const locality = floatOption(opts, LOCALITY, 0, 1);
    const window = intOption(opts, WINDOW, 2, 1024);
    const outputs = intOption(opts, OUTPUTS, 0, nGates);
    const p: RandomParams = { nInputs, nGates, seed, weights, locality, window, outputs };
    return buildRandom(p, `random_n${nInputs}_t${nGates}_s${seed}`);
  },
};
