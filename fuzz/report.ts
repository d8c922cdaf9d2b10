// The JSON report of a finding, and the commands that reproduce it. Reports hold no timings,
// so that a rerun of the same campaign writes byte-identical files. A uniform campaign's report
// also names its model (capacity, sha256, file) and the prompt lengths; its reproducers run that
// model file on the minimal circuit (.gc, and .cvp with the failing input folded in).

import { DEFAULT_RADIUS } from '../runtime/sparse-attention/radius.js';
import type { Circuit } from '../circuits/index.js';
import { bindModel, sha256 } from '../model/index.js';
import type { Backend } from '../runtime/engine.js';
import type { CampaignOptions, Finding } from './campaign.js';
import { bitString, type CheckLabel, type Failure } from './check.js';
import { rangeText } from './options.js';

export const REPORT_VERSION = 1;

/** The options that decide a campaign's cases and checks (not its extent: count, shard, time). */
export function campaignKey(o: CampaignOptions): Record<string, string | number | null> {
  // A positional key has no mode field: its hash names the files of every positional campaign.
  const u = o.uniform;
  return {
    ...(u ? { mode: 'uniform', capacity: u.capacity, model_sha256: u.sha256 } : {}),
    gates: rangeText(o.gates),
    inputs: rangeText(o.inputs),
    gate_mix: o.mix ?? null,
    locality: o.locality ?? null,
    arith: o.check.arith,
    backend: o.check.backend,
    samples: o.samples,
    inject_fault: o.check.fault ?? null,
    // only a sparse campaign has these fields: the keys (and file names) of dense ones stay as they were
    ...(o.check.attention ? { attention: o.check.attention, radius: o.check.radius ?? DEFAULT_RADIUS } : {}),
  };
}

/** 8 hex digits naming the campaign options in file names. */
export function keyHash(o: CampaignOptions): string {
  return optionsKey(campaignKey(o));
}

/** keyHash of a campaignKey as it stands (a start line's or a report's `options`, read back). */
export function optionsKey(key: Record<string, unknown>): string {
  return sha256(JSON.stringify(key)).slice(0, 8);
}

/**
 * Flags of `verify` and `run`: the backend the failure showed on (not `auto`: it might choose
 * otherwise). A uniform model file holds its fault in its weights: no --cot, no --inject-fault.
 */
function checkFlags(o: CampaignOptions, cot: CheckLabel, backend: Backend): string[] {
  const f = cot === 'uniform' ? ['--arith', o.check.arith] : ['--cot', cot, '--arith', o.check.arith];
  if (backend !== 'cpu') f.push('--backend', backend);
  if (o.check.fault && cot !== 'uniform') f.push('--inject-fault', o.check.fault);
  if (o.check.attention) f.push('--attention', o.check.attention, ...(o.check.radius !== undefined ? ['--radius', String(o.check.radius)] : []));
  return f;
}

/** The command that reruns case `index` alone, on `backend` (named always: fuzz's default may differ). */
export function caseCommand(o: CampaignOptions, index: number, cot: CheckLabel, backend: Backend): string {
  const u = o.uniform;
  const f = ['gatecot', 'fuzz'];
  if (u) f.push('--mode', 'uniform', ...(u.file !== undefined ? ['--model', u.file] : ['--max-wires', String(u.capacity)]));
  f.push('--seed', String(o.seed), '--index', String(index), '--gates', rangeText(o.gates), '--inputs', rangeText(o.inputs));
  if (o.mix !== undefined) f.push('--gate-mix', o.mix);
  if (o.locality !== undefined) f.push('--locality', String(o.locality));
  f.push(...checkFlags(o, cot, backend));
  if (u && o.check.fault) f.push('--inject-fault', o.check.fault);
  f.push('--samples', String(o.samples));
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

/**
 * The command that shows the circuit `file` failing: a circuit file compiled on the fly
 * (positional), or the uniform model file running it. A .cvp file has its input folded in.
 */
export function reproduceCommand(o: CampaignOptions, f: Finding, file: string, model?: string): string {
  const m = f.minimal;
  const failure = m?.failure ?? f.failure;
  const flags = checkFlags(o, f.cot, f.backend);
  const folded = file.endsWith('.cvp');
  const target = model !== undefined ? [model, '--circuit', file] : [file];
  if (failure.kind === 'generation') return ['gatecot', 'run', ...target, ...(folded ? [] : ['--bits', bitString(failure.witness)]), ...flags].join(' ');
  const exhaustive = m?.mode === 'witness' && !folded ? ['--exhaustive'] : [];
  return ['gatecot', 'verify', ...target, ...flags, ...exhaustive].join(' ');
}

export interface FindingFiles {
  /** The minimal circuit (absent without shrinking). */
  minimal?: string;
  /** The minimal circuit as .cvp, its failing input folded into TRUE/FALSE gates (uniform campaigns). */
  cvp?: string;
  /** The uniform model file the failure shows on (uniform campaigns). */
  model?: string;
  original: string;
}

/** The uniform campaign's model, for a report. */
function modelJson(o: CampaignOptions, file: string | undefined): Record<string, unknown> {
  const u = o.uniform!;
  return { capacity: u.capacity, sha256: u.sha256, bytes: u.bytes, file: file ?? null, compiled: u.file === undefined, fault: u.fault ?? null };
}

/** Prompt tokens of circuit `c` through the campaign's uniform model (its sequence contract). */
function promptLength(o: CampaignOptions, c: Circuit): Record<string, number> {
  return o.uniform ? { prompt_length: bindModel(o.uniform.model, c).seq.promptLength } : {};
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
    ...(o.uniform ? { mode: 'uniform', model: modelJson(o, files.model) } : {}),
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
    original: { file: files.original, gates: f.circuit.ops.length, inputs: f.circuit.nInputs, ...promptLength(o, f.circuit) },
    ...(m && files.minimal
      ? {
          minimal: {
            file: files.minimal,
            gates: m.circuit.ops.length,
            inputs: m.circuit.nInputs,
            outputs: m.circuit.outputs.reduce((s, g) => s + g.wires.length, 0),
            ...promptLength(o, m.circuit),
            ...(files.cvp ? { cvp: files.cvp } : {}),
            failure: failureJson(m.failure),
          },
          shrink: { mode: m.mode, tests: m.tests, accepted: m.accepted, complete: m.complete },
          reproduced: f.reproduced,
        }
      : {}),
    reproduce: {
      case: caseCommand(o, f.index, f.cot, f.backend),
      failure: reproduceCommand(o, f, target, files.model),
      ...(files.cvp ? { cvp: reproduceCommand(o, f, files.cvp, files.model) } : {}),
      ...(files.minimal ? { test: `gatecot test ${files.minimal}` } : {}),
    },
  };
}
