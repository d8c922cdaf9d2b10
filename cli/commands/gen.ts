// `gatecot gen FAMILY [options] -o FILE`: one subcommand per generator family, whose options
// come from the generator's own description.

import type { Command } from 'commander';
import { writableFormatOf, writeCircuit, type WritableFormat } from '../../circuits/index.js';
import { GENERATORS } from '../../circuits/gen/index.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { writeOutput } from '../files.js';

export function registerGen(program: Command, ctx: CliContext): void {
  const gen = program.command('gen').description('generate a circuit family (random, adder, multiplier, comparator, modadd, s5, itersq, cvp)');
  for (const g of GENERATORS) {
    const sub = gen.command(g.family).description(g.summary);
    for (const opt of g.options) {
      const flag = `--${opt.name} <${opt.kind === 'string' ? 'value' : opt.kind}>`;
      const help = opt.default !== undefined ? `${opt.help} (default ${opt.default})` : opt.help;
      sub.option(flag, help);
    }
    sub
      .option('-o, --output <file>', 'output file (.gc or .txt = Bristol Fashion); default: .gc on stdout')
      .option('--force', 'overwrite an existing output file')
      .action((o: Record<string, string | boolean | undefined>) => {
        const opts: Record<string, string> = {};
        for (const opt of g.options) {
          const key = camel(opt.name);
          const v = o[key];
          if (typeof v === 'string') opts[opt.name] = v;
        }
        const c = g.build(opts);
        const out = typeof o.output === 'string' ? o.output : undefined;
        if (out === undefined) {
          ctx.io.out(writeCircuit(c, 'gc'));
          return;
        }
        const fmt: WritableFormat | undefined = writableFormatOf(out);
        if (!fmt) throw new UsageError(`cannot tell the output format from '${out}': use a .gc or .txt name`);
        writeOutput(out, writeCircuit(c, fmt), o.force === true);
        ctx.io.out(`wrote ${out} (${g.family}, ${c.nInputs} inputs, ${c.ops.length} gates)\n`);
      });
  }
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}
