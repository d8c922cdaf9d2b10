// Input vectors for verification: all-zeros, all-ones and seeded random vectors, or all 2^n.

import { UserError } from '../common/errors.js';
import { Rng } from '../circuits/gen/prng.js';

export const MAX_EXHAUSTIVE_INPUTS = 20;

/** All-zeros, all-ones, then `samples` random vectors from `seed` (deterministic everywhere). A
 *  circuit without inputs (a CVP instance) has one input vector, the empty one. */
export function sampleInputs(n: number, samples: number, seed: bigint): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(n)];
  if (n === 0) return out;
  out.push(new Uint8Array(n).fill(1));
  const rng = new Rng(seed);
  for (let i = 0; i < samples; i++) {
    const v = new Uint8Array(n);
    for (let k = 0; k < n; k++) v[k] = rng.nextU32() >>> 31;
    out.push(v);
  }
  return out;
}

/** Every input vector of n bits, in counting order (wire 0 = least significant bit). */
export function allInputs(n: number): Uint8Array[] {
  if (n > MAX_EXHAUSTIVE_INPUTS) throw new UserError(`every input vector is enumerated for at most ${MAX_EXHAUSTIVE_INPUTS} input wires (2^${MAX_EXHAUSTIVE_INPUTS} vectors); this circuit has ${n}`);
  const N = 2 ** n;
  const out: Uint8Array[] = new Array(N);
  for (let x = 0; x < N; x++) {
    const v = new Uint8Array(n);
    for (let k = 0; k < n; k++) v[k] = (x >>> k) & 1;
    out[x] = v;
  }
  return out;
}
