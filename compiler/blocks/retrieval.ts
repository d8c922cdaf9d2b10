// Retrieval head (LLZM24, the lemma behind Thm 3.3): fetches the token value at the position
// whose code is in `src`. Query q = sbin(target) ⁀ 1_k and key k_j = λ (sbin(j) ⁀ -1_k), with ⁀
// interleaving coordinates (q_1, 1, q_2, 1, ...). Then <q, k_j> = -2λ·(number of bits where j
// differs from the target): 0 on the target, at most -2λ elsewhere. The interleaving keeps every
// partial sum of the rounded left-to-right inner product in {0, -B}: with λ = B_s under F_s the
// score is exactly 0 on the target and -B_s elsewhere, so [exp] is exactly 1 and 0.

import type { Basis } from '../basis.js';
import type { HeadWeights } from '../model.js';

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

export function retrievalHead(basis: Basis, spec: RetrievalSpec): HeadWeights {
  const d = basis.dim;
  const k = basis.space(spec.src).size;
  const dk = 2 * k;
  const wq = new Float32Array(dk * d);
  const wk = new Float32Array(dk * d);
  const one = basis.at('one');
  for (let i = 0; i < k; i++) {
    wq[2 * i * d + basis.at(spec.src, i)] = 1;
    wq[(2 * i + 1) * d + one] = 1;
    wk[2 * i * d + basis.at(spec.key, i)] = spec.scale;
    wk[(2 * i + 1) * d + one] = -spec.scale;
  }
  const wv = new Float32Array(d);
  wv[basis.at(spec.value)] = 1;
  const wo = new Float32Array(d);
  wo[basis.at(spec.out)] = 1;
  return { name: spec.name, dk, dv: 1, wq, wk, wv, wo };
}
