// Gate feed-forward block: y = f(a, b) for the operation whose truth table tt sits in the
// residual stream. One ReLU unit per minterm (a0, b0), gated by tt[2 a0 + b0]:
//   u_{a0 b0} = relu(l_a + l_b + tt[2 a0 + b0] - 2),  l_a = a if a0 = 1 else 1 - a,
// which is 1 exactly when (a, b) = (a0, b0) and tt says f(a0, b0) = 1. y = sum of the units.
// Every constant is in {-2, ..., 2}, every partial sum within [-2, 3]: exact under F_2.

import type { Basis } from '../../model/index.js';
import type { FeedForward } from '../../model/index.js';

export interface GateFFSpec {
  a: string;
  b: string;
  table: string;
  out: string;
}

export function gateFeedForward(basis: Basis, spec: GateFFSpec): FeedForward {
  const d = basis.dim;
  const m = 4;
  const w1 = new Float32Array(m * d);
  const b1 = new Float32Array(m);
  const w2 = new Float32Array(d * m);
  const units: string[] = [];
  for (let a0 = 0; a0 < 2; a0++) {
    for (let b0 = 0; b0 < 2; b0++) {
      const u = 2 * a0 + b0;
      // l_a + l_b = sa * a + sb * b + (1 - a0) + (1 - b0)
      w1[u * d + basis.at(spec.a)] = a0 === 1 ? 1 : -1;
      w1[u * d + basis.at(spec.b)] = b0 === 1 ? 1 : -1;
      w1[u * d + basis.at(spec.table, u)] = 1;
      b1[u] = (1 - a0) + (1 - b0) - 2;
      w2[basis.at(spec.out) * m + u] = 1;
      units.push(`minterm a=${a0} b=${b0}`);
    }
  }
  return { m, w1, b1, w2, b2: new Float32Array(d), units };
}
