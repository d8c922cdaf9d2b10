// `gatecot experiment`: accuracy of a fixed loop budget without CoT against CoT and loops = depth,
// over the task families and growing n (proofs/experiment.ts); `gatecot experiment merge DIR...`
// puts the experiment.json files of shards (--shard I/N) back together. -o DIR writes
// experiment.md, experiment.json and the SVG plots; existing files are refused before any work.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { experimentMarkdown, experimentPlots, plotNames } from '../../report/experiment-report.js';
import {
  checkConfig,
  DEFAULT_BUDGETS,
  DEFAULT_FAMILIES,
  DEFAULT_TRIALS,
  experimentCells,
  FAMILIES,
  ITERSQ_P,
  mergeExperiments,
  runExperiment,
  type ExperimentConfig,
  type ExperimentResult,
} from '../../report/experiment.js';
import { parseShard } from '../../fuzz/index.js';
import type { CliContext } from '../context.js';
import { UsageError, forOptions } from '../errors.js';
import { prepareOutputDir, writeOutput } from '../files.js';
import { collect } from './shared.js';
import { parseSizes } from './scaling.js';

interface ExperimentFlags {
  families?: string;
  sizes: string[];
  inputs?: string;
  budgets?: string;
  seed?: string;
  shard?: string;
  jobs?: string;
  output?: string;
  force?: boolean;
  json?: boolean;
}

interface MergeFlags {
  output?: string;
  force?: boolean;
  json?: boolean;
}

const positiveInt = (s: string, flag: string, min = 1): number => {
  if (!/^\d+$/.test(s.trim()) || Number(s) < min || !Number.isSafeInteger(Number(s))) throw new UsageError(`${flag} must be an integer of at least ${min}, got '${s}'`);
  return Number(s);
};

/** "0,1,2" (whole numbers) or A..B (powers of 2 from A). */
function sizeList(s: string): number[] {
  if (s.includes('..')) return parseSizes(s, 2);
  const parts = s.split(',');
  return parts.map((x) => positiveInt(x, '--sizes', 0));
}

function parseFamilies(s: string | undefined): string[] {
  const fams = (s ?? DEFAULT_FAMILIES.join(',')).split(',').map((f) => f.trim());
  const bad = fams.find((f) => !FAMILIES[f]);
  if (bad !== undefined) throw new UsageError(`--families: unknown family '${bad}' (families: ${Object.keys(FAMILIES).join(', ')})`);
  return fams;
}

/** --sizes LIST (every family) or FAMILY:LIST (one family; repeatable); the rest keep their defaults. */
function parseSizeFlags(flags: string[], families: string[]): Record<string, number[]> {
  const sizes: Record<string, number[]> = Object.fromEntries(families.map((f) => [f, FAMILIES[f]!.defaultSizes]));
  for (const flag of flags) {
    const m = /^([a-z0-9-]+):(.*)$/.exec(flag.trim());
    if (!m) {
      const list = sizeList(flag);
      for (const f of families) sizes[f] = list;
      continue;
    }
    if (!families.includes(m[1]!)) throw new UsageError(`--sizes ${flag}: '${m[1]}' is not one of the families run (${families.join(', ')})`);
    sizes[m[1]!] = sizeList(m[2]!);
  }
  return sizes;
}

function configOf(o: ExperimentFlags): ExperimentConfig {
  const families = parseFamilies(o.families);
  const cfg: ExperimentConfig = {
    families,
    sizes: parseSizeFlags(o.sizes, families),
    inputs: positiveInt(o.inputs ?? String(DEFAULT_TRIALS), '--inputs'),
    budgets: (o.budgets ?? DEFAULT_BUDGETS.join(',')).split(',').map((b) => positiveInt(b, '--budgets')),
    seed: String(positiveInt(o.seed ?? '1', '--seed', 0)),
    itersq_p: ITERSQ_P,
  };
  checkConfig(cfg);
  // Every cell's circuit is built once up front, so a size its generator refuses stops the run before any work.
  for (const c of experimentCells(cfg)) FAMILIES[c.family]!.build(c.n, cfg.seed);
  return cfg;
}

