// What a sparse-attention run reports: the radius, each head's plan, and over the positions whose
// argmax was read: the largest bound on a logit gap's error, the smallest argmax margin, the
// positions the bound could not decide (run densely), and how much work the index saved.

import type { HeadPlan } from './structure.js';
import type { Radius } from './radius.js';

/** Running statistics of a run (stepper.ts), summed over the runs into the report. */
export interface StepStats {
  /** Head queries answered, and the keys they scored. */
  queries: number;
  keysScored: number;
  /** The same per head, layer by layer (in the order of the report's `heads`). */
  headQueries: number[];
  headKeys: number[];
  /** Largest relative weight the dense run may put on a query's omitted keys together, over the
   *  queries whose top key is certain; the queries where an omitted key might be the top one (their
   *  output is bounded by the hull of the values). */
  maxRho: number;
  noDominant: number;
}

export interface SparseReport extends StepStats {
  radius: Radius;
  heads: HeadPlan[];
  /** The radius each head used (auto: radius.ts), in the order of `heads`. */
  headRadius: number[];
  /** Positions whose argmax was read (batch rows × positions from argmaxFrom on). */
  positions: number;
  /** Largest bound over those positions on how much the argmax margin can lose between the runs
   *  (at its tightest competitor; a position is decided when its margin exceeds it). */
  bound: number;
  /** Smallest argmax margin (top logit − next), and smallest slack (the argmax's lowest possible
   *  dense logit less the highest possible other: > 0 where decided). */
  minMargin: number;
  minSlack: number;
  /** Positions whose margin did not exceed the bound; the first of them (sequence: the engine's count of sequences given). */
  undecided: number;
  undecidedAt: { sequence: number; position: number }[];
  /** What ran densely instead: single positions (models whose keys and values are the dense ones), whole sequences (others). */
  denseRerun: { positions: number; sequences: number };
}

export function emptyReport(radius: Radius, plans: HeadPlan[][], radii: number[][]): SparseReport {
  return {
    radius,
    heads: plans.flat(),
    headRadius: radii.flat(),
    positions: 0,
    bound: 0,
    minMargin: Infinity,
    minSlack: Infinity,
    undecided: 0,
    undecidedAt: [],
    denseRerun: { positions: 0, sequences: 0 },
    queries: 0,
    keysScored: 0,
    headQueries: plans.flat().map(() => 0),
    headKeys: plans.flat().map(() => 0),
    maxRho: 0,
    noDominant: 0,
  };
}

function num(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(4)) : null;
}

/** The report as JSON (verify --json's `sparse`); `mismatches` from the verification decides the verdict. */
export function sparseJson(r: SparseReport, mismatches: number): Record<string, unknown> {
  return {
    radius: r.radius,
    bound: num(r.bound),
    smallest_margin: num(r.minMargin),
    smallest_slack: num(r.minSlack),
    positions: r.positions,
    positions_decided: r.positions - r.undecided,
    undecided: r.undecided,
    undecided_positions: r.undecidedAt,
    dense_rerun: r.denseRerun,
    omitted_mass: num(r.maxRho),
    queries: r.queries,
    queries_top_key_uncertain: r.noDominant,
    keys_per_query: r.queries > 0 ? Number((r.keysScored / r.queries).toFixed(3)) : 0,
    heads: r.heads.map((h, k) => ({
      layer: h.layer,
      head: h.head,
      name: h.name,
      attention: h.kind === 'index' ? 'index' : 'dense',
      ...(h.reason !== undefined ? { reason: h.reason } : {}),
      ...(h.kind === 'index' ? { code_bits: h.codeRows.length, dynamic_bits: h.dynamicBits, lambda: h.lambda, radius: r.headRadius[k]! } : {}),
      shared: h.shared,
      exact_inputs: h.exactInputs,
      keys_per_query: r.headQueries[k]! > 0 ? Number((r.headKeys[k]! / r.headQueries[k]!).toFixed(3)) : 0,
    })),
    verdict: sparseVerdict(r, mismatches),
  };
}

/** certified: every position decided by the bound; verified: some ran densely; mismatch: a wrong token. */
export function sparseVerdict(r: SparseReport, mismatches: number): 'certified' | 'verified with dense reruns' | 'mismatch' {
  if (mismatches > 0) return 'mismatch';
  return r.undecided === 0 ? 'certified' : 'verified with dense reruns';
}

/** The radius as given, and for auto what each indexed head got. */
export function radiusText(r: SparseReport): string {
  if (r.radius !== 'auto') return String(r.radius);
  const got = [...new Set(r.headRadius.filter((_, k) => r.heads[k]!.kind === 'index'))].sort((a, b) => a - b);
  return `auto (${got.join(', ')})`;
}

/** One line for the human output (`mismatches` from the verification decides the verdict). */
export function sparseText(r: SparseReport, mismatches: number): string {
  const dense = r.heads.filter((h) => h.kind !== 'index');
  const heads = dense.length === 0 ? 'every head indexed' : `${dense.length} head(s) dense: ${dense.map((h) => `${h.name} (${h.reason})`).join('; ')}`;
  const rerun = r.denseRerun.sequences > 0 ? `, ${r.denseRerun.sequences} sequence(s) rerun densely` : r.undecided > 0 ? ', run densely' : '';
  const kpq = r.queries > 0 ? (r.keysScored / r.queries).toFixed(1) : '0';
  const verdict = sparseVerdict(r, mismatches);
  const what = verdict === 'certified' ? 'every argmax is the dense run\'s' : verdict === 'mismatch' ? 'wrong tokens found' : 'the rest ran densely';
  return `sparse attention, radius ${radiusText(r)}: logit-gap error bound ${r.bound.toPrecision(3)}, smallest margin ${Number.isFinite(r.minMargin) ? r.minMargin.toPrecision(3) : 'none'}, ${r.undecided} of ${r.positions} positions undecided${rerun}; ${verdict} (${what}); ${kpq} keys per query; ${heads}`;
}
