// Commands on compiled models: compile, run, verify (trace: trace.ts).

import type { Command } from 'commander';
import { evalOutputsOne, outputHex, type Circuit } from '../../circuits/index.js';
import { compileUniform, compileUniformLooped } from '../../compiler/index.js';
import { modelToBytes, type Bound } from '../../model/index.js';
import { allInputs, MAX_EXHAUSTIVE_INPUTS, sampleInputs } from '../../runtime/inputs.js';
import { createEngine } from '../../runtime/backend.js';
import { parseBackend } from '../engine-flags.js';
import { parseLoops } from '../load.js';
import { WorkProgress } from '../progress.js';
import { answerSequences, loopSetting, outputsOfSequence, promptOf, verifyModel, type LoopSetting, type LoopsSource, type MismatchDetail, type VerifyReport } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED, UsageError } from '../errors.js';
import { writeOutput } from '../files.js';
import { loadCircuitOrModel, parseScale, type CompileFlags } from '../load.js';
import { parseFault } from '../../compiler/index.js';
import { evalJson, inputBitsFromOptions, parseOrder } from './circuit.js';
import { circuitJson, modelJson, outputGroups, printJson, valuesJson } from './json.js';
import { attentionFlags, attentionOptions, compileOptions, cpuEngineOptions, inputOptions, modelSummaryLine, parseIntOpt, runOptions } from './shared.js';
import { SparseEngine, radiusText, sparseJson, sparseText } from '../../runtime/index.js';
import { registerTrace } from './trace.js';

export function modelSummary(b: Bound): { layers: number; heads: number; heads_per_layer: number[]; d_model: number; seq_len: number; vocab_size: number } {
  const m = b.model;
  return { layers: m.meta.n_layers, heads: m.meta.heads[0] ?? 0, heads_per_layer: m.meta.heads, d_model: m.d, seq_len: b.seq.seqLen, vocab_size: m.vocab.length };
}

/** verify --json: the model's mode, and for a uniform model its capacity and this circuit's prompt length. */
function modeJson(b: Bound): Record<string, unknown> {
  const meta = b.model.meta;
  return {
    mode: meta.mode,
    construction: meta.construction ?? 'cot',
    ...(meta.mode === 'uniform' ? { capacity: meta.capacity } : {}),
    prompt_length: b.seq.promptLength,
    layers_stored: meta.n_layers,
    heads_per_layer: meta.heads,
  };
}

/** The loop setting of a run (loopSetting) and where it came from. */
interface RunLoops {
  loops?: LoopSetting;
  source: LoopsSource;
}

/**
 * What a latent model's loop did: the count run (the model's own, the one given, the circuit's
 * depth for a uniform looped model, or what auto found) and where it came from.
 */
function loopsJson(b: Bound, rl: RunLoops, r: { loops?: number }): Record<string, unknown> {
  const lp = b.model.meta.loop;
  if (!lp) return {};
  const run = rl.loops === 'auto' ? r.loops ?? 0 : rl.loops ?? lp.count;
  return {
    loops: run,
    loops_source: rl.source,
    ...(b.seq.loops !== undefined ? { circuit_depth: b.seq.loops } : {}),
    model_loops: lp.count,
    model_loops_is: lp.count_is,
    layers_applied: lp.start + (b.model.meta.n_layers - lp.end) + (lp.end - lp.start) * run,
  };
}

function parseCapacity(s: string | undefined): number {
  if (s === undefined) throw new UsageError('compile --uniform needs --max-wires N (the most wires, inputs + gates, of a circuit it serves)');
  if (!/^\d+$/.test(s)) throw new UsageError(`--max-wires must be an integer, got '${s}'`);
  return Number(s);
}

function parseSeed(s: string | undefined): bigint {
  if (s === undefined) return 1n;
  if (!/^(\d+|0x[0-9a-f]+)$/i.test(s)) throw new UsageError(`--seed must be a non-negative integer, got '${s}'`);
  const seed = BigInt(s);
  if (seed >= 1n << 64n) throw new UsageError(`--seed must be below 2^64 (the generator's state), got ${s}`);
  return seed;
}

