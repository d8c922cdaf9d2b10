// A fuzz campaign: for each case index of the shard, build the case's circuit, check it in
// every CoT format asked for (positional: a model compiled per case and format) or through the
// campaign's one uniform model (uniform.ts), and shrink each failure to a minimal reproducer.
// The campaign reports through hooks and awaits them, so that a failure is on disk (artifacts.ts)
// before the next step starts: an interrupted campaign loses nothing it already found. It yields
// to the event loop between checks (yield.ts), so Ctrl-C stops it after the current case even on
// the CPU reference, where the checks themselves never wait for anything.

import { parseCircuitText, writeCircuit, writeCvp, type Circuit } from '../circuits/index.js';
import { sha256, type CotFormat } from '../model/index.js';
import type { Backend } from '../runtime/engine.js';
import { openFuzzBackend, type FuzzBackend } from './backend.js';
import { buildCase, caseInputs, caseSpec, type CaseSpec } from './cases.js';
import { positionalChecker, type CheckConfig, type CheckLabel, type Checker, type CotCheck, type Failure } from './check.js';
import { minimize, sameFailure, type Minimized } from './minimize.js';
import type { CaseOptions } from './options.js';
import { shardIndices, stopReason, type Shard } from './seeds.js';
import { UniformChecker, type UniformTarget } from './uniform.js';
import { yieldToEventLoop } from './yield.js';

export interface CampaignOptions extends CaseOptions {
  seed: bigint;
  /** Cases 0..count-1 (those of the shard); undefined: until the time budget runs out. */
  count?: number;
  /** Run this one case only (shards and count do not apply). */
  index?: number;
  /** Start no case after this many seconds. */
  timeBudget?: number;
  /** CoT formats of a positional campaign (unused with `uniform`). */
  cots: CotFormat[];
  /** The uniform campaign's one model: every case is checked through it (mode uniform). */
  uniform?: UniformTarget;
  check: CheckConfig;
  /** Random inputs per case besides all-zeros and all-ones. */
  samples: number;
  shard: Shard;
  /** Stop after this many failing cases. */
  maxFailures?: number;
  shrink: boolean;
  /** Budget of each shrink. */
  shrinkSeconds: number;
  signal?: AbortSignal;
  /** The backend openFuzzBackend chose (the caller closes it); runCampaign opens and closes one when absent. */
  runOn?: FuzzBackend;
}

export interface CaseResult {
  index: number;
  /** Where its checks ran. */
  backend: Backend;
  spec: CaseSpec;
  /** sha256 of the circuit's .gc text: equal hashes, equal cases. */
  circuitHash: string;
  /** Input vectors checked (in each CoT format). */
  inputs: number;
  ok: boolean;
  checks: CotCheck[];
  seconds: number;
}

export interface FoundFailure {
  index: number;
  spec: CaseSpec;
  /** The CoT format of a positional check, or 'uniform'. */
  cot: CheckLabel;
  /** Where the failing check ran (shrinking runs there too). */
  backend: Backend;
  circuit: Circuit;
  failure: Failure;
}

export interface Finding extends FoundFailure {
  /** Absent when shrinking is off. */
  minimal?: Minimized;
  /** The minimal circuit, written as .gc and read back, still fails the same way. */
  reproduced: boolean;
}

export interface CampaignHooks {
  onCase?(r: CaseResult): void | Promise<void>;
  /** A failure, before shrinking (write it down now: shrinking may take a while). */
  onFailure?(f: FoundFailure): void | Promise<void>;
  onFinding?(f: Finding): void | Promise<void>;
}

export type StopReason = 'count' | 'time-budget' | 'max-failures' | 'interrupted';

export interface CampaignSummary {
  cases: number;
  failedCases: number;
  findings: number;
  /** Input vectors, each checked in every CoT format. */
  inputs: number;
  positions: number;
  seconds: number;
  stoppedBy: StopReason;
  backend: Backend;
}

/**
 * Does the minimal circuit, written as .gc and parsed back, still fail the same way? Through a
 * uniform model, the .cvp reproducer (the witness input folded into TRUE/FALSE gates) must too.
 */
