// What the engines need to know about latent models (no CoT: looped, looped-cot, deep), read from
// the model's own metadata: whether to run layer by layer, how far `--loops auto` may go, and
// which loop count a model bound to a circuit runs with.

import type { Bound, Model } from '../model/index.js';
import type { LoopSetting } from './engine.js';

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

/** Where a run's loop count comes from: the model's own, --loops K, --loops auto, or the circuit. */
export type LoopsSource = 'model' | 'given' | 'auto' | 'circuit depth';

/**
 * The loop setting to create an engine with for a bound model: the one given (--loops K|auto),
 * else the circuit's own count where the model leaves it to the circuit (a uniform looped model
 * runs a circuit `depth` times: BoundSequence.loops), else none (the model's own count).
 */
export function loopSetting(b: Bound, given?: LoopSetting): { loops?: LoopSetting; source: LoopsSource } {
  if (given === 'auto') return { loops: given, source: 'auto' };
  if (given !== undefined) return { loops: given, source: 'given' };
  if (b.seq.loops !== undefined) return { loops: b.seq.loops, source: 'circuit depth' };
  return { source: 'model' };
}
