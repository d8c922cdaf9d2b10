// The order in which a model's stored layers are applied. A model without a loop applies each
// layer once; a looped model (meta.loop) applies its prelude, then its shared block `count`
// times, then its coda. The loop count may be overridden (to show what too few loops do); the
// override is checked here so every executor refuses the same bad counts with the same line.

import { UserError } from '../common/errors.js';
import type { Model, ModelMeta } from './model.js';
import { ModelFileError } from './safetensors.js';

/** The most loops any executor runs (a guard against typos such as 10^9, not a property of the model). */
export const MAX_LOOPS = 1_000_000;

export class LoopCountError extends UserError {
  override name = 'LoopCountError';
}

/** The loop count an executor runs: the override when given (checked), else the model's own. */
export function loopCount(meta: ModelMeta, override?: number): number | undefined {
  if (override === undefined) return meta.loop?.count;
  if (!meta.loop) throw new LoopCountError('a loop count was given, but this model has no loop (only looped and looped-cot models have one)');
  if (!Number.isInteger(override) || override < 1) throw new LoopCountError(`the loop count must be a whole number of at least 1, got ${override}`);
  if (override > MAX_LOOPS) throw new LoopCountError(`the loop count ${override} is beyond the limit of ${MAX_LOOPS}`);
  return override;
}

/** Indices into model.layers, in the order they are applied. */
export function appliedLayers(meta: ModelMeta, loops?: number): number[] {
  const n = meta.n_layers;
  const lp = meta.loop;
  if (!lp) return Array.from({ length: n }, (_, l) => l);
  const count = loopCount(meta, loops)!;
  const out: number[] = [];
  for (let l = 0; l < lp.start; l++) out.push(l);
  for (let t = 0; t < count; t++) for (let l = lp.start; l < lp.end; l++) out.push(l);
  for (let l = lp.end; l < n; l++) out.push(l);
  return out;
}

/** Checks a loop spec read from a file against the stored layers. */
export function checkLoopSpec(m: Pick<Model, 'layers' | 'meta'>): void {
  const lp = m.meta.loop;
  if (!lp) return;
  const n = m.layers.length;
  const ok = Number.isInteger(lp.start) && Number.isInteger(lp.end) && Number.isInteger(lp.count) && lp.start >= 0 && lp.start < lp.end && lp.end <= n && lp.count >= 1 && lp.count <= MAX_LOOPS;
  if (!ok) throw new ModelFileError(`bad loop in the metadata: layers [${lp.start}, ${lp.end}) x ${lp.count} over ${n} stored layers`);
}

/** True when the model reads its answer from the argmax at each output position (no CoT). */
export function readsArgmax(meta: ModelMeta): boolean {
  return meta.readout === 'argmax';
}
