// The JSON report of a finding, and the commands that reproduce it. Reports hold no timings,
// so that a rerun of the same campaign writes byte-identical files.

import { sha256, type CotFormat } from '../../model/index.js';
import type { Backend } from '../engine.js';
import type { CampaignOptions, Finding } from './campaign.js';
import { bitString, type Failure } from './check.js';
import { rangeText } from './options.js';

export const REPORT_VERSION = 1;

/** The options that decide a campaign's cases and checks (not its extent: count, shard, time). */
export function campaignKey(o: CampaignOptions): Record<string, string | number | null> {
  return {
    gates: rangeText(o.gates),
    inputs: rangeText(o.inputs),
    gate_mix: o.mix ?? null,
    locality: o.locality ?? null,
    arith: o.check.arith,
    backend: o.check.backend,
    samples: o.samples,
    inject_fault: o.check.fault ?? null,
  };
}

/** 8 hex digits naming the campaign options in file names. */
export function keyHash(o: CampaignOptions): string {
  return sha256(JSON.stringify(campaignKey(o))).slice(0, 8);
}

/** Flags of `verify` and `run`: the backend the failure showed on (not `auto`: it might choose otherwise). */
function checkFlags(o: CampaignOptions, cot: CotFormat, backend: Backend): string[] {
  const f = ['--cot', cot, '--arith', o.check.arith];
  if (backend !== 'cpu') f.push('--backend', backend);
  if (o.check.fault) f.push('--inject-fault', o.check.fault);
  return f;
}

/** The command that reruns case `index` alone, on `backend` (named always: fuzz's default may differ). */
export function caseCommand(o: CampaignOptions, index: number, cot: CotFormat, backend: Backend): string {
  const f = ['gatecot', 'fuzz', '--seed', String(o.seed), '--index', String(index), '--gates', rangeText(o.gates), '--inputs', rangeText(o.inputs)];
  if (o.mix !== undefined) f.push('--gate-mix', o.mix);
  if (o.locality !== undefined) f.push('--locality', String(o.locality));
  f.push(...checkFlags(o, cot, backend), '--samples', String(o.samples));
  if (backend === 'cpu') f.push('--backend', 'cpu');
  return f.join(' ');
}

export function failureJson(f: Failure): Record<string, unknown> {
  const d = f.detail;
  return {
    kind: f.kind,
    signature: f.signature,
    input: bitString(f.witness),
    ...(d
      ? {
          // The first wrong token sits at sequence position wrong_position (0 = <bos>); the model
          // wrote it after reading position wrong_position - 1.
          wrong_position: d.position + 1,
          gate: d.gate,
          gate_label: d.gateLabel,
          expected: d.expected,
          produced: d.produced,
          mismatches: f.mismatches,
          heads: d.heads,
        }
      : {}),
    ...(f.outputs ? { expected_outputs: f.outputs.expected, produced_outputs: f.outputs.produced } : {}),
    ...(f.message !== undefined ? { message: f.message } : {}),
  };
}

/** The command that shows the minimal circuit failing. */
export function reproduceCommand(o: CampaignOptions, f: Finding, file: string): string {
  const m = f.minimal;
  const failure = m?.failure ?? f.failure;
  const flags = checkFlags(o, f.cot, f.backend);
  if (failure.kind === 'generation') return ['gatecot', 'run', file, '--bits', bitString(failure.witness), ...flags].join(' ');
  const exhaustive = m?.mode === 'witness' ? ['--exhaustive'] : [];
  return ['gatecot', 'verify', file, ...flags, ...exhaustive].join(' ');
}

export interface FindingFiles {
  /** The minimal circuit (absent without shrinking). */
  minimal?: string;
  original: string;
}

export function findingReport(o: CampaignOptions, f: Finding, files: FindingFiles): Record<string, unknown> {
  const m = f.minimal;
  const target = files.minimal ?? files.original;
  return {
    gatecot_fuzz_report: REPORT_VERSION,
    seed: String(o.seed),
    index: f.index,
    case_seed: `0x${f.spec.caseSeed.toString(16).padStart(16, '0')}`,
    cot: f.cot,
    backend: f.backend,
    options: campaignKey(o),
    case: {
      gates: f.spec.gates,
      inputs: f.spec.inputs,
      mix: f.spec.mix,
      locality: f.spec.locality,
      window: f.spec.window,
      outputs: f.spec.outputs,
      circuit_seed: String(f.spec.circuitSeed),
      input_seed: String(f.spec.inputSeed),
    },
    failure: failureJson(f.failure),
    original: { file: files.original, gates: f.circuit.ops.length, inputs: f.circuit.nInputs },
    ...(m && files.minimal
      ? {
          minimal: {
            file: files.minimal,
            gates: m.circuit.ops.length,
            inputs: m.circuit.nInputs,
            outputs: m.circuit.outputs.reduce((s, g) => s + g.wires.length, 0),
            failure: failureJson(m.failure),
          },
          shrink: { mode: m.mode, tests: m.tests, accepted: m.accepted, complete: m.complete },
          reproduced: f.reproduced,
        }
      : {}),
    reproduce: {
      case: caseCommand(o, f.index, f.cot, f.backend),
      failure: reproduceCommand(o, f, target),
      ...(files.minimal ? { test: `gatecot test ${files.minimal}` } : {}),
    },
  };
}
