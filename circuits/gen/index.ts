// Circuit generators: the arithmetic and reasoning tasks of LLZM24's experiments and random
// circuits, each a family with string options (the CLI passes `--name value` through as-is).
// Every family documents its groups and encodings at the top of its own file; all groups
// are lsb0 (wire k of a group is bit k of its value).

import { UserError, quote } from '../errors.js';
import type { Circuit } from '../ir.js';
import { adderGenerator } from './adder.js';
import { comparatorGenerator } from './comparator.js';
import { cvpGenerator } from './cvp.js';
import { cvpInstanceGenerator } from './cvp-instance.js';
import { itersqGenerator } from './itersq.js';
import { modaddGenerator } from './modadd.js';
import { multiplierGenerator } from './multiplier.js';
import { randomGenerator } from './random.js';
import { s5Generator } from './s5.js';
import type { Generator } from './types.js';

export type { GenOption, Generator } from './types.js';

export const GENERATORS: Generator[] = [
  randomGenerator,
  adderGenerator,
  multiplierGenerator,
  comparatorGenerator,
  modaddGenerator,
  s5Generator,
  itersqGenerator,
  cvpGenerator,
  cvpInstanceGenerator,
];

export function findGenerator(family: string): Generator {
  const g = GENERATORS.find((x) => x.family === family);
  if (!g) {
    throw new UserError(`unknown generator family ${quote(family)} (families: ${GENERATORS.map((x) => x.family).join(', ')})`);
  }
  return g;
}

/** Builds a circuit of `family`; a bad family, unknown option or bad value is a one-line UserError. */
export function generate(family: string, opts: Record<string, string>): Circuit {
  const g = findGenerator(family);
  for (const key of Object.keys(opts)) {
    if (!g.options.some((o) => o.name === key)) {
      const known = g.options.map((o) => o.name).join(', ');
      throw new UserError(`generator ${family}: unknown option ${quote(key)} (options: ${known})`);
    }
  }
  return g.build(opts);
}
