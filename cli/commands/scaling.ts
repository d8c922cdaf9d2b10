// `gatecot scaling`: resources, smallest precision and margins across circuit sizes (positional),
// or across the capacities of uniform models (--mode uniform); a table and SVG plots. Output
// files that exist are refused (without --force) before anything is computed.

import { join } from 'node:path';
import { OptionError } from '../../common/errors.js';
import type { Command } from 'commander';
import { runScaling, scalingPlots, scalingTable, SIZE_OPTION } from '../../report/scaling.js';
import { DEFAULT_VERIFY_MAX, UNIFORM_FAMILIES, uniformScalingNotes, uniformScalingPlots, uniformScalingTable, type UniformFamily } from '../../report/scaling-uniform.js';
import { parseBackend } from '../engine-flags.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { prepareOutputDir, writeOutput } from '../files.js';
import { parseCot, parseMode } from '../load.js';

/** "16,64,256" or "16..65536" (powers of `step`, 4 by default, from A up to B). */
export function parseSizes(s: string, step = 4): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(s);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (a < 1 || b < a) throw new UsageError(`--sizes ${s}: expected A..B with 1 <= A <= B`);
    const out: number[] = [];
    for (let x = a; x <= b; x *= step) out.push(x);
    return out;
  }
  const list = s.split(',').map((x) => x.trim());
  if (list.some((x) => !/^\d+$/.test(x) || Number(x) < 1)) throw new UsageError(`--sizes must be a list like 16,64,256 or a range 16..65536, got '${s}'`);
  return list.map(Number);
}

interface ScalingFlags {
  mode: string;
  family?: string;
  sizes: string;
  cot?: string;
  seed: string;
  backend?: string;
  verifyMax?: string;
  verifyInputs?: string;
  output?: string;
  force?: boolean;
  json?: boolean;
}

const POSITIONAL_FILES = ['scaling.md', 'scaling.json', 'dmodel.svg', 'precision.svg', 'margin.svg'];
const UNIFORM_FILES = ['scaling.md', 'scaling.json', 'dmodel.svg', 'compile.svg', 'filesize.svg', 'verify.svg', 'margin.svg'];

/** A family's size out of its generator's range, said in terms of --sizes. */
function sizeError(e: unknown, family: string): unknown {
  const opt = SIZE_OPTION[family];
  if (e instanceof OptionError && opt && e.option === opt) return new UsageError(`--sizes: a ${family} circuit's size is its ${e.message}`);
  return e;
}

function positiveInt(s: string, flag: string): number {
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`${flag} must be a positive integer, got '${s}'`);
  return Number(s);
}

function positional(ctx: CliContext, o: ScalingFlags): void {
  for (const [flag, v] of [['--backend', o.backend], ['--verify-max', o.verifyMax], ['--verify-inputs', o.verifyInputs]] as const) {
    if (v !== undefined) throw new UsageError(`${flag} goes with --mode uniform`);
  }
  const family = o.family ?? 'random';
  if (!SIZE_OPTION[family]) throw new UsageError(`--family must be one of ${Object.keys(SIZE_OPTION).join(', ')}, got '${family}'`);
  const sizes = parseSizes(o.sizes);
  const cot = parseCot(o.cot ?? 'gate');
  prepareOutputDir(o.output, POSITIONAL_FILES, Boolean(o.force));
  // The header goes out with the first row, so that a size the family cannot build fails first.
  let header = !ctx.io.isTTY && !o.json;
  let rows;
  try {
    rows = runScaling({
      family,
      sizes,
      cot,
      seed: o.seed,
      onRow: (r) => {
        if (header) ctx.io.out(`scaling ${family} (${cot} CoT), sizes ${sizes.join(', ')}\n`);
        header = false;
        ctx.io.err(`scaling: size ${r.size} done (S ${r.S}, ${(r.compile_seconds + r.certify_seconds).toFixed(1)} s)\n`);
      },
    });
  } catch (e) {
    throw sizeError(e, family);
  }
  const table = scalingTable(rows);
  if (o.json) ctx.io.out(JSON.stringify(rows) + '\n');
  else ctx.io.out(table);
  if (o.output) {
    const force = Boolean(o.force);
    writeOutput(join(o.output, 'scaling.md'), `# gatecot scaling: ${family}, ${cot} CoT\n\n${table}`, force);
    writeOutput(join(o.output, 'scaling.json'), JSON.stringify(rows, null, 1) + '\n', force);
    for (const [name, svg] of Object.entries(scalingPlots(rows, family, cot))) writeOutput(join(o.output, name), svg, force);
    ctx.io.out(`wrote ${o.output}/scaling.md, scaling.json, dmodel.svg, precision.svg, margin.svg\n`);
  }
}

