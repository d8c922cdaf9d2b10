// From a failing case to its reproducer: picks the inputs the shrinker checks candidates on,
// shrinks, and embeds the failing input with the correct outputs as a `test` line.
//
// Candidates are checked on the inputs `gatecot verify FILE` checks by default (all-zeros,
// all-ones and 16 random vectors of seed 1) when the failing circuit already fails there; then
// the minimal circuit is guaranteed to fail plain `gatecot verify` too. Otherwise (the failure
// needs an input those miss) the witness vector is checked as well, and the reproducer is
// `gatecot verify --exhaustive`, which covers it.

import { bitsToValue, evalOutputsOne, inputOffsets, type Circuit, type EmbeddedTest } from '../circuits/index.js';
import { sampleInputs } from '../runtime/inputs.js';
import type { Checker, Failure } from './check.js';
import { shrink, type SameFailure, type ShrinkOptions, type ShrinkResult } from './shrink.js';

/** `gatecot verify`'s default --samples and --seed (cli/commands/model.ts). */
export const VERIFY_SAMPLES = 16;
export const VERIFY_SEED = 1n;

export type ShrinkMode = 'verify-default' | 'witness';

function sameVector(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function shrinkInputs(n: number, witness: Uint8Array, mode: ShrinkMode): Uint8Array[] {
  const base = sampleInputs(n, VERIFY_SAMPLES, VERIFY_SEED);
  if (mode === 'verify-default' || base.some((v) => sameVector(v, witness))) return base;
  return [...base, witness];
}

/** The predicate "fails the same way": the same check (CoT format and config, or the same uniform model), the same failure signature. */
export function sameFailure(checker: Checker, signature: string, mode: ShrinkMode): SameFailure {
  return async (c, witness) => {
    const r = await checker.check(c, shrinkInputs(c.nInputs, witness, mode));
    return r.failure && r.failure.signature === signature ? r.failure : undefined;
  };
}

/** The embedded test: the witness input and the outputs direct evaluation gives for it. */
export function witnessTest(c: Circuit, witness: Uint8Array): EmbeddedTest {
  const inputs: Record<string, bigint> = {};
  const offs = inputOffsets(c);
  c.inputs.forEach((g, i) => (inputs[g.name] = bitsToValue(witness.subarray(offs[i]!, offs[i]! + g.width))));
  const out = evalOutputsOne(c, witness);
  const expect: Record<string, bigint> = {};
  let o = 0;
  for (const g of c.outputs) {
    expect[g.name] = bitsToValue(out.subarray(o, o + g.wires.length));
    o += g.wires.length;
  }
  return { inputs, expect, line: 0 };
}

export interface Minimized extends ShrinkResult {
  mode: ShrinkMode;
}

/** Shrinks a failing circuit; the result carries its embedded test. */
export async function minimize(c: Circuit, checker: Checker, failure: Failure, opts: ShrinkOptions): Promise<Minimized> {
  const onDefault = await sameFailure(checker, failure.signature, 'verify-default')(c, failure.witness);
  const mode: ShrinkMode = onDefault ? 'verify-default' : 'witness';
  const start = { circuit: c, failure: onDefault ?? failure };
  const r = await shrink(start, sameFailure(checker, failure.signature, mode), opts);
  r.circuit.tests = [witnessTest(r.circuit, r.failure.witness)];
  return { ...r, mode };
}
