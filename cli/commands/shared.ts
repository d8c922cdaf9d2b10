// Small pieces shared by several commands.

import type { Command } from 'commander';
import type { Model } from '../../compiler/index.js';
import { UsageError } from '../errors.js';

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

/** The options that compile a circuit file given to run, verify or trace. */
export function compileOptions(cmd: Command): Command {
  return cmd
    .option('--cot <format>', '4tok (4 tokens per gate, default) or gate (1 token per gate, as in the theorem)')
    .option('--scale <L>', 'key scale λ of the retrieval heads (default 10)')
    .option('--inject-fault <kind>', 'miscompile on purpose: weak-scale, swap-gate or off-by-one (to test the testers)')
    .option('--format <fmt>', 'circuit format (default: from the extension or the content)');
}

/** The engine and its arithmetic, for run, verify and trace. */
export function runOptions(cmd: Command): Command {
  return cmd
    .option('--backend <b>', 'auto, cpu or webgpu', 'cpu')
    .option('--arith <mode>', 'f32, f64, f16, fixed:s or float:e,s', 'f32');
}

export function parseIntOpt(s: string | undefined, name: string, def: number, max = 1e9): number {
  if (s === undefined) return def;
  if (!/^\d+$/.test(s) || Number(s) > max) throw new UsageError(`--${name} must be an integer from 0 to ${max}, got '${s}'`);
  return Number(s);
}
