// `gatecot fuzz`: random circuits compiled, verified and shrunk (fuzz/), or, with
// --parsers, damaged files of every format through the readers. --mode positional (default)
// compiles each case in each CoT format; --mode uniform compiles (or loads, --model) ONE uniform
// model before the first case and runs every case through it (fuzz/uniform.ts). Exit 0 when nothing failed,
// 1 when something did, 2 for bad options; an interrupted campaign (Ctrl-C) stops after the
// current case, prints its summary and exits 1 if it found something, else 130. The backend is
// chosen once (fuzz/backend.ts); by default `auto`: the WebGPU engine where there is an
// adapter, so that the fuzzer checks the GPU engine where there is one (README: Backends).
// `--shard auto` takes this job's shard from Kubernetes or Slurm (cli/shard-env.ts);
// `gatecot fuzz merge` (fuzz-merge.ts) joins the shards' outputs into one campaign summary.

import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { CircuitError } from '../../circuits/index.js';
import { MAX_CAPACITY, parseFault, type CotFormat } from '../../compiler/index.js';
import { parseBackend } from '../engine-flags.js';
import { DEFAULT_RADIUS, cpuKernelFor, parseArith, refuseFastUnlessF32, type BackendChoice, type Radius } from '../../runtime/index.js';
import { builtinSeeds, corpusSeeds, DEFAULT_GATES, DEFAULT_INPUTS, FindingWriter, MAX_GATES, MAX_INPUTS, ParserFindingWriter, WHOLE, WorkerParseRunner, campaignKey, checkMix, compileUniformTarget, largestCase, loadUniformTarget, openFuzzBackend, parseLocality, parseRange, parseShard, rangeText, runCampaign, runParserCampaign, type CampaignOptions, type Range, type FuzzBackend, type ParserCampaignOptions, type Shard, type UniformTarget } from '../../fuzz/index.js';
import { parseMode } from '../load.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED, UsageError, forFlag, forOptions } from '../errors.js';
import { shardFromEnv } from '../shard-env.js';
import { WorkProgress } from '../progress.js';
import { registerFuzzMerge } from './fuzz-merge.js';
import { attentionFlags, CPU_KERNEL_OPTION, CPU_THREADS_OPTION, cpuEngineOptions } from './shared.js';
import {
  caseJson,
  extentJson,
  findingJson,
  findingText,
  jsonLine,
  parserCaseJson,
  parserFindingText,
  parserSummaryJson,
  parserSummaryText,
  summaryJson,
  summaryText,
  uniformJson,
  uniformText,
} from './fuzz-output.js';

interface FuzzFlags {
  seed: string;
  count?: string;
  index?: string;
  timeBudget?: string;
  gates?: string;
  inputs?: string;
  gateMix?: string;
  locality?: string;
  cot: string;
  arith: string;
  backend: string;
  cpuKernel?: string;
  cpuThreads?: string;
  samples: string;
  shard?: string;
  shards?: string;
  out: string;
  json?: boolean;
  injectFault?: string;
  maxFailures?: string;
  shrink: boolean;
  shrinkTime: string;
  parsers?: boolean;
  corpus?: string;
  parseTimeout: string;
  mode?: string;
  maxWires?: string;
  model?: string;
  attention?: string;
  radius?: string;
}

const DEFAULT_COUNT = 100;

/** --attention sparse / --radius as check options (the sparse engine is the only one with them). */
function sparseFlags(o: FuzzFlags): { attention?: 'sparse'; radius?: Radius } {
  const a = attentionFlags(o);
  return a.attention === 'sparse' ? { attention: 'sparse', ...(a.radius !== undefined ? { radius: a.radius } : {}) } : {};
}

/** Sparse attention runs on the CPU: --backend auto means cpu there, webgpu is refused. */
function sparseBackend(b: BackendChoice, sparse: boolean): BackendChoice {
  if (!sparse) return b;
  if (b === 'webgpu') throw new UsageError('--attention sparse runs on the CPU: use --backend cpu (or auto)');
  return 'cpu';
}
const DEFAULT_PARSER_COUNT = 1000;
const EXIT_INTERRUPTED = 130;

function intFlag(s: string, flag: string, min: number, max: number): number {
  const v = /^\s*\d+\s*$/.test(s) ? Number(s) : NaN;
  if (!(v >= min && v <= max)) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${s}'`);
  return v;
}

function secondsFlag(s: string, flag: string): number {
  const v = /^\s*(\d+(\.\d*)?|\.\d+)\s*$/.test(s) ? Number(s) : NaN;
  if (!(v > 0)) throw new UsageError(`${flag} must be a positive number of seconds, got '${s}'`);
  return v;
}

