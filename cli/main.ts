// The `gatecot` command line. runCli runs in-process (tests call it directly) and returns the
// exit code: 0 success, 1 a failed check, 2 bad input or usage, 70 an internal error.

import { Command, CommanderError } from 'commander';
import { registerCircuitCommands } from './commands/circuit.js';
import { registerCompare } from './commands/compare.js';
import { registerExperiment } from './commands/experiment.js';
import { registerExport } from './commands/export.js';
import { registerDoctor } from './commands/doctor.js';
import { registerDemo } from './commands/demo.js';
import { registerFuzz } from './commands/fuzz.js';
import { registerGen } from './commands/gen.js';
import { registerModelCommands } from './commands/model.js';
import { registerProofs } from './commands/proofs.js';
import { registerTest } from './commands/test.js';
import type { CliContext } from './context.js';
import { EXIT_BAD_INPUT, oneLine, reportError } from './errors.js';
import { processIo, type Io } from './io.js';

export const VERSION = '0.1.0';

function buildProgram(ctx: CliContext): Command {
  const program = new Command('gatecot');
  program
    .description('Compile Boolean circuits into transformers whose chain of thought computes them (LLZM24, Thm 3.3).')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => ctx.io.out(s),
      writeErr: (s) => ctx.io.err(s),
      outputError: (s, write) => write(`gatecot: ${oneLine(s.replace(/^error:\s*/, ''))}\n`),
    });
  registerCircuitCommands(program, ctx);
  registerDemo(program, ctx);
  registerModelCommands(program, ctx);
  registerProofs(program, ctx);
  registerGen(program, ctx);
  registerTest(program, ctx);
  registerDoctor(program, ctx);
  registerFuzz(program, ctx);
  registerCompare(program, ctx);
  registerExperiment(program, ctx);
  registerExport(program, ctx);
  return program;
}

export async function runCli(argv: string[], io: Io = processIo): Promise<number> {
  const ctx: CliContext = { io, code: 0 };
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    io.err(`gatecot: missing command; run 'gatecot --help' for the list\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return EXIT_BAD_INPUT;
    }
    return reportError(e, io);
  }
}
