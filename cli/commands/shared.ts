// Small pieces shared by several commands.

import type { Command } from 'commander';
import type { Bound, Model } from '../../model/index.js';
import type { CpuKernel } from '../../runtime/backend.js';
import { parseRadius, type Radius } from '../../runtime/index.js';
import { parseAttention, parseCpuKernel } from '../engine-flags.js';
import { UsageError } from '../errors.js';

export function collect(value: string, prev: string[]): string[] {
  return [...prev, value];
}

/** One line about a model; with its bound circuit, the sequence length too. */
export function modelSummaryLine(m: Model, b?: Bound): string {
  const meta = m.meta;
  const S = b ? b.seq.seqLen : meta.mode === 'positional' ? meta.seq_len : undefined;
  const lp = meta.loop;
  const latent = meta.construction && meta.construction !== 'cot' ? meta.construction : undefined;
  const kind = meta.mode === 'uniform' ? `uniform${latent ? ` ${latent}` : ''} (capacity ${meta.capacity} wires), ${latent ? 'no' : '4tok'} CoT` : latent ? `${latent} (no CoT)` : `${meta.cot} CoT`;
  const times = b?.seq.loops !== undefined ? `${b.seq.loops} times (= the circuit's depth)` : `${lp?.count} times (= ${lp?.count_is})`;
  const shape = lp ? `${meta.n_layers} stored layer${meta.n_layers > 1 ? 's' : ''} x ${meta.heads.join(',')} heads, block looped ${times}` : meta.n_layers === 1 ? `1 layer x ${meta.heads[0]} heads` : `${meta.n_layers} layers x ${meta.heads.join(',')} heads`;
  return `${kind}, ${shape}, d_model ${m.d}${S !== undefined ? `, S ${S}` : ''}, vocab ${m.vocab.length}`;
}

/** The options that give one input: --input HEX per group, or --bits, and the bit order. */
export function inputOptions(cmd: Command): Command {
  return cmd
    .option('--input <hex>', 'value of the next input group, in hex (repeat once per group)', collect, [])
    .option('--bits <bits>', 'all input wires as a 0/1 string, first character = first wire')
    .option('--order <order>', 'lsb0 (wire k = bit k) or msb0 (wire k = bit width-1-k)', 'lsb0');
}

/** The options that compile a circuit file given to run, verify or trace, or give a uniform model its circuit. */
export function compileOptions(cmd: Command): Command {
  return cmd
    .option('--circuit <file>', 'the circuit a uniform model file runs (it goes in the prompt)')
    .option('--mode <m>', 'compiling a circuit file: positional (the circuit in the weights, default), uniform (the smallest uniform model that holds it), or latent (no CoT): looped (one layer looped depth times), looped-cot (looped once per gate), deep (depth distinct layers), uniform-looped (the smallest uniform looped model: circuit in the prompt, looped depth times)')
    .option('--cot <format>', '4tok (4 tokens per gate, default) or gate (1 token per gate, as in the theorem)')
    .option('--scale <L>', 'key scale λ of the retrieval heads (default 10; the uniform model 64, looped and deep models 50)')
    .option('--inject-fault <kind>', 'miscompile on purpose: weak-scale, swap-gate or off-by-one (to test the testers)')
    .option('--format <fmt>', 'circuit format (default: from the extension or the content)')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)');
}

/** The engine and its arithmetic, for run, verify and trace (ort: run and verify). */
export function runOptions(cmd: Command, opts: { ort?: boolean } = {}): Command {
  return cmd
    .option('--backend <b>', opts.ort ? 'auto, cpu, webgpu or ort (onnxruntime-node, an optional dependency: the model exported to ONNX, f32 only)' : 'auto, cpu or webgpu', 'cpu')
    .option('--arith <mode>', 'f32, f64, f16, fixed:s or float:e,s', 'f32')
    .option(...CPU_KERNEL_OPTION)
    .option(...CPU_THREADS_OPTION)
    .option('--loops <K>', "looped models: apply the block K times instead of the model's own count (a uniform looped model's: the circuit's depth), or auto (until an iteration changes nothing; reports how many it took)");
}

export const CPU_KERNEL_OPTION = ['--cpu-kernel <k>', "the CPU engine's loop for --arith f32: fast (WebAssembly SIMD and threads, the reference's numbers bit for bit; the default) or reference (the rounded reference loop; every other arithmetic always runs it)"] as const;
export const CPU_THREADS_OPTION = ['--cpu-threads <n>', 'threads of the fast CPU kernel (default: every core, at most 8)'] as const;

/** createEngine's CPU options from --cpu-kernel and --cpu-threads. */
export function cpuEngineOptions(o: { cpuKernel?: string; cpuThreads?: string }): { cpuKernel?: CpuKernel; cpuThreads?: number } {
  const k = parseCpuKernel(o.cpuKernel);
  const t = o.cpuThreads !== undefined ? parseIntOpt(o.cpuThreads, 'cpu-threads', 1, 64) : undefined;
  if (t === 0) throw new UsageError('--cpu-threads must be at least 1');
  return { ...(k ? { cpuKernel: k } : {}), ...(t !== undefined ? { cpuThreads: t } : {}) };
}

export function parseIntOpt(s: string | undefined, name: string, def: number, max = 1e9): number {
  if (s === undefined) return def;
  if (!/^\d+$/.test(s) || Number(s) > max) throw new UsageError(`--${name} must be an integer from 0 to ${max}, got '${s}'`);
  return Number(s);
}

/** --attention and --radius: dense attention (default) or certified sparse attention (runtime/sparse-attention). */
export function attentionOptions(cmd: Command): Command {
  return cmd
    .option('--attention <mode>', 'dense (softmax over every visible key, the default) or sparse (each match head over the keys within --radius of its query code, every argmax certified against the dense f32 run by an error bound; positions it cannot decide run densely)')
    .option('--radius <r>', '--attention sparse: Hamming radius of the keys each head scores, or auto (default: per head, the smallest whose omitted keys weigh below f32 rounding)');
}

/** The engine options of --attention/--radius. */
export function attentionFlags(o: { attention?: string; radius?: string }): { attention?: 'dense' | 'sparse'; radius?: Radius } {
  const attention = parseAttention(o.attention);
  if (o.radius !== undefined && attention !== 'sparse') throw new UsageError('--radius goes with --attention sparse');
  if (attention !== 'sparse') return {};
  return { attention, ...(o.radius !== undefined ? { radius: parseRadius(o.radius) } : {}) };
}