function seedFlag(s: string): bigint {
  if (!/^\s*(\d+|0x[0-9a-f]+)\s*$/i.test(s)) throw new UsageError(`--seed must be a non-negative integer (decimal or 0x hex), got '${s}'`);
  const v = BigInt(s.trim());
  if (v >= 1n << 64n) throw new UsageError(`--seed must be below 2^64, got '${s}'`);
  return v;
}

function cotsFlag(s: string): CotFormat[] {
  if (s === 'both') return ['gate', '4tok'];
  if (s === 'gate' || s === '4tok') return [s];
  throw new UsageError(`--cot must be 4tok, gate or both, got '${s}'`);
}

interface Extent {
  count?: number;
  index?: number;
  timeBudget?: number;
  shard: Shard;
  /** --shard auto: where the shard came from, in words. */
  shardFrom?: string;
}

/** --shard I/N, or --shard auto (with --shards N) from the batch system's environment. */
function shardOf(o: FuzzFlags): { shard: Shard; from?: string } {
  const shards = o.shards !== undefined ? intFlag(o.shards, '--shards', 1, 2 ** 31) : undefined;
  if (o.shard === undefined || o.shard.trim() !== 'auto') {
    if (shards !== undefined) throw new UsageError('--shards N goes with --shard auto (--shard I/N names its count itself)');
    return { shard: o.shard !== undefined ? forOptions(() => parseShard(o.shard!)) : WHOLE };
  }
  return shardFromEnv(process.env, shards);
}

/** Refuses ranges that can draw a case over the capacity (`source` says where it came from). */
function checkCapacity(o: { gates: Range; inputs: Range }, capacity: number, source: string): void {
  const w = largestCase(o);
  if (w > capacity) {
    throw new UsageError(
      `--inputs ${rangeText(o.inputs)} and --gates ${rangeText(o.gates)} can draw circuits of ${w} wires, more than the model's capacity of ${capacity} (${source}): narrow the ranges or use a larger model`,
    );
  }
}

/** Extent shared by both campaigns: count, index, time budget, shard. */
function extent(o: FuzzFlags, defaultCount: number): Extent {
  if (o.index !== undefined && o.shard !== undefined) throw new UsageError('--index runs one case: it cannot be combined with --shard');
  const { shard, from } = shardOf(o);
  const r: Extent = { shard, ...(from !== undefined ? { shardFrom: from } : {}) };
  if (o.index !== undefined) r.index = intFlag(o.index, '--index', 0, 2 ** 31);
  if (o.timeBudget !== undefined) r.timeBudget = secondsFlag(o.timeBudget, '--time-budget');
  if (o.count !== undefined) r.count = intFlag(o.count, '--count', 1, 2 ** 31);
  else if (r.timeBudget === undefined) r.count = defaultCount;
  return r;
}

