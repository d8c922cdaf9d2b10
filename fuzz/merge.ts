// `gatecot fuzz merge`: the outputs of a campaign's shards (merge-read.ts) as one campaign.
//  - Cases: each case index counts once, however many files hold it (a case seen twice with two
//    different circuits is an error: outputs of different gatecot versions).
//  - Missing cases: the start lines give the campaign's count and its N shards, so shard I was
//    due the cases i < count with i mod N = I - 1; what no file holds is missing. Each shard has a
//    state: complete, stopped by its time budget or --max-failures (cases left out by design),
//    interrupted, died (a start line but no summary), or absent (no output at all). Missing cases
//    come as arithmetic runs (first, last, step N).
//  - Findings: the records of one failing check (a JSON line, a report, an orphan .orig.gc) are
//    one per (case, check); they are then de-duplicated by circuit: two cases whose reproducers
//    are the same circuit (the minimal .gc, or the original when there is none, with its name and
//    embedded tests left out) in the same check and on the same backend are one finding.
// Every input must be of one campaign (one seed and options): finding folders may also hold
// findings of other campaigns, which are left out and counted.

import { readFileSync } from 'node:fs';
import { parseCircuitText, writeCircuit, type Circuit } from '../circuits/index.js';
import { UserError } from '../circuits/index.js';
import { sha256 } from '../model/index.js';
import { locate, readShardOutputs, type CampaignId, type CaseLine, type FindingRef, type Run, type ShardOutputs } from './merge-read.js';
import type { Shard } from './seeds.js';

/** The case indices first, first + step, ..., last (count of them). */
export interface CaseRun {
  first: number;
  last: number;
  step: number;
  count: number;
}

export type ShardState = 'complete' | 'time-budget' | 'max-failures' | 'interrupted' | 'died' | 'absent';

export interface ShardStatus {
  shard: Shard;
  state: ShardState;
  /** Runs (start lines) of this shard read. */
  runs: number;
  cases: number;
  /** Cases due to this shard (null: the campaign has no count). */
  expected: number | null;
  missing: CaseRun[] | null;
  lastCase: number | null;
}

export interface MergedFinding {
  cot: string;
  backend: string | null;
  signature: string | null;
  /** sha256 of the reproducer circuit (name and tests left out); null when no file could be read. */
  circuitHash: string | null;
  /** Whether that circuit is the shrunk one (false: the original as found). */
  minimal: boolean;
  gates: number | null;
  inputs: number | null;
  /** The failing cases whose reproducer is this circuit. */
  cases: number[];
  file: string | null;
  report: string | null;
}

export interface MergeSummary extends CampaignId {
  options: Record<string, unknown> | null;
  /** N of the shards (null: no shard's JSON lines were read). */
  shards: number | null;
  count: number | null;
  jsonlFiles: string[];
  folders: string[];
  emptyFiles: string[];
  runs: number;
  /** Cases known to have run: a case line or a finding record names them. */
  cases: number;
  expected: number | null;
  missing: CaseRun[] | null;
  missingCount: number | null;
  /** Missing cases of shards that died, are absent or were interrupted (not left out by design). */
  lostCount: number;
  shardStatus: ShardStatus[];
  failedCases: number[];
  inputs: number;
  positions: number;
  findings: MergedFinding[];
  /** Failing cases (case lines) that no finding record names. */
  unreported: number[];
  /** Failing checks of other campaigns in the folders, left out. */
  otherCampaigns: number;
  /** Every case due ran, or was left out by a time budget or --max-failures. */
  complete: boolean;
}

function idText(c: CampaignId): string {
  return `seed ${c.seed}, options ${c.key}`;
}

function sameId(a: CampaignId, b: CampaignId): boolean {
  return a.seed === b.seed && a.key === b.key;
}

/** The one campaign of the inputs (the JSON lines decide; folders alone: their findings). */
function campaignOf(o: ShardOutputs, inputs: string[]): CampaignId {
  const first = o.runs[0]?.start ?? o.found[0];
  if (!first) throw new UserError(`fuzz merge: no fuzz output in ${inputs.join(' ')} (JSON lines of fuzz --json, or finding folders)`);
  const other = o.runs.find((r) => !sameId(r.start, first));
  if (other) throw new UserError(`fuzz merge: ${o.runs[0]!.file} and ${other.file} are of different campaigns (${idText(first)}; ${idText(other.start)}): merge one campaign at a time`);
  if (o.runs.length === 0) {
    const ids = [...new Set(o.found.map((f) => `s${f.seed}-${f.key}`))];
    if (ids.length > 1) throw new UserError(`fuzz merge: the folders hold findings of ${ids.length} campaigns (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''}): give the JSON lines of one campaign too`);
  }
  return { seed: first.seed, key: first.key };
}

