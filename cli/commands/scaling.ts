// `gatecot scaling`: resources, smallest precision and margins across circuit sizes; a table
// and SVG plots.

import { join } from 'node:path';
import type { Command } from 'commander';
import { runScaling, scalingPlots, scalingTable, SIZE_OPTION } from '../../proofs/scaling.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { writeOutput } from '../files.js';
import { parseCot } from '../load.js';

/** "16,64,256" or "16..65536" (powers of 4 between the ends). */
export function parseSizes(s: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(s);
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (a < 1 || b < a) throw new UsageError(`--sizes ${s}: expected A..B with 1 <= A <= B`);
    const out: number[] = [];
    for (let x = a; x <= b; x *= 4) out.push(x);
    return out;
  }
  const list = s.split(',').map((x) => x.trim());
  if (list.some((x) => !/^\d+$/.test(x) || Number(x) < 1)) throw new UsageError(`--sizes must be a list like 16,64,256 or a range 16..65536, got '${s}'`);
  return list.map(Number);
}

export function registerScaling(program: Command, ctx: CliContext): void {
  program
    .command('scaling')
    .description('resources, smallest precision and retrieval margin across sizes (table + SVG plots)')
    .option('--family <f>', `circuit family: ${Object.keys(SIZE_OPTION).join(', ')}`, 'random')
    .option('--sizes <list>', 'sizes (the family\'s size option): 16,64,... or A..B (powers of 4)', '16..65536')
    .option('--cot <format>', 'gate (default, as in the theorem) or 4tok', 'gate')
    .option('--seed <s>', 'seed of random families', '1')
    .option('-o, --output <dir>', 'write scaling.md, scaling.json and the SVG plots here')
    .option('--force', 'overwrite existing files')
    .option('--json', 'print the rows as JSON')
    .action((o: { family: string; sizes: string; cot: string; seed: string; output?: string; force?: boolean; json?: boolean }) => {
      const sizes = parseSizes(o.sizes);
      const cot = parseCot(o.cot);
      if (!ctx.io.isTTY && !o.json) ctx.io.out(`scaling ${o.family} (${cot} CoT), sizes ${sizes.join(', ')}\n`);
      const rows = runScaling({
        family: o.family,
        sizes,
        cot,
        seed: o.seed,
        onRow: (r) => ctx.io.err(`scaling: size ${r.size} done (S ${r.S}, ${(r.compile_seconds + r.certify_seconds).toFixed(1)} s)\n`),
      });
      const table = scalingTable(rows);
      if (o.json) ctx.io.out(JSON.stringify(rows) + '\n');
      else ctx.io.out(table);
      if (o.output) {
        const force = Boolean(o.force);
        writeOutput(join(o.output, 'scaling.md'), `# gatecot scaling: ${o.family}, ${cot} CoT\n\n${table}`, force);
        writeOutput(join(o.output, 'scaling.json'), JSON.stringify(rows, null, 1) + '\n', force);
        for (const [name, svg] of Object.entries(scalingPlots(rows, o.family, cot))) writeOutput(join(o.output, name), svg, force);
        ctx.io.out(`wrote ${o.output}/scaling.md, scaling.json, dmodel.svg, precision.svg, margin.svg\n`);
      }
    });
}
