// Retrieval head (LLZM24, the lemma behind Thm 3.3): fetches the token value at the position
// whose code is in `src`. Query q = sbin(target) ⁀ 1_k and key k_j = λ (sbin(j) ⁀ -1_k), with ⁀
// interleaving coordinates (q_1, 1, q_2, 1, ...). Then <q, k_j> = -2λ·(number of bits where j
// differs from the target): 0 on the target, at most -2λ elsewhere. The interleaving keeps every
// partial sum of the rounded left-to-right inner product in {0, -B}: with λ = B_s under F_s the
// score is exactly 0 on the target and -B_s elsewhere, so [exp] is exactly 1 and 0.

import type { Basis, HeadWeights } from '../../model/index.js';
import { coords, copyForms, matchHead } from './match.js';

export interface RetrievalSpec {
  name: string;
  /** Subspace holding sbin(target position). */
  src: string;
  /** Subspace holding sbin(this position). */
  key: string;
  /** Coordinate whose value is fetched. */
  value: string;
  /** Coordinate the fetched value is written to. */
  out: string;
  scale: number;
}

/** The positional model's retrieval head: a match head on position codes fetching one value. */
export function retrievalHead(basis: Basis, spec: RetrievalSpec): HeadWeights {
  return matchHead(basis, {
    name: spec.name,
    query: copyForms(coords(basis, spec.src)),
    key: coords(basis, spec.key),
    values: [[basis.at(spec.value), basis.at(spec.out)]],
    scale: spec.scale,
  });
}
