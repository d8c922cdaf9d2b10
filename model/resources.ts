// The resource formulas the constructions promise, per mode (README, docs/model-format.md):
//   positional  d_model = 3k + 9 (gate CoT) or 3k + 11 (4tok), k = ceil(log2(S + 1))
//   uniform     d_model = 12L + 49, L = ceil(log2 N) for capacity N: id codes of L + 1 bits,
//               position labels of L + 4 bits; 3 layers of 4, 2 and 1 heads at every N
//   uniform looped  d_model = 4L + 23: id codes of L + 1 bits, position labels of L + 3 bits;
//               2 stored layers of 3 and 2 heads (a prelude and ONE looped block) at every N
// The structure claim of a certificate checks a model against these.

import type { CotFormat, ModelMeta } from './model.js';

/** Bits needed to name every position 0..S-1 (and S itself): ceil(log2(S + 1)), at least 1. */
export function positionBits(seqLen: number): number {
  let k = 1;
  while (2 ** k < seqLen + 1) k++;
  return k;
}

/** ceil(log2 N), at least 1. */
export function log2Ceil(n: number): number {
  let l = 1;
  while (2 ** l < n) l++;
  return l;
}

/** The documented positional width: d_model = 3k + 9 (gate) or 3k + 11 (4tok). */
export function dModelFormula(cot: CotFormat, seqLen: number): number {
  return 3 * positionBits(seqLen) + (cot === '4tok' ? 11 : 9);
}

export const UNIFORM_HEADS = [4, 2, 1] as const;

/** Uniform widths at capacity N: ids, position labels, d_model. */
export function uniformWidths(capacity: number): { L: number; idBits: number; posBits: number; d: number } {
  const L = log2Ceil(capacity);
  return { L, idBits: L + 1, posBits: L + 4, d: 12 * L + 49 };
}

export const UNIFORM_LOOPED_HEADS = [3, 2] as const;

/** Uniform looped widths at capacity N (no CoT: positions 0..4N, labels up to 4N + 3 < 2^(L+3)). */
export function uniformLoopedWidths(capacity: number): { L: number; idBits: number; posBits: number; d: number } {
  const L = log2Ceil(capacity);
  return { L, idBits: L + 1, posBits: L + 3, d: 4 * L + 23 };
}

export interface ResourceFormula {
  /** The formula as text, e.g. "3k + 11" or "12L + 49". */
  text: string;
  /** The variable's name and value (k for positional, L for uniform). */
  variable: string;
  value: number;
  d: number;
  layers: number;
  heads: readonly number[];
}

/** What the construction of this mode promises for this model's size. */
export function resourceFormula(meta: ModelMeta): ResourceFormula {
  if (meta.mode === 'uniform' && meta.construction === 'looped') {
    const w = uniformLoopedWidths(meta.capacity);
    return { text: '4L + 23', variable: 'L', value: w.L, d: w.d, layers: UNIFORM_LOOPED_HEADS.length, heads: UNIFORM_LOOPED_HEADS };
  }
  if (meta.mode === 'uniform') {
    const w = uniformWidths(meta.capacity);
    return { text: '12L + 49', variable: 'L', value: w.L, d: w.d, layers: UNIFORM_HEADS.length, heads: UNIFORM_HEADS };
  }
  const k = positionBits(meta.seq_len);
  return { text: meta.cot === '4tok' ? '3k + 11' : '3k + 9', variable: 'k', value: k, d: dModelFormula(meta.cot, meta.seq_len), layers: 1, heads: [2] };
}