/** The arguments of `gatecot experiment` that rerun a config. */
function argsOf(cfg: ExperimentConfig): string[] {
  const sizes = cfg.families.flatMap((f) => ['--sizes', `${f}:${cfg.sizes[f]!.join(',')}`]);
  return ['--families', cfg.families.join(','), ...sizes, '--inputs', String(cfg.inputs), '--budgets', cfg.budgets.join(','), '--seed', cfg.seed];
}

/** The command line that reruns a config (stated in the report). */
function commandOf(cfg: ExperimentConfig): string {
  return ['gatecot experiment', ...argsOf(cfg)].join(' ');
}

/** The gatecot binary (bin/gatecot.js), from dist/cli/commands or from the sources. */
function binary(): string {
  const candidates = ['../../../bin/gatecot.js', '../../bin/gatecot.js'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('bin/gatecot.js not found beside the CLI');
  return found;
}

/** One cell in a child process (`gatecot experiment` with a config of that cell only, --json); its progress line goes to stderr. */
function runCellProcess(ctx: CliContext, cfg: ExperimentConfig, family: string, n: number): Promise<ExperimentResult> {
  const one: ExperimentConfig = { ...cfg, families: [family], sizes: { [family]: [n] } };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary(), 'experiment', ...argsOf(one), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      const lines = err.split('\n');
      err = lines.pop()!;
      for (const l of lines) ctx.io.err(l + '\n');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the experiment process for ${family} n=${n} exited with ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out) as ExperimentResult);
      } catch {
        reject(new Error(`the experiment process for ${family} n=${n} printed no JSON result`));
      }
    });
  });
}

/**
 * A rough relative cost of a cell, to start the long ones first: looped-cot dominates, T loops
 * over S positions for every trial, plus per-loop attention scores shared by the batch (~S^2);
 * a cvp trial is a whole instance (its models compiled, its engines built: about 4x).
 */
function cellCost(cfg: ExperimentConfig, family: string, n: number): number {
  const spec = FAMILIES[family]!;
  const c = spec.build(n, cfg.seed);
  const T = c.ops.length;
  const S = 1 + c.nInputs + T;
  const trials = spec.instances ? cfg.inputs : Math.min(cfg.inputs, 2 ** Math.min(c.nInputs, 30));
  return T * S * (trials + S / 8) * (spec.instances ? 4 : 1);
}

/**
 * The whole experiment with `jobs` cells running at once, each in its own process (the costliest
 * first, so a long cell does not start last), put back in order: the wall time of the whole, the
 * CPU time summed over the processes.
 */
async function runInJobs(ctx: CliContext, cfg: ExperimentConfig, jobs: number): Promise<ExperimentResult> {
  const t0 = performance.now();
  const load0 = loadavg()[0]!;
  const cells = experimentCells(cfg);
  const key = (c: { family: string; n: number }) => `${c.family} ${c.n}`;
  const cost = new Map(cells.map((c) => [key(c), cellCost(cfg, c.family, c.n)]));
  const queue = [...cells].sort((a, b) => cost.get(key(b))! - cost.get(key(a))!);
  const done = new Map<string, ExperimentResult>();
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) done.set(key(c), await runCellProcess(ctx, cfg, c.family, c.n));
  };
  await Promise.all(Array.from({ length: Math.min(jobs, cells.length) }, worker));
  const parts = cells.map((c) => done.get(key(c))!);
  return {
    experiment: 'gatecot experiment',
    version: parts[0]!.version,
    config: cfg,
    shard: null,
    cells_total: cells.length,
    cells: parts.map((p) => p.cells[0]!),
    machine: parts[0]!.machine,
    seconds: (performance.now() - t0) / 1000,
    cpu_seconds: parts.reduce((a, p) => a + p.cpu_seconds, 0),
    load_average: load0,
  };
}