export function registerModelCommands(program: Command, ctx: CliContext): void {
  compileOptions(
    program
      .command('compile')
      .description('compile a circuit into transformer weights (one safetensors file), or with --uniform one model for every circuit up to a size')
      .argument('[file]', 'circuit file (none with --uniform)')
      .requiredOption('-o, --output <model>', 'output model file (.safetensors)')
      .option('--uniform', 'the uniform model: the circuit goes in the prompt; one file serves every circuit of at most --max-wires wires (with --mode looped: the uniform looped model, no CoT)')
      .option('--max-wires <N>', 'capacity of a --uniform model: the most wires (inputs + gates) of a circuit it serves')
      .option('--force', 'overwrite an existing output file')
      .option('--json', 'print one JSON object'),
  ).action((file: string | undefined, o: CompileFlags & { output: string; force?: boolean; uniform?: boolean; maxWires?: string; json?: boolean }) => {
    if (o.circuit !== undefined) throw new UsageError('compile takes the circuit as its argument; --circuit goes with a uniform model file');
    if (o.uniform) {
      if (file !== undefined) throw new UsageError('compile --uniform builds one model for every circuit up to --max-wires: give no circuit file (or use FILE --mode uniform)');
      const looped = o.mode === 'looped' || o.mode === 'uniform-looped';
      if (o.mode !== undefined && o.mode !== 'uniform' && !looped) throw new UsageError(`--uniform builds the uniform model (--mode uniform, 4tok CoT) or the uniform looped model (--mode looped); --mode ${o.mode} is not uniform`);
      if (looped && o.cot !== undefined) throw new UsageError('a uniform looped model writes no chain of thought: --cot does not apply');
      if (looped && o.injectFault !== undefined) throw new UsageError('--inject-fault applies to the CoT constructions, not to the uniform looped model');
      if (o.cot !== undefined && o.cot !== '4tok') throw new UsageError('a uniform model writes the 4-token CoT: --cot gate is positional only');
      const capacity = parseCapacity(o.maxWires);
      const scale = parseScale(o.scale);
      const t0 = performance.now();
      const sc = scale !== undefined ? { scale } : {};
      const model = looped ? compileUniformLooped(capacity, sc) : compileUniform(capacity, { ...sc, ...(o.injectFault !== undefined ? { fault: parseFault(o.injectFault) } : {}) });
      const seconds = (performance.now() - t0) / 1000;
      const bytes = modelToBytes(model);
      writeOutput(o.output, bytes, Boolean(o.force));
      if (o.json) printJson(ctx, { path: o.output, bytes: bytes.length, seconds: Number(seconds.toFixed(3)), model: modelJson(model) });
      else ctx.io.out(`wrote ${o.output}: ${modelSummaryLine(model)}, ${(bytes.length / 1e6).toFixed(1)} MB (compiled in ${seconds.toFixed(2)} s)\n`);
      return;
    }
    if (o.maxWires !== undefined) throw new UsageError('--max-wires goes with --uniform');
    if (file === undefined) throw new UsageError('compile needs a circuit file (or --uniform --max-wires N)');
    const l = loadCircuitOrModel(file, o);
    if (!l.compiled) throw new UsageError(`${file} is already a compiled model`);
    const bytes = modelToBytes(l.model);
    writeOutput(o.output, bytes, Boolean(o.force));
    if (o.json) printJson(ctx, { path: o.output, bytes: bytes.length, seconds: Number(l.compileSeconds.toFixed(3)), model: modelJson(l.model, l), circuit: circuitJson(l.circuit) });
    else ctx.io.out(`wrote ${o.output}: ${modelSummaryLine(l.model)}, ${(bytes.length / 1e6).toFixed(1)} MB (compiled in ${l.compileSeconds.toFixed(2)} s)\n`);
  });

  attentionOptions(runOptions(
    compileOptions(
      inputOptions(program.command('run').description('generate the chain of thought for one input and print the outputs').argument('<file>', 'circuit or model file')).option(
        '--show-cot',
        'print the generated chain of thought',
      ).option('--json', 'print one JSON object (with --show-cot: the chain of thought in its field "cot")'),
    ),
    { ort: true },
  )).action(async (file: string, o: CompileFlags & { input: string[]; bits?: string; order: string; showCot?: boolean; backend: string; arith: string; cpuKernel?: string; cpuThreads?: string; loops?: string; json?: boolean; attention?: string; radius?: string }) => {
    const bound = loadCircuitOrModel(file, o);
    const { model, circuit } = bound;
    const bits = inputBitsFromOptions(circuit, o);
    const rl = loopSetting(bound, parseLoops(o.loops));
    const att = attentionFlags(o);
    const { engine, notice } = await createEngine(model, parseBackend(o.backend, { ort: true }), o.arith, { ...cpuEngineOptions(o), ...(rl.loops !== undefined ? { loops: rl.loops } : {}), ...att });
    if (notice) ctx.io.err(`gatecot: ${notice}\n`);
    try {
      const prompt = promptOf(bound, bits);
      const t0 = performance.now();
      const progress = new WorkProgress(ctx.io, 'run', 'positions', bound.seq.seqLen, engine.backend === 'cpu' ? '--backend webgpu' : undefined);
      const ans = await answerSequences(bound, engine, [prompt], { onProgress: (f) => progress.update(Math.floor(f * bound.seq.seqLen)) });
      progress.clear();
      const seconds = (performance.now() - t0) / 1000;
      const seq = ans.seqs[0]!;
      const got = outputsOfSequence(bound, seq);
      const want = evalOutputsOne(circuit, bits);
      const cot = o.showCot ? cotText(bound, bound.seq.readout === 'argmax' ? prompt : seq, bound.seq.readout === 'argmax' ? seq : undefined) : undefined;
      if (cot !== undefined && !o.json) ctx.io.out(cot + '\n');
      if (ans.loops) ctx.io.err(`gatecot: the loop settled after ${ans.loops[0]} iterations\n`);
      const ok = got.every((x, i) => x === want[i]);
      if (o.json) {
        // run --json: eval --json's fields for the transformer's outputs, direct evaluation's as `expected`.
        const order = parseOrder(o.order);
        printJson(ctx, {
          ...evalJson(circuit, bits, got, order),
          expected: valuesJson(outputGroups(circuit), want, order),
          ok,
          backend: engine.backend,
          arith: engine.arith,
          attention: engine instanceof SparseEngine ? 'sparse' : 'dense',
          ...(engine instanceof SparseEngine ? { sparse: sparseJson(engine.report(), ok ? 0 : 1) } : {}),
          model: modelJson(model, bound),
          prompt_length: bound.seq.promptLength,
          cot_length: bound.seq.cotLength,
          seconds: Number(seconds.toFixed(3)),
          ...loopsJson(bound, rl, { ...(ans.loops ? { loops: ans.loops[0] } : {}) }),
          ...(engine.backend === 'webgpu' ? { adapter: engine.description } : {}),
          ...(engine.backend === 'ort' ? { runtime: engine.description } : {}),
          engine: engine.description,
          ...(cot !== undefined ? { cot } : {}),
        });
      } else printOutputs(ctx, circuit, got, o);
      if (!ok) {
        ctx.io.err(`gatecot: the transformer's outputs differ from direct evaluation (${outputHex(circuit, want, parseOrder(o.order)).join(' ')})\n`);
        ctx.code = EXIT_CHECK_FAILED;
      }
    } finally {
      engine.dispose();
    }
  });

  attentionOptions(runOptions(
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
    { ort: true },
  )).action(async (file: string, o: CompileFlags & { samples: string; exhaustive?: boolean; seed: string; batch?: string; json?: boolean; backend: string; arith: string; cpuKernel?: string; cpuThreads?: string; loops?: string; attention?: string; radius?: string }) => {
    const bound = loadCircuitOrModel(file, o);
    const { model, circuit } = bound;
    const n = circuit.nInputs;
    if (o.exhaustive && n > MAX_EXHAUSTIVE_INPUTS) throw new UsageError(`--exhaustive covers at most ${MAX_EXHAUSTIVE_INPUTS} inputs (2^${MAX_EXHAUSTIVE_INPUTS} vectors); this circuit has ${n}`);
    const inputs = o.exhaustive ? allInputs(n) : sampleInputs(n, parseIntOpt(o.samples, 'samples', 16, 1e6), parseSeed(o.seed));
    const rl = loopSetting(bound, parseLoops(o.loops));
    const att = attentionFlags(o);
    const { engine, notice } = await createEngine(model, parseBackend(o.backend, { ort: true }), o.arith, { ...cpuEngineOptions(o), ...(rl.loops !== undefined ? { loops: rl.loops } : {}), ...att });
    if (notice) ctx.io.err(`gatecot: ${notice}\n`);
    let report: VerifyReport;
    try {
      const batch = o.batch !== undefined ? parseIntOpt(o.batch, 'batch', 16, 65536) : undefined;
      const faster = [...(engine.backend === 'cpu' && !att.attention ? ['--backend webgpu'] : []), ...(o.exhaustive ? [] : ['fewer inputs (--samples)'])].join(', or ');
      const progress = new WorkProgress(ctx.io, 'verify', 'inputs', inputs.length, faster || undefined);
      report = await verifyModel(bound, engine, inputs, { ...(batch ? { batch } : {}), onProgress: (d) => progress.update(Math.floor(d)) });
      progress.clear();
    } finally {
      engine.dispose();
    }
    const sparse = engine instanceof SparseEngine ? engine.report() : undefined;
    if (o.json) {
      ctx.io.out(
        JSON.stringify({
          ok: report.ok,
          inputs_tested: report.inputs_tested,
          positions_checked: report.positions_checked,
          mismatches: report.mismatches,
          backend: engine.backend,
          arith: engine.arith,
          attention: sparse ? 'sparse' : 'dense',
          ...(sparse ? { sparse: sparseJson(sparse, report.mismatches) } : {}),
          seconds: Number(report.seconds.toFixed(3)),
          model: modelSummary(bound),
          cot: bound.seq.readout === 'argmax' ? 'none' : model.meta.cot,
          ...modeJson(bound),
          ...loopsJson(bound, rl, report),
          circuit: { name: circuit.name, inputs: n, gates: circuit.ops.length },
          ...(engine.backend === 'webgpu' ? { adapter: engine.description } : {}),
          ...(engine.backend === 'ort' ? { runtime: engine.description } : {}),
          engine: engine.description,
          ...(report.first ? { first_mismatch: mismatchJson(report.first) } : {}),
        }) + '\n',
      );
    } else {
      ctx.io.out(verifyText(bound, report, `${engine.backend} ${engine.arith}${engine.backend === 'cpu' ? ` (${engine.description})` : ''}${loopsText(bound, rl, report)}${sparse ? `, sparse attention (radius ${radiusText(sparse)})` : ''}`));
      if (sparse) ctx.io.out(sparseText(sparse, report.mismatches) + '\n');
    }
    if (!report.ok) ctx.code = EXIT_CHECK_FAILED;
  });

  inputOptions(
    program
      .command('prompt')
      .description('the prompt any other runtime needs: token ids, how many tokens to generate, where the outputs are')
      .argument('<model>', 'model file (.safetensors), or a circuit file (compiled with --mode/--cot)')
      .option('--circuit <file>', 'the circuit a uniform model runs')
      .option('--mode <m>', 'compiling a circuit file: positional, uniform, looped, looped-cot, deep or uniform-looped')
      .option('--cot <format>', 'compiling a circuit file: 4tok or gate')
      .option('--format <fmt>', 'circuit format (default: from the extension or the content)')
      .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
      .option('--json', 'print one JSON object (default: the tokens as text, then the same JSON)'),
  ).action((file: string, o: CompileFlags & { input: string[]; bits?: string; order: string; json?: boolean }) => {
    const bound = loadCircuitOrModel(file, o);
    const bits = inputBitsFromOptions(bound.circuit, o);
    const tokens = Array.from(promptOf(bound, bits));
    // readout "argmax" (latent models): run ONE forward pass over the tokens; output k is the argmax AT outputs[k];
    // a uniform looped model runs its block `loops` times (this circuit's depth) instead of loop.count.
    const json = JSON.stringify({ tokens, cot_length: bound.seq.cotLength, outputs: bound.seq.outputs, ...(bound.seq.readout === 'argmax' ? { readout: 'argmax', ...(bound.model.meta.loop ? { loop: bound.model.meta.loop } : {}), ...(bound.seq.loops !== undefined ? { loops: bound.seq.loops } : {}) } : {}) });
    if (!o.json) ctx.io.out(tokens.map((t) => bound.model.vocab[t]).join(' ') + '\n');
    ctx.io.out(json + '\n');
  });

  registerTrace(program, ctx);
}