async function reproduces(m: Minimized, checker: Checker): Promise<boolean> {
  const back = parseCircuitText(writeCircuit(m.circuit, 'gc'), { format: 'gc', name: m.circuit.name });
  const same = sameFailure(checker, m.failure.signature, m.mode);
  if ((await same(back, m.failure.witness)) === undefined) return false;
  if (checker.label !== 'uniform') return true;
  const cvp = parseCircuitText(writeCvp(m.circuit, m.failure.witness), { format: 'cvp', name: m.circuit.name });
  return (await same(cvp, new Uint8Array(0))) !== undefined;
}

async function runCase(o: CampaignOptions, checkers: Checker[], backend: Backend, index: number, hooks: CampaignHooks): Promise<{ result: CaseResult; findings: number }> {
  const t0 = performance.now();
  const spec = caseSpec(o, o.seed, index);
  const circuit = buildCase(spec);
  const inputs = caseInputs(spec, o.samples);
  const checks: CotCheck[] = [];
  for (const checker of checkers) {
    await yieldToEventLoop();
    checks.push(await checker.check(circuit, inputs));
  }
  const result: CaseResult = {
    index,
    backend: checks[0]?.backend ?? backend,
    spec,
    circuitHash: sha256(writeCircuit(circuit, 'gc')),
    inputs: inputs.length,
    ok: checks.every((c) => c.ok),
    checks,
    seconds: (performance.now() - t0) / 1000,
  };
  await hooks.onCase?.(result);
  let findings = 0;
  for (const [k, ch] of checks.entries()) {
    if (!ch.failure) continue;
    const checker = checkers[k]!;
    const found: FoundFailure = { index, spec, cot: ch.cot, backend: ch.backend, circuit, failure: ch.failure };
    await hooks.onFailure?.(found);
    const finding: Finding = { ...found, reproduced: false };
    if (o.shrink) {
      finding.minimal = await minimize(circuit, checker, ch.failure, { maxSeconds: o.shrinkSeconds, signal: o.signal });
      finding.reproduced = await reproduces(finding.minimal, checker);
    }
    await hooks.onFinding?.(finding);
    findings++;
  }
  return { result, findings };
}

/** Runs the campaign on o.runOn, or on a backend it opens (and closes) itself. */
export async function runCampaign(o: CampaignOptions, hooks: CampaignHooks = {}): Promise<CampaignSummary> {
  if (o.runOn) return runCampaignOn(o, o.runOn, hooks);
  const b = await openFuzzBackend(o.check.backend, o.check.arith);
  try {
    return await runCampaignOn(o, b, hooks);
  } finally {
    b.gpu?.close();
  }
}

async function runCampaignOn(o: CampaignOptions, b: FuzzBackend, hooks: CampaignHooks): Promise<CampaignSummary> {
  const t0 = performance.now();
  // Every check runs where the campaign chose: `auto` is settled once, here.
  const cfg: CheckConfig = { ...o.check, backend: b.used, ...(b.gpu ? { gpu: b.gpu } : {}) };
  // One uniform checker (one model, one engine) for the whole campaign, or a compile per check.
  const uniform = o.uniform ? new UniformChecker(o.uniform, cfg) : undefined;
  try {
    return await runChecks(o, uniform ? [uniform] : o.cots.map((cot) => positionalChecker(cot, cfg)), b, t0, hooks);
  } finally {
    uniform?.dispose();
  }
}

async function runChecks(o: CampaignOptions, checkers: Checker[], b: FuzzBackend, t0: number, hooks: CampaignHooks): Promise<CampaignSummary> {
  const s: CampaignSummary = { cases: 0, failedCases: 0, findings: 0, inputs: 0, positions: 0, seconds: 0, stoppedBy: 'count', backend: b.used };
  const indices = o.index !== undefined ? [o.index] : shardIndices(o.shard, o.count);
  for (const i of indices) {
    await yieldToEventLoop(); // lets a Ctrl-C that came during the last case abort the signal
    const stop = stopReason(o, t0);
    if (stop) {
      s.stoppedBy = stop;
      break;
    }
    const { result, findings } = await runCase(o, checkers, b.used, i, hooks);
    s.cases++;
    s.findings += findings;
    s.inputs += result.inputs;
    for (const c of result.checks) s.positions += c.positions;
    if (!result.ok) s.failedCases++;
    if (o.maxFailures !== undefined && s.failedCases >= o.maxFailures) {
      s.stoppedBy = 'max-failures';
      break;
    }
  }
  if (o.signal?.aborted) s.stoppedBy = 'interrupted';
  s.seconds = (performance.now() - t0) / 1000;
  return s;
}
