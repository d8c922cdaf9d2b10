// Commands on compiled models: compile, run, verify (trace: trace.ts).

import type { Command } from 'commander';
import { evalOutputsOne, outputHex, type Circuit } from '../../circuits/index.js';
import { modelToBytes, type Model } from '../../compiler/index.js';
import { allInputs, sampleInputs } from '../../runtime/inputs.js';
import { createEngine, parseBackend } from '../../runtime/backend.js';
import { outputsOfSequence, promptOf, verifyModel, type MismatchDetail, type VerifyReport } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED, UsageError } from '../errors.js';
import { writeOutput } from '../files.js';
import { loadCircuitOrModel, type CompileFlags } from '../load.js';
import { inputBitsFromOptions, parseOrder } from './circuit.js';
import { compileOptions, inputOptions, modelSummaryLine, parseIntOpt, runOptions } from './shared.js';
import { registerTrace } from './trace.js';

export function modelSummary(m: Model): { layers: number; heads: number; d_model: number; seq_len: number; vocab_size: number } {
  return { layers: m.meta.n_layers, heads: m.meta.heads[0] ?? 0, d_model: m.d, seq_len: m.meta.seq_len, vocab_size: m.vocab.length };
}

function parseSeed(s: string | undefined): bigint {
  if (s === undefined) return 1n;
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(s)) throw new UsageError(`--seed must be a non-negative integer, got '${s}'`);
  return BigInt(s);
}

export function registerModelCommands(program: Command, ctx: CliContext): void {
  compileOptions(
    program
      .command('compile')
      .description('compile a circuit into transformer weights (one safetensors file)')
      .argument('<file>', 'circuit file')
      .requiredOption('-o, --output <model>', 'output model file (.safetensors)')
      .option('--force', 'overwrite an existing output file'),
  ).action((file: string, o: CompileFlags & { output: string; force?: boolean }) => {
    const l = loadCircuitOrModel(file, o);
    if (!l.compiled) throw new UsageError(`${file} is already a compiled model`);
    const bytes = modelToBytes(l.model);
    writeOutput(o.output, bytes, Boolean(o.force));
    ctx.io.out(`wrote ${o.output}: ${modelSummaryLine(l.model)}, ${(bytes.length / 1e6).toFixed(1)} MB (compiled in ${l.compileSeconds.toFixed(2)} s)\n`);
  });

  runOptions(
    compileOptions(
      inputOptions(program.command('run').description('generate the chain of thought for one input and print the outputs').argument('<file>', 'circuit or model file')).option(
        '--show-cot',
        'print the generated chain of thought',
      ),
    ),
  ).action(async (file: string, o: CompileFlags & { input: string[]; bits?: string; order: string; showCot?: boolean; backend: string; arith: string }) => {
    const { model, circuit } = loadCircuitOrModel(file, o);
    const bits = inputBitsFromOptions(circuit, o);
    const { engine, notice } = await createEngine(model, parseBackend(o.backend), o.arith);
    if (notice) ctx.io.err(`gatecot: ${notice}\n`);
    try {
      const [seq] = await engine.generate([promptOf(model.meta, bits)], model.meta.cot_length);
      const got = outputsOfSequence(model.meta, seq!);
      const want = evalOutputsOne(circuit, bits);
      if (o.showCot) ctx.io.out(cotText(model, seq!) + '\n');
      printOutputs(ctx, circuit, got, o);
      if (!got.every((x, i) => x === want[i])) {
        ctx.io.err(`gatecot: the transformer's outputs differ from direct evaluation (${outputHex(circuit, want, parseOrder(o.order)).join(' ')})\n`);
        ctx.code = EXIT_CHECK_FAILED;
      }
    } finally {
      engine.dispose();
    }
  });

  runOptions(
    compileOptions(
      program
        .command('verify')
        .description('check the model against direct evaluation by teacher forcing on many inputs')
        .argument('<file>', 'circuit or model file')
        .option('--samples <n>', 'random inputs besides all-zeros and all-ones', '16')
        .option('--exhaustive', 'all 2^n inputs')
        .option('--seed <s>', 'seed of the random inputs', '1')
        .option('--batch <n>', 'inputs per engine call')
        .option('--json', 'print one JSON object'),
    ),
  ).action(async (file: string, o: CompileFlags & { samples: string; exhaustive?: boolean; seed: string; batch?: string; json?: boolean; backend: string; arith: string }) => {
    const { model, circuit } = loadCircuitOrModel(file, o);
    const n = circuit.nInputs;
    const inputs = o.exhaustive ? allInputs(n) : sampleInputs(n, parseIntOpt(o.samples, 'samples', 16, 1e6), parseSeed(o.seed));
    const { engine, notice } = await createEngine(model, parseBackend(o.backend), o.arith);
    if (notice) ctx.io.err(`gatecot: ${notice}\n`);
    let report: VerifyReport;
    try {
      const batch = o.batch !== undefined ? parseIntOpt(o.batch, 'batch', 16, 65536) : undefined;
      report = await verifyModel(model, circuit, engine, inputs, batch ? { batch } : {});
    } finally {
      engine.dispose();
    }
    if (o.json) {
      ctx.io.out(
        JSON.stringify({
          ok: report.ok,
          inputs_tested: report.inputs_tested,
          positions_checked: report.positions_checked,
          mismatches: report.mismatches,
          backend: engine.backend,
          arith: engine.arith,
          seconds: Number(report.seconds.toFixed(3)),
          model: modelSummary(model),
          cot: model.meta.cot,
          circuit: { name: circuit.name, inputs: n, gates: circuit.ops.length },
          ...(engine.backend === 'webgpu' ? { adapter: engine.description } : {}),
          ...(report.first ? { first_mismatch: mismatchJson(report.first) } : {}),
        }) + '\n',
      );
    } else {
      ctx.io.out(verifyText(model, circuit, report, `${engine.backend} ${engine.arith}`));
    }
    if (!report.ok) ctx.code = EXIT_CHECK_FAILED;
  });

  registerTrace(program, ctx);
}

