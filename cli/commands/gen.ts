// `gatecot gen FAMILY [options] -o FILE`: one subcommand per generator family, whose options
// come from the generator's own description.

import type { Command } from 'commander';
import { writableFormatOf, writeCircuit, writeCircuitFile, type WritableFormat } from '../../circuits/index.js';
import { GENERATORS, type GenOption } from '../../circuits/gen/index.js';
import type { CliContext } from '../context.js';
import { UsageError, forOptions } from '../errors.js';
import { writeOutput, writtenGateCount, writtenGates } from '../files.js';
import { circuitJson, printJson } from './json.js';

export function registerGen(program: Command, ctx: CliContext): void {
  const families = GENERATORS.map((g) => g.family).join(', ');
  const gen = program
    .command('gen')
    .description(`generate a circuit family (${families})`)
    .usage('<family> [options]')
    .argument('[family]')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpCommand(true)
    // Reached only when the first argument names no family (the families are subcommands).
    .action((family: string | undefined) => {
      if (family === undefined) throw new UsageError(`gen needs a family: ${families}`);
      if (family.startsWith('-')) throw new UsageError(`gen needs a family before its options: ${families}`);
      throw new UsageError(`unknown family '${family}'; the families are ${families}`);
    });
  for (const g of GENERATORS) {
    // No stray arguments: `--tree false` must not pass for a switch that is on.
    const sub = gen.command(g.family).description(g.summary).allowExcessArguments(false);
    for (const opt of g.options) {
      const flag = opt.kind === 'flag' ? `--${opt.name}` : `--${opt.name} <${opt.kind === 'string' ? 'value' : opt.kind}>`;
      const help = opt.default !== undefined ? `${opt.help} (default ${opt.default})` : opt.help;
      sub.option(flag, help);
    }
    sub
      .option('-o, --output <file>', 'output file (.gc, .txt = Bristol Fashion, or .cvp = circuit value problem, for families without inputs); default: .gc on stdout')
      .option('--force', 'overwrite an existing output file')
      .option('--json', 'print one JSON object (without -o: the .gc text in its field "text")')
      .action((o: Record<string, string | boolean | undefined>) => {
        const opts: Record<string, string> = {};
        for (const opt of g.options) {
          const key = camel(opt.name);
          const v = o[key];
          if (typeof v === 'string') opts[opt.name] = v;
          else if (v === true) opts[opt.name] = 'true';
        }
        const c = forOptions(() => g.build(opts));
        // gen --json: the family, every option's value (given, else its default; a switch: true/false), the circuit.
        const head = (): Record<string, unknown> => ({ family: g.family, options: optionValues(g.options, opts), circuit: circuitJson(c) });
        const out = typeof o.output === 'string' ? o.output : undefined;
        if (out === undefined) {
          const text = writeCircuit(c, 'gc');
          if (o.json) printJson(ctx, { ...head(), format: 'gc', gates_written: c.ops.length, text });
          else ctx.io.out(text);
          return;
        }
        const fmt: WritableFormat | undefined = writableFormatOf(out);
        if (!fmt) throw new UsageError(`cannot tell the output format from '${out}': use a .gc, .txt, .cvp, .aag, .aig, .bench or .blif name`);
        if (fmt === 'cvp' && c.nInputs > 0) {
          throw new UsageError(`cvp has no inputs, and ${g.family} makes ${c.nInputs} input wires: write a .gc file and fix them with 'gatecot convert FILE -o OUT.cvp --bits B'`);
        }
        const text = writeCircuitFile(c, fmt);
        writeOutput(out, text, o.force === true);
        if (o.json) printJson(ctx, { ...head(), format: fmt, gates_written: writtenGateCount(c, fmt, text), path: out });
        else ctx.io.out(`wrote ${out} (${g.family}, ${c.nInputs} inputs, ${writtenGates(c, fmt, text)})\n`);
      });
  }
}

function optionValues(options: GenOption[], given: Record<string, string>): Record<string, string | boolean> {
  const r: Record<string, string | boolean> = {};
  for (const opt of options) {
    const v = given[opt.name] ?? opt.default;
    if (opt.kind === 'flag') r[opt.name] = v === 'true';
    else if (v !== undefined) r[opt.name] = v;
  }
  return r;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}
