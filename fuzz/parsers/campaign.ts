// The parser fuzzing campaign: mutant i is seed file (i mod F) of the F seed files, mutated by
// the Rng of caseSeed(seed, i) (../seeds.ts), so `--index i` and shards work as for circuits.
// Each mutant is parsed in its seed's format under the runner's time limit; every problem
// (examine.ts) is reported to onFinding, which writes the mutant as a reproducer.

import type { FormatName } from '../../circuits/index.js';
import { Rng } from '../../circuits/gen/prng.js';
import { caseSeed, shardIndices, stopReason, type Shard } from '../seeds.js';
import { isProblem, type ParseOutcome } from './examine.js';
import { mutate, type Mutation } from './mutate.js';
import type { ParseRunner } from './runner.js';
import { FORMAT_EXT, type SeedFile } from './seed-files.js';

export interface ParserCampaignOptions {
  seed: bigint;
  count?: number;
  index?: number;
  timeBudget?: number;
  shard: Shard;
  seeds: SeedFile[];
  maxFailures?: number;
  signal?: AbortSignal;
}

export interface ParserCase {
  index: number;
  seedFile: string;
  format: FormatName;
  mutations: Mutation[];
  bytes: Uint8Array;
  outcome: ParseOutcome;
}

export interface ParserCampaignHooks {
  onCase?(c: ParserCase): void | Promise<void>;
  onFinding?(c: ParserCase): void | Promise<void>;
}

export interface ParserCampaignSummary {
  cases: number;
  parsed: number;
  rejected: number;
  problems: number;
  seconds: number;
  stoppedBy: 'count' | 'time-budget' | 'max-failures' | 'interrupted';
}

/** The mutant of case `index` (deterministic). */
export function parserCase(o: Pick<ParserCampaignOptions, 'seed' | 'seeds'>, index: number): Omit<ParserCase, 'outcome'> {
  const seed = o.seeds[index % o.seeds.length]!;
  const rng = new Rng(caseSeed(o.seed, index));
  const m = mutate(seed.bytes, rng, o.seeds.map((s) => s.bytes));
  return { index, seedFile: seed.name, format: seed.format, mutations: m.mutations, bytes: m.bytes };
}

/** The file name the parser sees (it appears in every error location). */
export function mutantFileName(format: FormatName): string {
  return `mutant.${FORMAT_EXT[format]}`;
}

export async function runParserCampaign(o: ParserCampaignOptions, runner: ParseRunner, hooks: ParserCampaignHooks = {}): Promise<ParserCampaignSummary> {
  const t0 = performance.now();
  const s: ParserCampaignSummary = { cases: 0, parsed: 0, rejected: 0, problems: 0, seconds: 0, stoppedBy: 'count' };
  const indices = o.index !== undefined ? [o.index] : shardIndices(o.shard, o.count);
  for (const i of indices) {
    const stop = stopReason(o, t0);
    if (stop) {
      s.stoppedBy = stop;
      break;
    }
    const m = parserCase(o, i);
    const outcome = await runner.run(m.bytes, m.format, mutantFileName(m.format));
    const c: ParserCase = { ...m, outcome };
    s.cases++;
    if (outcome.status === 'parsed') s.parsed++;
    else if (outcome.status === 'rejected') s.rejected++;
    await hooks.onCase?.(c);
    if (isProblem(outcome.status)) {
      s.problems++;
      await hooks.onFinding?.(c);
      if (o.maxFailures !== undefined && s.problems >= o.maxFailures) {
        s.stoppedBy = 'max-failures';
        break;
      }
    }
  }
  s.seconds = (performance.now() - t0) / 1000;
  return s;
}