function printOutputs(ctx: CliContext, c: Circuit, bits: Uint8Array, o: { bits?: string; order: string }): void {
  if (o.bits !== undefined) ctx.io.out(Array.from(bits).join('') + '\n');
  else ctx.io.out(outputHex(c, bits, parseOrder(o.order)).map((h) => h + '\n').join(''));
}

/** The sequence as text: prompt, then one group per gate (4tok, uniform: per wire) or the gate values. */
export function cotText(b: Bound, seq: Int32Array, argmax?: Int32Array): string {
  if (argmax) {
    // A latent model writes no CoT: show the prompt, then the value it reads out at each wire.
    const v = (t: number) => b.model.vocab[t] ?? '?';
    const prompt = b.seq.mode === 'uniform' ? uniformPromptText(Array.from(seq, v)) : Array.from(seq, v).join(' ');
    return `${prompt} | no CoT: the argmax at each wire position: ${Array.from(b.seq.valuePos, (p) => v(argmax[p]!)).join(' ')}`;
  }
  const P = b.seq.promptLength;
  const toks = Array.from(seq, (t) => b.model.vocab[t] ?? '?');
  const cot = toks.slice(P);
  const groups: string[] = [];
  for (let i = 0; i < cot.length; i += b.seq.group) groups.push(cot.slice(i, i + b.seq.group).join(' '));
  if (b.seq.mode === 'uniform') return `${uniformPromptText(toks.slice(0, P))} | ${groups.join(' | ')}`;
  const prompt = toks.slice(0, P).join(' ');
  return b.seq.group === 1 ? `${prompt} | ${cot.join(' ')}` : `${prompt} | ${groups.join(' | ')}`;
}