/** The one value of `pick` over the shard runs, or an error naming two runs that disagree. */
function agreed<T>(runs: Run[], pick: (r: Run) => T, what: string): T | undefined {
  const first = runs[0];
  if (!first) return undefined;
  const other = runs.find((r) => pick(r) !== pick(first));
  if (other) throw new UserError(`fuzz merge: ${first.file}:${first.line} and ${other.file}:${other.line} disagree on ${what} (${String(pick(first))} and ${String(pick(other))})`);
  return pick(first);
}

/** Case i -> its line (once), checking that every copy holds the same circuit. */
function casesOf(runs: Run[]): Map<number, CaseLine> {
  const cases = new Map<number, CaseLine>();
  const from = new Map<number, string>();
  for (const r of runs) {
    for (const c of r.cases) {
      const seen = cases.get(c.index);
      if (seen && seen.circuitHash !== c.circuitHash) {
        throw new UserError(`fuzz merge: case ${c.index} has two different circuits (${from.get(c.index)} and ${r.file}): outputs of different gatecot versions?`);
      }
      if (!seen) {
        cases.set(c.index, c);
        from.set(c.index, r.file);
      } else if (!c.ok) seen.ok = false;
    }
  }
  return cases;
}

/** How many of the cases a0, a0 + n, ... are below `count`. */
function dueCount(a0: number, n: number, count: number): number {
  return count > a0 ? Math.floor((count - 1 - a0) / n) + 1 : 0;
}

/** The cases a0, a0 + n, ... below `count`, less those in `seen` (sorted, all = a0 mod n). */
export function missingRuns(a0: number, n: number, count: number, seen: number[]): CaseRun[] {
  const out: CaseRun[] = [];
  const gap = (first: number, last: number): void => {
    if (first <= last) out.push({ first, last, step: n, count: (last - first) / n + 1 });
  };
  let next = a0;
  for (const s of seen) {
    gap(next, s - n);
    next = s + n;
  }
  gap(next, a0 + (dueCount(a0, n, count) - 1) * n);
  return out;
}

const RANK: Record<ShardState, number> = { complete: 5, 'time-budget': 4, 'max-failures': 4, interrupted: 2, died: 1, absent: 0 };

function runState(r: Run): ShardState {
  if (r.stoppedBy === undefined) return 'died';
  if (r.stoppedBy === 'count') return 'complete';
  return r.stoppedBy === 'time-budget' || r.stoppedBy === 'max-failures' ? r.stoppedBy : 'interrupted';
}

/** Shard `shard`'s state and cases: `mine`, its runs; `seen`, its cases known to have run, sorted. */
function shardStatus(shard: Shard, mine: Run[], seen: number[], count: number | null): ShardStatus {
  const state = mine.map(runState).reduce<ShardState>((best, s) => (RANK[s] > RANK[best] ? s : best), 'absent');
  const a0 = shard.index - 1;
  const due = count === null ? seen : seen.filter((i) => i < count);
  return {
    shard,
    state,
    runs: mine.length,
    cases: due.length,
    expected: count === null ? null : dueCount(a0, shard.count, count),
    missing: count === null ? null : missingRuns(a0, shard.count, count, due),
    lastCase: due.length > 0 ? due[due.length - 1]! : null,
  };
}

/** Each shard's state, from its runs and the cases known to have run (sorted), bucketed by i mod n. */
function shardStatuses(n: number, runs: Run[], ran: number[], count: number | null): ShardStatus[] {
  const seen: number[][] = Array.from({ length: n }, () => []);
  for (const i of ran) seen[i % n]!.push(i);
  const mine: Run[][] = Array.from({ length: n }, () => []);
  for (const r of runs) mine[r.start.shard.index - 1]!.push(r);
  return seen.map((s, k) => shardStatus({ index: k + 1, count: n }, mine[k]!, s, count));
}

