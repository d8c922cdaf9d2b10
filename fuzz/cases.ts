// The circuit of one fuzz case, from the case seed alone (seeds.ts).
//
// One xoshiro128** stream (circuits/gen/prng.ts), seeded with the case seed, draws in this order:
//   1. gates T      uniform in --gates A..B
//   2. inputs N     uniform in --inputs A..B
//   3. op mix       for AND OR XOR NAND NOR XNOR NOT BUF: a weight in 0..3 each; for CONST0 and
//                   CONST1: 0..1 each; all zero becomes AND=1
//   4. locality     one of 0, 0.25, 0.5, 0.75, 1
//   5. window       2..16
//   6. outputs      with probability 1/4, K = 1..min(T, 8) outputs; otherwise 0 (every sink)
//   7. circuit seed 64 bits (high word first), the seed of the `random` generator
//   8. input seed   64 bits, the seed of the random input vectors (runtime/inputs.ts)
// Everything is drawn even when --gate-mix or --locality fixes it, so fixing one option
// changes nothing else about a case. The circuit is `gatecot gen random` with these options.

import type { Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { Rng } from '../circuits/gen/prng.js';
import { allInputs, sampleInputs } from '../runtime/inputs.js';
import type { CaseOptions, Range } from './options.js';
import { caseSeed } from './seeds.js';

/** Circuits with at most this many inputs are verified on all 2^N inputs. */
export const EXHAUSTIVE_UP_TO = 5;

const MIX_OPS = ['AND', 'OR', 'XOR', 'NAND', 'NOR', 'XNOR', 'NOT', 'BUF', 'CONST0', 'CONST1'] as const;

export interface CaseSpec {
  index: number;
  caseSeed: bigint;
  gates: number;
  inputs: number;
  mix: string;
  locality: number;
  window: number;
  outputs: number;
  circuitSeed: bigint;
  inputSeed: bigint;
}

function inRange(rng: Rng, r: Range): number {
  return r.min + rng.below(r.max - r.min + 1);
}

function u64(rng: Rng): bigint {
  const hi = BigInt(rng.nextU32());
  return (hi << 32n) | BigInt(rng.nextU32());
}

function drawMix(rng: Rng): string {
  const parts: string[] = [];
  for (const op of MIX_OPS) {
    const w = rng.below(op.startsWith('CONST') ? 2 : 4);
    if (w > 0) parts.push(`${op}=${w}`);
  }
  return parts.length > 0 ? parts.join(',') : 'AND=1';
}

export function caseSpec(opts: CaseOptions, seed: bigint, index: number): CaseSpec {
  const cs = caseSeed(seed, index);
  const rng = new Rng(cs);
  const gates = inRange(rng, opts.gates);
  const inputs = inRange(rng, opts.inputs);
  const mix = drawMix(rng);
  const locality = rng.below(5) / 4;
  const window = 2 + rng.below(15);
  const outputs = rng.below(4) === 0 ? 1 + rng.below(Math.min(gates, 8)) : 0;
  const circuitSeed = u64(rng);
  const inputSeed = u64(rng);
  return {
    index,
    caseSeed: cs,
    gates,
    inputs,
    mix: opts.mix ?? mix,
    locality: opts.locality ?? locality,
    window,
    outputs,
    circuitSeed,
    inputSeed,
  };
}

/** The `random` generator's options for a case (also what `gatecot gen random` takes). */
export function generatorOptions(s: CaseSpec): Record<string, string> {
  return {
    gates: String(s.gates),
    inputs: String(s.inputs),
    seed: String(s.circuitSeed),
    mix: s.mix,
    locality: String(s.locality),
    window: String(s.window),
    outputs: String(s.outputs),
  };
}

export function buildCase(s: CaseSpec): Circuit {
  const c = generate('random', generatorOptions(s));
  c.name = `fuzz_i${s.index}`;
  return c;
}

/** The inputs a case is verified on: all of them for small N, else all-zeros, all-ones and K random. */
export function caseInputs(s: CaseSpec, samples: number): Uint8Array[] {
  return s.inputs <= EXHAUSTIVE_UP_TO ? allInputs(s.inputs) : sampleInputs(s.inputs, samples, s.inputSeed);
}
