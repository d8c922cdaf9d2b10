// Deliberate miscompiles, to test the testers (the verifier, the fuzzer, the certifier):
//   weak-scale  the retrieval heads' key scale is 0.05: attention cannot separate positions
//   swap-gate   the AND gates' feed-forward step applies OR's truth table instead
//   off-by-one  head fetch_a reads one position before its target at every value step
// A faulty model records its fault in its metadata.

import { Op, truthTable, type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import type { PositionPlan, SequencePlan } from './plan.js';

export const FAULTS = ['weak-scale', 'swap-gate', 'off-by-one'] as const;
export type Fault = (typeof FAULTS)[number];

export const WEAK_SCALE = 0.05;

export function parseFault(s: string): Fault {
  if ((FAULTS as readonly string[]).includes(s)) return s as Fault;
  throw new UserError(`unknown fault '${s}' (expected ${FAULTS.join(', ')})`);
}

const AND_TABLE = truthTable(Op.AND).join('');
const OR_TABLE = truthTable(Op.OR);

/** The plan a faulty compiler would produce. */
export function faultyPlan(plan: SequencePlan, c: Circuit, fault: Fault | undefined): SequencePlan {
  if (fault !== 'swap-gate' && fault !== 'off-by-one') return plan;
  const at = (p: number): PositionPlan => {
    const pl = plan.at(p);
    if (pl.mode !== 'value') return pl;
    if (fault === 'off-by-one') return { ...pl, targetA: Math.max(0, pl.targetA - 1) };
    const g = plan.gateAt(p + 1);
    if (g >= 0 && c.ops[g] === Op.AND && pl.table.join('') === AND_TABLE) return { ...pl, table: OR_TABLE };
    return pl;
  };
  return { ...plan, at };
}