/** --out names a folder for the findings: a file there is refused before any case runs. */
function checkOutFolder(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file: it names the folder that findings are written to`);
}

/** One line on stderr naming the shard --shard auto chose and why (a job's log shows it). */
function shardNotice(ctx: CliContext, e: Extent): void {
  if (e.shardFrom !== undefined) ctx.io.err(`gatecot: --shard auto: shard ${e.shard.index}/${e.shard.count} from ${e.shardFrom}\n`);
}

function extentText(e: { count?: number; index?: number; shard: Shard }, seed: bigint): string {
  if (e.index !== undefined) return `seed ${seed}, case ${e.index}`;
  const range = e.count === undefined ? 'cases 0..' : `cases 0..${e.count - 1}`;
  return `seed ${seed}, ${range}${e.shard.count > 1 ? `, shard ${e.shard.index}/${e.shard.count}` : ''}`;
}

/** Stops the campaign after the current case on the first Ctrl-C; the second one kills. */
function interruptible<T>(run: (signal: AbortSignal) => Promise<T>, onStop: () => void): Promise<T> {
  const ac = new AbortController();
  const handler = (): void => {
    if (ac.signal.aborted) process.exit(EXIT_INTERRUPTED);
    onStop();
    ac.abort();
  };
  process.on('SIGINT', handler);
  return run(ac.signal).finally(() => process.off('SIGINT', handler));
}

const CIRCUIT_ONLY: (keyof FuzzFlags)[] = ['gates', 'inputs', 'gateMix', 'locality', 'injectFault', 'maxFailures', 'mode', 'maxWires', 'model', 'attention', 'radius'];

/**
 * The uniform campaign's model, compiled (capacity --max-wires, default the largest case the
 * ranges can draw; with --inject-fault, the uniform fault) or loaded (--model); undefined for a
 * positional campaign. Ranges that can draw a case over the capacity are refused before anything runs.
 */
function uniformModel(o: FuzzFlags, opts: CampaignOptions, given: (k: keyof FuzzFlags) => boolean): UniformTarget | undefined {
  const mode = parseMode(o.mode);
  if (mode !== 'positional' && mode !== 'uniform') throw new UsageError(`fuzz runs --mode positional or uniform; --mode ${mode} is checked by verify and experiment`);
  if (mode === 'positional') {
    if (o.maxWires !== undefined || o.model !== undefined) throw new UsageError(`--${o.model !== undefined ? 'model' : 'max-wires'} goes with --mode uniform`);
    return undefined;
  }
  if (given('cot')) throw new UsageError('--cot applies to --mode positional: a uniform model writes its own 4-token CoT per wire');
  if (o.model !== undefined) {
    if (o.maxWires !== undefined) throw new UsageError('--model gives the capacity: it cannot be combined with --max-wires');
    if (o.injectFault !== undefined) throw new UsageError('--inject-fault compiles a faulty model: it cannot be combined with --model (compile one with gatecot compile --uniform --inject-fault)');
    const t = forFlag('--model', () => loadUniformTarget(o.model!));
    checkCapacity(opts, t.capacity, `--model ${o.model}`);
    return t;
  }
  const capacity = o.maxWires !== undefined ? intFlag(o.maxWires, '--max-wires', 2, MAX_CAPACITY) : Math.max(2, largestCase(opts));
  checkCapacity(opts, capacity, o.maxWires !== undefined ? '--max-wires' : 'the largest the ranges allow');
  return compileUniformTarget(capacity, opts.check.fault);
}

async function circuitCampaign(ctx: CliContext, o: FuzzFlags, given: (k: keyof FuzzFlags) => boolean): Promise<void> {
  const e = extent(o, DEFAULT_COUNT);
  const seed = seedFlag(o.seed);
  shardNotice(ctx, e);
  const fault = o.injectFault !== undefined ? parseFault(o.injectFault) : undefined;
  const att = sparseFlags(o);
  const opts: CampaignOptions = {
    seed,
    ...e,
    gates: o.gates !== undefined ? forOptions(() => parseRange(o.gates!, 'gates', 1, MAX_GATES)) : DEFAULT_GATES,
    inputs: o.inputs !== undefined ? forOptions(() => parseRange(o.inputs!, 'inputs', 0, MAX_INPUTS)) : DEFAULT_INPUTS,
    cots: cotsFlag(o.cot),
    check: { arith: o.arith, backend: sparseBackend(parseBackend(o.backend), att.attention !== undefined), ...(fault ? { fault } : {}), cpu: cpuEngineOptions(o), ...att },
    samples: intFlag(o.samples, '--samples', 0, 100_000),
    shrink: o.shrink,
    shrinkSeconds: secondsFlag(o.shrinkTime, '--shrink-time'),
  };
  if (opts.check.cpu?.cpuKernel === 'fast') refuseFastUnlessF32(parseArith(o.arith)); // before any case
  if (o.gateMix !== undefined) opts.mix = forOptions(() => checkMix(o.gateMix!), { mix: '--gate-mix' });
  if (o.locality !== undefined) opts.locality = forOptions(() => parseLocality(o.locality!));
  if (o.maxFailures !== undefined) opts.maxFailures = intFlag(o.maxFailures, '--max-failures', 1, 2 ** 31);
  const uniform = uniformModel(o, opts, given);
  if (uniform) opts.uniform = uniform;
  // Chosen once (fails early, with one line, where it cannot run); one device for the whole campaign.
  const runOn = await openFuzzBackend(opts.check.backend, opts.check.arith, {}, opts.check.cpu?.cpuKernel);
  try {
    if (runOn.notice) ctx.io.err(`gatecot: ${runOn.notice}\n`);
    if (uniform && !o.json) ctx.io.err(`gatecot: ${uniformText(uniform)}\n`);
    await runCircuitCampaign(ctx, o, opts, runOn, e, seed);
  } finally {
    runOn.gpu?.close();
  }
}

async function runCircuitCampaign(ctx: CliContext, o: FuzzFlags, opts: CampaignOptions, runOn: FuzzBackend, e: Extent, seed: bigint): Promise<void> {
  const what =
    extentText(e, seed) +
    (opts.uniform ? `, uniform model N=${opts.uniform.capacity} (sha256 ${opts.uniform.sha256.slice(0, 12)})` : '') +
    (opts.check.attention ? `, sparse attention (radius ${opts.check.radius ?? DEFAULT_RADIUS})` : '');
  const io = ctx.io;
  const total = e.index !== undefined ? 1 : e.count === undefined ? undefined : Math.ceil(Math.max(0, e.count - (e.shard.index - 1)) / e.shard.count);
  const progress = new WorkProgress(io, 'fuzz', 'cases', total, undefined, { enabled: io.isTTY && !o.json });
  checkOutFolder(o.out);
  const writer = new FindingWriter(o.out, opts);
  let done = 0;
  let failed = 0;
  if (o.json) {
    const adapter = runOn.gpu ? { adapter: runOn.gpu.adapter } : {};
    const mode = opts.uniform ? { ...uniformJson(opts.uniform), cot: 'uniform' } : { mode: 'positional', cot: opts.cots };
    jsonLine(io, { event: 'start', kind: 'circuits', seed: String(seed), ...extentJson(e), options: campaignKey(opts), backend: runOn.used, ...adapter, ...mode, out: o.out });
  }
  const summary = await interruptible(
    (signal) =>
      runCampaign(
        { ...opts, runOn, signal },
        {
          onCase: (r) => {
            done++;
            if (!r.ok) failed++;
            if (o.json) jsonLine(io, caseJson(r, opts.uniform));
            progress.update(done, failures(failed));
          },
          onFailure: (f) => {
            writer.writeOriginal(f);
          },
          onFinding: (f) => {
            const files = writer.writeFinding(f);
            progress.clear();
            if (o.json) jsonLine(io, findingJson(f, files));
            else io.out(findingText(f, files));
            progress.update(done, failures(failed), true);
          },
        },
      ),
    () => io.err('\ngatecot: interrupted: stopping after this case (Ctrl-C again to quit now)\n'),
  );
  progress.update(done, failures(failed), true);
  progress.clear();
  if (o.json) jsonLine(io, summaryJson(summary, seed, opts.uniform));
  else io.out(summaryText(summary, what, { sparse: opts.check.attention === 'sparse', cpuKernel: cpuKernelFor(opts.check.arith, opts.check.cpu?.cpuKernel) }));
  if (summary.failedCases > 0) ctx.code = EXIT_CHECK_FAILED;
  else if (summary.stoppedBy === 'interrupted') ctx.code = EXIT_INTERRUPTED;
}

async function parserCampaign(ctx: CliContext, o: FuzzFlags, given: (k: keyof FuzzFlags) => boolean): Promise<void> {
  const bad = CIRCUIT_ONLY.find(given);
  if (bad) throw new UsageError(`--${bad.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies to circuit campaigns, not to --parsers`);
  const e = extent(o, DEFAULT_PARSER_COUNT);
  const seed = seedFlag(o.seed);
  shardNotice(ctx, e);
  let seeds = builtinSeeds();
  if (o.corpus !== undefined) {
    try {
      seeds = [...seeds, ...corpusSeeds(o.corpus)];
    } catch (err) {
      throw new CircuitError('io', `--corpus: cannot read ${o.corpus}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const opts: ParserCampaignOptions = { seed, ...e, seeds };
  const runner = new WorkerParseRunner({ timeoutMs: 1000 * secondsFlag(o.parseTimeout, '--parse-timeout') });
  checkOutFolder(o.out);
  const writer = new ParserFindingWriter(o.out, opts);
  const io = ctx.io;
  const total = e.index !== undefined ? 1 : e.count === undefined ? undefined : Math.ceil(Math.max(0, e.count - (e.shard.index - 1)) / e.shard.count);
  const progress = new WorkProgress(io, 'fuzz', 'mutants', total, undefined, { enabled: io.isTTY && !o.json });
  let done = 0;
  let problems = 0;
  if (o.json) jsonLine(io, { event: 'start', kind: 'parsers', seed: String(seed), ...extentJson(e), seed_files: seeds.length, out: o.out });
  try {
    const summary = await interruptible(
      (signal) =>
        runParserCampaign({ ...opts, signal }, runner, {
          onCase: (c) => {
            done++;
            if (o.json) jsonLine(io, parserCaseJson(c));
            progress.update(done, failures(problems));
          },
          onFinding: (c) => {
            problems++;
            const files = writer.write(c);
            progress.clear();
            if (o.json) jsonLine(io, { event: 'finding', index: c.index, format: c.format, status: c.outcome.status, message: c.outcome.message ?? null, files });
            else io.out(parserFindingText(c, files.file));
          },
        }),
      () => io.err('\ngatecot: interrupted: stopping after this mutant\n'),
    );
    progress.update(done, failures(problems), true);
    progress.clear();
    if (o.json) jsonLine(io, parserSummaryJson(summary, seed, seeds.length));
    else io.out(parserSummaryText(summary, `${extentText(e, seed)}, ${seeds.length} seed files`));
    if (summary.problems > 0) ctx.code = EXIT_CHECK_FAILED;
    else if (summary.stoppedBy === 'interrupted') ctx.code = EXIT_INTERRUPTED;
  } finally {
    await runner.close();
  }
}

const failures = (n: number): string => `${n} failure${n === 1 ? '' : 's'}`;

export function registerFuzz(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('fuzz')
    .description('random circuits through compile and verify, failures shrunk to minimal .gc files; --parsers: damaged files through the readers')
    .option('--seed <S>', 'campaign seed, 0..2^64-1', '1')
    .option('--count <N>', `cases 0..N-1 (default ${DEFAULT_COUNT}, --parsers ${DEFAULT_PARSER_COUNT}; unbounded with --time-budget alone)`)
    .option('--index <i>', 'run case i alone (reproduces case i of the campaign)')
    .option('--time-budget <sec>', 'start no case after this many seconds')
    .option('--gates <A..B>', `gates per circuit (default ${DEFAULT_GATES.min}..${DEFAULT_GATES.max})`)
    .option('--inputs <A..B>', `input wires per circuit (default ${DEFAULT_INPUTS.min}..${DEFAULT_INPUTS.max})`)
    .option('--gate-mix <mix>', 'fixed op weights, AND=3,XOR=1,... (default: drawn per case)')
    .option('--locality <X>', 'fixed locality in [0,1] (default: drawn per case)')
    .option('--mode <m>', 'positional (compile each case in each CoT format) or uniform (every case through ONE uniform model)', 'positional')
    .option('--max-wires <N>', '--mode uniform: capacity of the model (default: the largest inputs + gates the ranges allow)')
    .option('--model <file>', '--mode uniform: run every case through this uniform .safetensors model')
    .option('--cot <format>', '4tok, gate or both (--mode positional)', 'both')
    .option('--arith <mode>', 'f32, f64, f16, fixed:s or float:e,s', 'f32')
    .option('--backend <b>', 'auto (WebGPU where available, else the CPU), cpu or webgpu; chosen once for the whole campaign', 'auto')
    .option(...CPU_KERNEL_OPTION)
    .option(...CPU_THREADS_OPTION)
    .option('--samples <K>', 'random inputs per case besides all-zeros and all-ones (all inputs up to 5 input wires)', '16')
    .option('--shard <I/N|auto>', 'run only the cases i with i mod N = I-1; auto: from JOB_COMPLETION_INDEX (Kubernetes, with --shards N) or SLURM_ARRAY_TASK_ID (Slurm)')
    .option('--shards <N>', '--shard auto: the number of shards (a Kubernetes Indexed Job\'s completions; checked against a Slurm array\'s task count)')
    .option('--out <dir>', 'folder for failing circuits and reports', 'fuzz-findings')
    .option('--json', 'one JSON object per line: start, each case, each finding, summary')
    .option('--inject-fault <kind>', 'miscompile on purpose (weak-scale, swap-gate, off-by-one) to test the fuzzer; --mode uniform: the uniform model\'s counterpart')
    .option('--max-failures <N>', 'stop after N failing cases')
    .option('--no-shrink', 'write failing circuits as found, without shrinking them')
    .option('--shrink-time <sec>', 'time budget of each shrink', '60')
    .option('--attention <mode>', 'dense (default) or sparse: every check runs on the CPU sparse-attention engine (each argmax certified against the dense f32 run by an error bound, undecided positions run densely)')
    .option('--radius <r>', '--attention sparse: Hamming radius of the keys each head scores, or auto (the default)')
    .option('--parsers', 'fuzz the circuit file readers instead')
    .option('--corpus <dir>', '--parsers: also mutate the circuit files of this folder')
    .option('--parse-timeout <sec>', '--parsers: a parse that takes longer is a hang', '10');
  registerFuzzMerge(cmd, ctx);
  cmd.action(async (o: FuzzFlags) => {
    const given = (k: keyof FuzzFlags): boolean => cmd.getOptionValueSource(k) === 'cli';
    if (o.parsers) await parserCampaign(ctx, o, given);
    else {
      if (o.corpus !== undefined) throw new UsageError('--corpus applies to --parsers');
      await circuitCampaign(ctx, o, given);
    }
  });
}
