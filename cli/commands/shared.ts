// Small pieces shared by several commands.

import type { Model } from '../../compiler/index.js';

export function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

export function modelSummaryLine(m: Model): string {
  return `${m.meta.cot} CoT, ${m.meta.n_layers} layer x ${m.meta.heads[0]} heads, d_model ${m.d}, S ${m.meta.seq_len}, vocab ${m.vocab.length}`;
}