function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}`;
}

function outputNames(cfg: ExperimentConfig): string[] {
  return ['experiment.md', 'experiment.json', ...plotNames(cfg.families)];
}

function emit(ctx: CliContext, r: ExperimentResult, o: { output?: string; force?: boolean; json?: boolean; shards?: number; jobs?: number }): void {
  const command = commandOf(r.config) + (o.jobs !== undefined ? ` --jobs ${o.jobs}` : '');
  const md = experimentMarkdown(r, { command, ...(o.shards !== undefined ? { shards: o.shards } : {}), ...(o.jobs !== undefined ? { jobs: o.jobs } : {}) });
  ctx.io.out(o.json ? JSON.stringify(r) + '\n' : md);
  if (!o.output) return;
  const force = Boolean(o.force);
  writeOutput(join(o.output, 'experiment.md'), md, force);
  writeOutput(join(o.output, 'experiment.json'), JSON.stringify(r, null, 1) + '\n', force);
  for (const [name, svg] of Object.entries(experimentPlots(r))) writeOutput(join(o.output, name), svg, force);
  if (!o.json) ctx.io.out(`wrote ${o.output}/${outputNames(r.config).join(', ')}\n`);
}

function readResult(dir: string): ExperimentResult {
  const path = join(dir, 'experiment.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as ExperimentResult;
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
}

export function registerExperiment(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('experiment')
    .description('accuracy without CoT at a fixed loop budget against CoT, looped (loops = depth) and looped-cot, over modadd, s5, itersq and cvp for growing n; tables and SVG plots')
    .option('--families <list>', `families, comma-separated: ${Object.keys(FAMILIES).join(', ')} (default ${DEFAULT_FAMILIES.join(',')})`)
    .option('--sizes <spec>', 'sizes n: LIST for every family, or FAMILY:LIST (repeatable); LIST = 1,2,4 or A..B (powers of 2)', collect, [])
    .option('--inputs <n>', `trials per cell: random inputs, or cvp instances (default ${DEFAULT_TRIALS})`)
    .option('--budgets <list>', `loop budgets of the model without CoT (default ${DEFAULT_BUDGETS.join(',')})`)
    .option('--seed <s>', 'seed of the random inputs and the first cvp instance (default 1)')
    .option('--shard <I/N>', 'run only the cells i (in order) with i mod N = I-1; put the parts together with `experiment merge`')
    .option('--jobs <J>', 'run J cells at once, each in its own process, e.g. one per core (default 1)')
    .option('-o, --output <dir>', 'write experiment.md, experiment.json and the plots here')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the result as one JSON object')
    .action(async (o: ExperimentFlags) => {
      const shard = o.shard !== undefined ? forOptions(() => parseShard(o.shard!)) : undefined;
      const jobs = o.jobs !== undefined ? positiveInt(o.jobs, '--jobs') : 1;
      if (shard && jobs > 1) throw new UsageError('--jobs runs every cell of the experiment: it does not combine with --shard');
      const cfg = configOf(o);
      prepareOutputDir(o.output, outputNames(cfg), Boolean(o.force));
      const r =
        jobs > 1
          ? await runInJobs(ctx, cfg, jobs)
          : await runExperiment({
              config: cfg,
              ...(shard ? { shard } : {}),
              machine: machine(),
              onCell: (c) => ctx.io.err(`experiment: ${c.family} n=${c.n} done (T ${c.gates}, D ${c.depth}, ${c.seconds.toFixed(1)} s)\n`),
            });
      emit(ctx, r, { output: o.output, force: o.force, json: o.json, ...(jobs > 1 ? { jobs } : {}) });
    });
  cmd
    .command('merge')
    .description('put the experiment.json files of shards (--shard I/N) back together: the same tables and plots as one run')
    .argument('<dirs...>', 'output directories of the shards')
    .option('-o, --output <dir>', 'write the merged experiment.md, experiment.json and plots here (required)')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the merged result as one JSON object')
    .action((dirs: string[], own: MergeFlags) => {
      // commander hands options it knows from `experiment` (-o, --force, --json) to the parent wherever they stand.
      const parent = cmd.opts<MergeFlags>();
      const o: MergeFlags = { output: own.output ?? parent.output, force: own.force ?? parent.force, json: own.json ?? parent.json };
      if (o.output === undefined) throw new UsageError('experiment merge needs -o DIR: where the merged tables and plots go');
      const r = mergeExperiments(dirs.map((d) => ({ name: d, result: readResult(d) })));
      prepareOutputDir(o.output, outputNames(r.config), Boolean(o.force));
      emit(ctx, r, { ...o, shards: dirs.length });
    });
}
