// Token and position embeddings. The token embedding only says whether the token is "1". The
// position embedding carries the circuit: this position's code, and for the token written next
// the truth table to apply, the two positions to fetch, and (4tok) the write mode.

import type { Basis } from '../../model/index.js';
import type { SequencePlan } from '../plan.js';

export function tokenEmbedding(basis: Basis, vocab: string[]): Float32Array {
  const d = basis.dim;
  const e = new Float32Array(vocab.length * d);
  e[vocab.indexOf('1') * d + basis.at('tok_val')] = 1;
  return e;
}

export function positionEmbedding(basis: Basis, plan: SequencePlan): Float32Array {
  const d = basis.dim;
  const P = plan.seqLen;
  const e = new Float32Array(P * d);
  const one = basis.at('one');
  const tt = basis.at('tt');
  const pos = basis.space('pos_bits');
  const srcA = basis.at('src_a_bits');
  const srcB = basis.at('src_b_bits');
  const modeType = basis.has('mode_type') ? basis.at('mode_type') : -1;
  const modeNa = basis.has('mode_na') ? basis.at('mode_na') : -1;
  const k = pos.size;
  for (let p = 0; p < P; p++) {
    const row = p * d;
    const pl = plan.at(p);
    e[row + one] = 1;
    for (let u = 0; u < 4; u++) e[row + tt + u] = pl.table[u]!;
    if (pl.mode === 'type') e[row + modeType] = 1;
    if (pl.mode === 'na') e[row + modeNa] = 1;
    const ta = pl.targetA;
    const tb = pl.targetB;
    for (let i = 0; i < k; i++) {
      e[row + pos.offset + i] = ((p >>> i) & 1) * 2 - 1; // sbin(p, i)
      e[row + srcA + i] = ((ta >>> i) & 1) * 2 - 1;
      e[row + srcB + i] = ((tb >>> i) & 1) * 2 - 1;
    }
  }
  return e;
}