/** A uniform prompt as text: <bos>, then the descriptions of four tokens each. */
function uniformPromptText(toks: string[]): string {
  const desc: string[] = [];
  for (let i = 1; i < toks.length; i += 4) desc.push(toks.slice(i, i + 4).join(' '));
  return `${toks[0]} ${desc.join(' ')}`;
}

/**
 * The first mismatch as JSON: `position` is where the argmax was wrong, `token_position` where
 * that wrong token lands (position + 1: the position the text report names).
 */
function mismatchJson(f: MismatchDetail): MismatchDetail & { token_position: number } {
  const { input, position, ...rest } = f;
  return { input, position, token_position: position + 1, ...rest };
}

function loopsText(b: Bound, rl: RunLoops, r: VerifyReport): string {
  const lp = b.model.meta.loop;
  if (!lp) return '';
  const own = b.seq.loops !== undefined ? `the circuit's depth: ${b.seq.loops}` : `the model's own count: ${lp.count} = ${lp.count_is}`;
  if (rl.source === 'auto') return `, loops auto: settled after ${r.loops ?? 0} (${own})`;
  if (rl.source === 'circuit depth') return `, ${rl.loops} loops (= the circuit's depth)`;
  return rl.loops !== undefined ? `, ${rl.loops} loops (${own})` : `, ${lp.count} loops`;
}

