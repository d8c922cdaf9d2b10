// The shape of a circuit generator: a family name, its options (all given as strings by the
// CLI, validated by the generator) and a build function.

import type { Circuit } from '../ir.js';

export interface GenOption {
  name: string;
  /** 'flag': a switch without a value (`--tree`); the CLI passes 'true' when it is given. */
  kind: 'int' | 'float' | 'string' | 'bigint' | 'flag';
  /** Used when the option is not given; an option without a default is required (a flag is off). */
  default?: string;
  help: string;
}

export interface Generator {
  family: string;
  summary: string;
  options: GenOption[];
  /** Builds the circuit; throws UserError (one line) for a bad option value. */
  build(opts: Record<string, string>): Circuit;
}
