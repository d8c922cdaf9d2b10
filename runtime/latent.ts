// What the engines need to know about latent models (no CoT: looped, looped-cot, deep), read from
// the model's own metadata: whether to run layer by layer, and how far `--loops auto` may go.

import type { Model } from '../model/index.js';

/** A model whose answer is the argmax at its positions, or whose layers loop: run layer by layer. */
export function latent(m: Model): boolean {
  return m.meta.readout === 'argmax' || m.meta.loop !== undefined;
}

/**
 * The most iterations `--loops auto` runs before it reports that the loop did not settle: one
 * more than the sequence length and than the model's own count (every construction here settles
 * within the number of positions: one gate, or one level, per iteration).
 */
export function autoLimit(m: Model, seqLen: number): number {
  return Math.max(seqLen, m.meta.loop?.count ?? 0) + 1;
}
