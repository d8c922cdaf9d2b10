// Match head: the retrieval head of LLZM24 generalised to any code. Query pair i is the ±1 code
// bit q_i (a linear form over residual coordinates) interleaved with the constant 1; key pair i
// is λ times the key's ±1 code bit, interleaved with -λ. The score is then
// Σ_i λ (q_i k_i - 1) = -2λ·(number of differing bits): 0 on the keys whose code equals the
// query's, at most -2λ elsewhere, and every partial sum of the rounded left-to-right inner product
// stays in {0, -B} under F_s with λ = B_s, so the rounded exp is exactly 1 on a unique match and 0
// elsewhere. Role bits (is this position a description? a value?) are just more code bits.

import type { Basis } from '../../model/index.js';
import type { HeadWeights } from '../../model/index.js';

export interface MatchSpec {
  name: string;
  /** Query pair i: the ±1 code bit as a linear form (coordinate index -> coefficient). */
  query: Map<number, number>[];
  /** Key pair i: the coordinate holding the key's ±1 code bit. */
  key: number[];
  /** Value coordinates fetched, and where the head writes each. */
  values: [from: number, to: number][];
  scale: number;
}

export function matchHead(basis: Basis, spec: MatchSpec): HeadWeights {
  if (spec.query.length !== spec.key.length) throw new Error(`head ${spec.name}: ${spec.query.length} query bits for ${spec.key.length} key bits`);
  const d = basis.dim;
  const dk = 2 * spec.key.length;
  const dv = spec.values.length;
  const one = basis.at('one');
  const wq = new Float32Array(dk * d);
  const wk = new Float32Array(dk * d);
  spec.query.forEach((form, i) => {
    for (const [c, v] of form) wq[2 * i * d + c] = v;
    wq[(2 * i + 1) * d + one] = 1;
  });
  spec.key.forEach((c, i) => {
    wk[2 * i * d + c] = spec.scale;
    wk[(2 * i + 1) * d + one] = -spec.scale;
  });
  const wv = new Float32Array(dv * d);
  const wo = new Float32Array(d * dv);
  spec.values.forEach(([from, to], e) => {
    wv[e * d + from] = 1;
    wo[to * dv + e] = 1;
  });
  return { name: spec.name, dk, dv, wq, wk, wv, wo };
}

/** Coordinates name[0..size-1] of a subspace. */
export function coords(basis: Basis, name: string): number[] {
  const s = basis.space(name);
  return Array.from({ length: s.size }, (_, i) => s.offset + i);
}

/** Query bits that copy coordinates one for one (coefficient 1). */
export function copyForms(cs: number[]): Map<number, number>[] {
  return cs.map((c) => new Map([[c, 1]]));
}