function printOutputs(ctx: CliContext, c: Circuit, bits: Uint8Array, o: { bits?: string; order: string }): void {
  if (o.bits !== undefined) ctx.io.out(Array.from(bits).join('') + '\n');
  else ctx.io.out(outputHex(c, bits, parseOrder(o.order)).map((h) => h + '\n').join(''));
}

/** The sequence as text: prompt, then one group per gate (4tok) or the gate values. */
export function cotText(m: Model, seq: Int32Array): string {
  const P = m.meta.prompt.length;
  const toks = Array.from(seq, (t) => m.vocab[t] ?? '?');
  const prompt = toks.slice(0, P).join(' ');
  const cot = toks.slice(P);
  if (m.meta.cot === 'gate') return `${prompt} | ${cot.join(' ')}`;
  const groups: string[] = [];
  for (let i = 0; i < cot.length; i += 4) groups.push(cot.slice(i, i + 4).join(' '));
  return `${prompt} | ${groups.join(' | ')}`;
}

/**
 * The first mismatch as JSON: `position` is where the argmax was wrong, `token_position` where
 * that wrong token lands (position + 1: the position the text report names).
 */
function mismatchJson(f: MismatchDetail): MismatchDetail & { token_position: number } {
  const { input, position, ...rest } = f;
  return { input, position, token_position: position + 1, ...rest };
}

function verifyText(m: Model, c: Circuit, r: VerifyReport, engine: string): string {
  const head = `verify ${c.name}: ${modelSummaryLine(m)}; ${engine}\n`;
  if (r.ok) return head + `OK: ${r.inputs_tested} inputs, ${r.positions_checked} CoT positions, 0 mismatches (${r.seconds.toFixed(2)} s)\n`;
  const f = r.first!;
  const lines = [
    head + `FAIL: ${r.mismatches} wrong tokens in ${r.positions_checked} CoT positions over ${r.inputs_tested} inputs (${r.seconds.toFixed(2)} s)`,
    `first: input ${f.input}, position ${f.position + 1} holds '${f.produced}' where '${f.expected}' was expected`,
    `  gate ${f.gate}: ${f.gateLabel}`,
    ...f.heads.map((h) => `  ${h.name}: target ${h.target} weight ${h.targetWeight.toPrecision(3)}; top ${h.top.map((t) => `${t.pos}:${t.weight.toPrecision(3)}`).join(' ')} (${f.detailArith})`),
  ];
  return lines.join('\n') + '\n';
}