async function uniform(ctx: CliContext, o: ScalingFlags): Promise<void> {
  if (o.cot !== undefined) throw new UsageError('--cot applies to --mode positional: a uniform model writes its own 4-token CoT per wire');
  const family = (o.family ?? 'random') as UniformFamily;
  if (!UNIFORM_FAMILIES.includes(family)) throw new UsageError(`--family of --mode uniform must be one of ${UNIFORM_FAMILIES.join(', ')}, got '${family}'`);
  const sizes = parseSizes(o.sizes, 2);
  const backend = parseBackend(o.backend ?? 'cpu');
  const verifyMax = o.verifyMax !== undefined ? positiveInt(o.verifyMax, '--verify-max') : DEFAULT_VERIFY_MAX;
  const verifyInputs = o.verifyInputs !== undefined ? positiveInt(o.verifyInputs, '--verify-inputs') : undefined;
  prepareOutputDir(o.output, UNIFORM_FILES, Boolean(o.force));
  if (!ctx.io.isTTY && !o.json) ctx.io.out(`scaling uniform (test circuits: ${family}), capacities ${sizes.join(', ')}, verified up to ${verifyMax}\n`);
  const rows = await runScaling({
    mode: 'uniform',
    sizes,
    family,
    seed: o.seed,
    backend,
    verifyMax,
    ...(verifyInputs !== undefined ? { verifyInputs } : {}),
    onRow: (r) =>
      ctx.io.err(`scaling: N ${r.capacity} done (compile ${r.compile_seconds.toFixed(2)} s${r.verify_seconds !== null ? `, verify ${r.verify_seconds.toFixed(1)} s, precision ${r.precision_seconds!.toFixed(1)} s` : ', not verified'})\n`),
  });
  const table = uniformScalingTable(rows);
  if (o.json) ctx.io.out(JSON.stringify(rows) + '\n');
  else ctx.io.out(table);
  if (o.output) {
    const force = Boolean(o.force);
    writeOutput(join(o.output, 'scaling.md'), `# gatecot scaling: uniform models, test circuits ${family}\n\n${uniformScalingNotes(rows)}\n${table}`, force);
    writeOutput(join(o.output, 'scaling.json'), JSON.stringify(rows, null, 1) + '\n', force);
    for (const [name, svg] of Object.entries(uniformScalingPlots(rows))) writeOutput(join(o.output, name), svg, force);
    ctx.io.out(`wrote ${o.output}/${UNIFORM_FILES.join(', ')}\n`);
  }
}

export function registerScaling(program: Command, ctx: CliContext): void {
  program
    .command('scaling')
    .description('resources, smallest precision and margins across sizes (positional) or uniform capacities (table + SVG plots)')
    .option('--mode <m>', 'positional (one model per circuit size) or uniform (one model per capacity N)', 'positional')
    .option('--family <f>', `circuit family: ${Object.keys(SIZE_OPTION).join(', ')}; --mode uniform: ${UNIFORM_FAMILIES.join(' or ')} (default random)`)
    .option('--sizes <list>', 'sizes (the family\'s size option; uniform: capacities N): 16,64,... or A..B (powers of 4; uniform: of 2)', '16..65536')
    .option('--cot <format>', 'gate (default, as in the theorem) or 4tok (positional)')
    .option('--seed <s>', 'seed of random families', '1')
    .option('--backend <b>', '--mode uniform: where the f32 verification runs: cpu (default), webgpu or auto')
    .option('--verify-max <N>', `--mode uniform: verify capacities up to N only (default ${DEFAULT_VERIFY_MAX})`)
    .option('--verify-inputs <K>', '--mode uniform: input vectors verified per capacity (default 4)')
    .option('-o, --output <dir>', 'write scaling.md, scaling.json and the SVG plots here')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the rows as JSON')
    .action(async (o: ScalingFlags) => {
      const mode = parseMode(o.mode);
      if (mode === 'uniform') await uniform(ctx, o);
      else if (mode === 'positional') positional(ctx, o);
      else throw new UsageError(`scaling runs --mode positional or uniform; for --mode ${mode} see gatecot experiment`);
    });
}
