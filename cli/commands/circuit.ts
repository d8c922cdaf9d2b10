// Commands on circuits alone: stats, eval, convert.

import type { Command } from 'commander';
import {
  circuitStats,
  evalOutputsOne,
  inputBitsFromHex,
  outputHex,
  parseBitString,
  WRITABLE,
  writableFormatOf,
  writeCircuitFile,
  writeCvp,
  type BitOrder,
  type Circuit,
  type WritableFormat,
} from '../../circuits/index.js';
import type { CliContext } from '../context.js';
import { forFlag, UsageError } from '../errors.js';
import { loadCircuit, writeOutput, writtenGateCount, writtenGates } from '../files.js';
import { bitString, inputGroups, outputGroups, printJson, valuesJson, circuitJson } from './json.js';
import { inputOptions } from './shared.js';

export function parseOrder(s: string | undefined): BitOrder {
  if (s === undefined || s === 'lsb0' || s === 'msb0') return s ?? 'lsb0';
  throw new UsageError(`--order must be lsb0 or msb0, got '${s}'`);
}

/** Input bits from --input HEX (one per group) or --bits B. */
export function inputBitsFromOptions(c: ReturnType<typeof loadCircuit>, o: { input?: string[]; bits?: string; order?: string }): Uint8Array {
  const order = parseOrder(o.order);
  if (o.bits !== undefined) {
    if (o.input && o.input.length > 0) throw new UsageError('give either --input or --bits, not both');
    return forFlag('--bits', () => parseBitString(o.bits!, c.nInputs));
  }
  return forFlag('--input', () => inputBitsFromHex(c, o.input ?? [], order));
}

export function registerCircuitCommands(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('input/output widths, gate counts by type, depth, wires')
    .argument('<file>', 'circuit file')
    .option('--format <fmt>', 'input format (default: from the extension or the content)')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--json', 'print one JSON object')
    .action((file: string, o: { format?: string; json?: boolean }) => {
      const c = loadCircuit(file, o);
      const s = circuitStats(c);
      if (o.json) {
        // inputs/outputs: the widths (kept as they were); input_groups/output_groups: names and widths.
        printJson(ctx, { name: s.name, inputs: s.inputs, outputs: s.outputs, input_groups: inputGroups(c), output_groups: outputGroups(c), gates: s.gates, total_gates: s.total_gates, depth: s.depth, wires: s.wires });
        return;
      }
      const groups = (gs: { name: string; width: number }[]): string => gs.map((g) => `${g.name}[${g.width}]`).join(' ') || '-';
      const mix = Object.entries(s.gates).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
      ctx.io.out(
        [
          `circuit  ${s.name}`,
          `inputs   ${s.inputs.reduce((a, b) => a + b, 0)} wires: ${groups(c.inputs)}`,
          `outputs  ${s.outputs.reduce((a, b) => a + b, 0)} wires: ${groups(outputGroups(c))}`,
          `gates    ${s.total_gates}${mix ? ` (${mix})` : ''}`,
          `depth    ${s.depth}`,
          `wires    ${s.wires}`,
          '',
        ].join('\n'),
      );
    });

  inputOptions(program.command('eval').description('evaluate a circuit directly on one input').argument('<file>', 'circuit file'))
    .option('--format <fmt>', 'input format')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--json', 'print one JSON object')
    .action((file: string, o: { input: string[]; bits?: string; order: string; format?: string; json?: boolean }) => {
      const c = loadCircuit(file, o);
      const bits = inputBitsFromOptions(c, o);
      const out = evalOutputsOne(c, bits);
      if (o.json) printJson(ctx, evalJson(c, bits, out, parseOrder(o.order)));
      else if (o.bits !== undefined) ctx.io.out(Array.from(out).join('') + '\n');
      else ctx.io.out(outputHex(c, out, parseOrder(o.order)).map((h) => h + '\n').join(''));
    });

  program
    .command('convert')
    .description('convert a circuit to .gc, Bristol Fashion or cvp (by the output extension)')
    .argument('<in>', 'circuit file')
    .requiredOption('-o, --output <file>', 'output file (.gc, .txt/.bristol for Bristol Fashion, .cvp for the circuit value problem, .aag/.aig AIGER, .bench, .blif)')
    .option('--to <fmt>', `output format: ${WRITABLE.join(', ')} (default: from the extension)`)
    .option('--bits <bits>', 'cvp only: fix all input wires to this 0/1 string (first character = first wire); required when the circuit has inputs')
    .option('--format <fmt>', 'input format')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--force', 'overwrite an existing output file')
    .option('--json', 'print one JSON object')
    .action((input: string, o: { output: string; to?: string; bits?: string; format?: string; force?: boolean; json?: boolean }) => {
      let fmt: WritableFormat | undefined;
      if (o.to !== undefined) {
        if (!(WRITABLE as readonly string[]).includes(o.to)) throw new UsageError(`--to must be one of ${WRITABLE.join(', ')}, got '${o.to}'`);
        fmt = o.to as WritableFormat;
      } else {
        fmt = writableFormatOf(o.output);
        if (!fmt) throw new UsageError(`cannot tell the output format from '${o.output}': use a .gc, .txt, .cvp, .aag, .aig, .bench or .blif name, or --to`);
      }
      if (o.bits !== undefined && fmt !== 'cvp') throw new UsageError(`--bits fixes the inputs of a cvp output only; the output format is ${fmt}`);
      const c = loadCircuit(input, o);
      let text: string | Uint8Array;
      if (fmt === 'cvp') {
        if (c.nInputs > 0 && o.bits === undefined) throw new UsageError(`cvp has no inputs: give the input bits (--bits): ${input} has ${c.nInputs} input wires`);
        text = writeCvp(c, o.bits === undefined ? undefined : forFlag('--bits', () => parseBitString(o.bits!, c.nInputs)));
      } else {
        text = writeCircuitFile(c, fmt);
      }
      writeOutput(o.output, text, Boolean(o.force));
      if (o.json) printJson(ctx, { from: input, path: o.output, format: fmt, circuit: circuitJson(c), gates_written: writtenGateCount(c, fmt, text), bytes: typeof text === 'string' ? Buffer.byteLength(text) : text.length });
      else ctx.io.out(`wrote ${o.output} (${fmt}, ${writtenGates(c, fmt, text)})\n`);
    });
}

/**
 * eval --json (and the values of run --json): the circuit, each input and output group's value
 * in hex (in --order), and all input and output wires as bit strings.
 */
export function evalJson(c: Circuit, inBits: Uint8Array, outBits: Uint8Array, order: BitOrder): Record<string, unknown> {
  return {
    circuit: circuitJson(c),
    order,
    inputs: valuesJson(inputGroups(c), inBits, order),
    outputs: valuesJson(outputGroups(c), outBits, order),
    input_bits: bitString(inBits),
    output_bits: bitString(outBits),
  };
}
