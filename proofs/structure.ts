// Claim 1 (structure): constant depth and heads, d_model = the documented formula in
// k = ceil(log2(S + 1)), every weight finite.

import { dModelFormula, positionBits, type Model } from '../compiler/index.js';
import type { ClaimResult } from './types.js';

function countNonFinite(...arrays: Float32Array[]): number {
  let bad = 0;
  for (const a of arrays) for (const x of a) if (!Number.isFinite(x)) bad++;
  return bad;
}

export function structureClaim(m: Model): ClaimResult {
  const meta = m.meta;
  const S = meta.seq_len;
  const k = positionBits(S);
  const formula = dModelFormula(meta.cot, S);
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((L) => [...L.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2])];
  const nonFinite = countNonFinite(...weights);
  const heads = m.layers.map((L) => L.heads.length);
  const holds = m.layers.length === 1 && heads.every((h) => h === 2) && m.d === formula && nonFinite === 0;
  const evidence = {
    layers: m.layers.length,
    heads_per_layer: heads.join(','),
    seq_len: S,
    k,
    d_model: m.d,
    d_formula: formula,
    formula: meta.cot === '4tok' ? '3k + 11' : '3k + 9',
    bound_3k_plus_24: 3 * k + 24,
    parameters: weights.reduce((s, w) => s + w.length, 0),
    non_finite_weights: nonFinite,
  };
  const r: ClaimResult = { claim: 'structure', holds, evidence };
  if (!holds) r.failure = { position: -1, detail: `layers ${m.layers.length}, heads ${heads}, d_model ${m.d} (formula ${formula}), ${nonFinite} non-finite weights` };
  return r;
}
