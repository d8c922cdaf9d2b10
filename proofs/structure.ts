// Claim 1 (structure): constant depth and heads, d_model = the documented formula (positional:
// 3k + 9 / 3k + 11 in k = ceil(log2(S + 1)); uniform: 12L + 49 in L = ceil(log2 N), the same
// 3 layers of 4, 2 and 1 heads at every capacity N), every weight finite.

import { resourceFormula, type Model } from '../model/index.js';
import type { ClaimResult, Evidence } from './types.js';

function countNonFinite(...arrays: Float32Array[]): number {
  let bad = 0;
  for (const a of arrays) for (const x of a) if (!Number.isFinite(x)) bad++;
  return bad;
}

export function structureClaim(m: Model): ClaimResult {
  const meta = m.meta;
  const f = resourceFormula(meta);
  const weights = [m.tokEmb, m.posEmb, m.unembed, ...m.layers.flatMap((L) => [...L.heads.flatMap((h) => [h.wq, h.wk, h.wv, h.wo]), L.ff.w1, L.ff.b1, L.ff.w2, L.ff.b2])];
  const nonFinite = countNonFinite(...weights);
  const heads = m.layers.map((L) => L.heads.length);
  const shape = m.layers.length === f.layers && heads.length === f.heads.length && heads.every((h, l) => h === f.heads[l]);
  const holds = shape && m.d === f.d && nonFinite === 0;
  const common: Evidence = { layers: m.layers.length, heads_per_layer: heads.join(',') };
  const evidence: Evidence =
    meta.mode === 'uniform'
      ? { ...common, capacity: meta.capacity, L: f.value, d_model: m.d, d_formula: f.d, formula: f.text, max_seq_len: meta.max_seq_len }
      : { ...common, seq_len: meta.seq_len, k: f.value, d_model: m.d, d_formula: f.d, formula: f.text, bound_3k_plus_24: 3 * f.value + 24 };
  evidence.parameters = weights.reduce((s, w) => s + w.length, 0);
  evidence.non_finite_weights = nonFinite;
  const r: ClaimResult = { claim: 'structure', holds, evidence };
  if (!holds) r.failure = { position: -1, detail: `layers ${m.layers.length}, heads ${heads}, d_model ${m.d} (formula ${f.text} = ${f.d}), ${nonFinite} non-finite weights` };
  return r;
}