/** sha256 of a circuit with its name and embedded tests left out, with its size. */
export function circuitKey(text: string): { hash: string; gates: number; inputs: number } | undefined {
  let c: Circuit;
  try {
    c = parseCircuitText(text, { format: 'gc' });
  } catch {
    return undefined;
  }
  const bare: Circuit = { name: 'finding', inputs: c.inputs, outputs: c.outputs, nInputs: c.nInputs, ops: c.ops, a: c.a, b: c.b };
  return { hash: sha256(writeCircuit(bare, 'gc')), gates: c.ops.length, inputs: c.nInputs };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The records of one failing check as a finding, with its reproducer circuit read when it can be. */
function findingOf(refs: FindingRef[], byName: Map<string, string>): MergedFinding {
  const r0 = refs[0]!;
  const tries = [...refs.map((ref) => ({ ref, path: ref.minimal, minimal: true })), ...refs.map((ref) => ({ ref, path: ref.original, minimal: false }))];
  let found: { file: string; minimal: boolean; hash: string; gates: number; inputs: number } | undefined;
  for (const t of tries) {
    const file = t.path !== undefined ? locate(t.path, t.ref, byName) : undefined;
    const key = file !== undefined ? circuitKey(readText(file)) : undefined;
    if (file !== undefined && key) {
      found = { file, minimal: t.minimal, ...key };
      break;
    }
  }
  const reportRef = refs.find((r) => r.report !== undefined);
  return {
    cot: r0.cot,
    backend: refs.find((r) => r.backend !== null)?.backend ?? null,
    signature: refs.find((r) => r.signature !== null)?.signature ?? null,
    circuitHash: found?.hash ?? null,
    minimal: found?.minimal ?? false,
    gates: found?.gates ?? null,
    inputs: found?.inputs ?? null,
    cases: [r0.index],
    file: found?.file ?? null,
    report: reportRef ? (locate(reportRef.report!, reportRef, byName) ?? reportRef.report!) : null,
  };
}

/** Findings de-duplicated: per (case, check), then per (check, backend, reproducer circuit). */
function mergeFindings(refs: FindingRef[], byName: Map<string, string>): MergedFinding[] {
  const perCheck = new Map<string, FindingRef[]>();
  for (const r of refs) {
    const k = `${r.index}\0${r.cot}`;
    perCheck.set(k, [...(perCheck.get(k) ?? []), r]);
  }
  const merged = new Map<string, MergedFinding>();
  for (const [k, group] of perCheck) {
    const f = findingOf(group, byName);
    const key = f.circuitHash !== null ? `${f.cot}\0${f.backend}\0${f.circuitHash}` : `case\0${k}`;
    const seen = merged.get(key);
    if (seen) seen.cases.push(...f.cases);
    else merged.set(key, f);
  }
  const out = [...merged.values()];
  for (const f of out) f.cases.sort((a, b) => a - b);
  return out.sort((a, b) => a.cases[0]! - b.cases[0]!);
}

/** Reads the paths (merge-read.ts) and merges them into one campaign summary. */
export function mergeShards(inputs: string[]): MergeSummary {
  const o = readShardOutputs(inputs);
  const id = campaignOf(o, inputs);
  const shardRuns = o.runs.filter((r) => r.start.index === null);
  const n = agreed(shardRuns, (r) => r.start.shard.count, 'the number of shards') ?? null;
  const count = shardRuns.length > 0 ? agreed(shardRuns, (r) => r.start.count, '--count')! : null;
  const cases = casesOf(o.runs);
  const refs = [...o.runs.flatMap((r) => r.findings), ...o.found.filter((f) => sameId(f, id))];
  // A case ran when a case line or a finding record names it (JSON lines may be lost, folders kept).
  const ran = [...new Set([...cases.keys(), ...refs.map((r) => r.index)])].sort((a, b) => a - b);
  const statuses = n === null ? [] : shardStatuses(n, shardRuns, ran, count);
  const missing = count === null || n === null ? null : statuses.flatMap((s) => s.missing!).sort((a, b) => a.first - b.first);
  const lost = (s: ShardStatus): boolean => s.state === 'absent' || s.state === 'died' || s.state === 'interrupted';
  const lostCount = statuses.filter(lost).reduce((t, s) => t + (s.missing ?? []).reduce((u, m) => u + m.count, 0), 0);
  const findings = mergeFindings(refs, o.byName);
  const named = new Set(refs.map((r) => r.index));
  const failing = new Set([...[...cases.values()].filter((c) => !c.ok).map((c) => c.index), ...named]);
  const values = [...cases.values()];
  return {
    ...id,
    options: o.runs[0]?.start.options ?? null,
    shards: n,
    count,
    jsonlFiles: o.jsonlFiles,
    folders: o.folders,
    emptyFiles: o.emptyFiles,
    runs: o.runs.length,
    cases: ran.length,
    expected: count,
    missing,
    missingCount: missing === null ? null : missing.reduce((t, m) => t + m.count, 0),
    lostCount,
    shardStatus: statuses,
    failedCases: [...failing].sort((a, b) => a - b),
    inputs: values.reduce((t, c) => t + c.inputs, 0),
    positions: values.reduce((t, c) => t + c.positions, 0),
    findings,
    unreported: values.filter((c) => !c.ok && !named.has(c.index)).map((c) => c.index).sort((a, b) => a - b),
    otherCampaigns: new Set(o.found.filter((f) => !sameId(f, id)).map((f) => `${f.seed}-${f.key}-${f.index}-${f.cot}`)).size,
    complete: n !== null && lostCount === 0 && !statuses.some(lost),
  };
}
