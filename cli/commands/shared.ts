// Small pieces shared by several commands.

import type { Command } from 'commander';
import type { Model } from '../../compiler/index.js';

export function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

export function modelSummaryLine(m: Model): string {
  return `${m.meta.cot} CoT, ${m.meta.n_layers} layer x ${m.meta.heads[0]} heads, d_model ${m.d}, S ${m.meta.seq_len}, vocab ${m.vocab.length}`;
}

/** The options that give one input: --input HEX per group, or --bits, and the bit order. */
export function inputOptions(cmd: Command): Command {
  return cmd
    .option('--input <hex>', 'value of the next input group, in hex (repeat once per group)', collect, [])
    .option('--bits <bits>', 'all input wires as a 0/1 string, first character = first wire')
    .option('--order <order>', 'lsb0 (wire k = bit k) or msb0 (wire k = bit width-1-k)', 'lsb0');
}
