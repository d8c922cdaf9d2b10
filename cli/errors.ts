// Exit codes and the one-line error report of the CLI.

import { CircuitError } from '../circuits/errors.js';
import { OptionError, UserError } from '../common/errors.js';
import type { Io } from './io.js';

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
/** A bug in gatecot itself (never expected; tests treat it as a failure). */
export const EXIT_INTERNAL = 70;

export class UsageError extends UserError {
  override name = 'UsageError';
}

/** Runs a library call on the value of one flag; its UserError comes back naming the flag. */
export function forFlag<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/**
 * Runs a library call whose OptionErrors name options; they come back naming the flags: `--NAME`,
 * or `flags[NAME]` where the command's flag has another name (fuzz's --gate-mix for `mix`).
 */
export function forOptions<T>(f: () => T, flags: Record<string, string> = {}): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OptionError) throw new UsageError(e.as(flags[e.option] ?? `--${e.option}`));
    throw e;
  }
}

export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/** A library error's message in the CLI's words: a format hint names --format. */
function cliMessage(e: UserError): string {
  if (e instanceof CircuitError && e.looksLike !== undefined && e.message.endsWith(')')) return `${e.message.slice(0, -1)}: pass --format ${e.looksLike})`;
  return e.message;
}

/** Reports an error thrown by a command as one line and returns the exit code. */
export function reportError(e: unknown, io: Io): number {
  if (e instanceof UserError) {
    io.err(`gatecot: ${oneLine(cliMessage(e))}\n`);
    return EXIT_BAD_INPUT;
  }
  const msg = e instanceof Error ? e.message : String(e);
  if (process.env.GATECOT_DEBUG && e instanceof Error && e.stack) io.err(e.stack + '\n');
  else io.err(`gatecot: internal error: ${oneLine(msg)} (set GATECOT_DEBUG=1 for details)\n`);
  return EXIT_INTERNAL;
}