function verifyText(b: Bound, r: VerifyReport, engine: string): string {
  const head = `verify ${b.circuit.name}: ${modelSummaryLine(b.model, b)}; ${engine}\n`;
  const where = b.seq.readout === 'argmax' ? 'wire positions (argmax at each)' : 'CoT positions';
  if (r.ok) return head + `OK: ${r.inputs_tested} inputs, ${r.positions_checked} ${where}, 0 mismatches (${r.seconds.toFixed(2)} s)\n`;
  const f = r.first!;
  if (f.readAt === 'argmax') {
    return (
      head +
      `FAIL: ${r.mismatches} wrong values in ${r.positions_checked} ${where} over ${r.inputs_tested} inputs (${r.seconds.toFixed(2)} s)\n` +
      `first: input ${f.input} (bits ${f.bits || 'none'}), ${f.gateLabel}: the argmax at position ${f.position} is '${f.produced}' where '${f.expected}' was expected\n`
    );
  }
  const lines = [
    head + `FAIL: ${r.mismatches} wrong tokens in ${r.positions_checked} CoT positions over ${r.inputs_tested} inputs (${r.seconds.toFixed(2)} s)`,
    `first: input ${f.input} (bits ${f.bits || 'none'}: trace it with --bits), position ${f.position + 1} holds '${f.produced}' where '${f.expected}' was expected`,
    `  gate ${f.gate}: ${f.gateLabel}`,
    ...f.heads.map((h) => `  ${h.name}: target ${h.target} weight ${h.targetWeight.toPrecision(3)}; top ${h.top.map((t) => `${t.pos}:${t.weight.toPrecision(3)}`).join(' ')} (${f.detailArith})`),
  ];
  return lines.join('\n') + '\n';
}
