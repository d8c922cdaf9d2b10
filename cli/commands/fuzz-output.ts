// What `gatecot fuzz` prints besides its progress bar (cli/progress.ts): one JSON object per line
// with --json, otherwise a line per failure; and a summary.

import type { CampaignSummary, CaseResult, Finding, FindingFiles, ParserCampaignSummary, ParserCase, Shard, UniformTarget } from '../../fuzz/index.js';
import { bitString } from '../../fuzz/index.js';
import type { CpuKernel } from '../../runtime/index.js';
import type { Io } from '../io.js';

export function extentJson(e: { count?: number; index?: number; timeBudget?: number; shard: Shard }): Record<string, unknown> {
  return { count: e.count ?? null, index: e.index ?? null, time_budget: e.timeBudget ?? null, shard: `${e.shard.index}/${e.shard.count}` };
}

export function jsonLine(io: Io, obj: Record<string, unknown>): void {
  io.out(JSON.stringify(obj, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n');
}

/** The uniform campaign's model, for the start, case and summary lines. */
export function uniformJson(u: UniformTarget): Record<string, unknown> {
  return { mode: 'uniform', capacity: u.capacity, model_sha256: u.sha256, model_file: u.file ?? null, model_bytes: u.bytes, model_seconds: Number(u.seconds.toFixed(3)) };
}

/** One line about the uniform campaign's model, for the terminal. */
export function uniformText(u: UniformTarget): string {
  const how = u.file !== undefined ? `loaded from ${u.file}` : `compiled${u.fault ? ` with fault ${u.fault}` : ''}`;
  return `uniform model: capacity ${u.capacity} wires, d_model ${u.model.d}, ${u.bytes} bytes, sha256 ${u.sha256}, ${how} in ${u.seconds.toFixed(2)} s`;
}

/** The mode fields of a case or summary line. */
function modeJson(u: UniformTarget | undefined): Record<string, unknown> {
  return u ? { mode: 'uniform', capacity: u.capacity, model_sha256: u.sha256 } : { mode: 'positional' };
}

export function caseJson(r: CaseResult, uniform?: UniformTarget): Record<string, unknown> {
  const prompt = r.checks.find((c) => c.promptLength !== undefined)?.promptLength;
  return {
    event: 'case',
    index: r.index,
    ok: r.ok,
    backend: r.backend,
    ...modeJson(uniform),
    gates: r.spec.gates,
    inputs: r.spec.inputs,
    prompt_length: prompt ?? null,
    case_seed: `0x${r.spec.caseSeed.toString(16).padStart(16, '0')}`,
    circuit_hash: r.circuitHash,
    inputs_tested: r.inputs,
    checks: r.checks.map((c) => ({ cot: c.cot, ok: c.ok, positions: c.positions, ...(c.failure ? { signature: c.failure.signature } : {}) })),
    seconds: Number(r.seconds.toFixed(3)),
  };
}

export function findingJson(f: Finding, files: FindingFiles & { report: string }): Record<string, unknown> {
  const m = f.minimal;
  return {
    event: 'finding',
    index: f.index,
    cot: f.cot,
    backend: f.backend,
    signature: f.failure.signature,
    original: { gates: f.circuit.ops.length, inputs: f.circuit.nInputs },
    ...(m ? { minimal: { gates: m.circuit.ops.length, inputs: m.circuit.nInputs, input: bitString(m.failure.witness) }, shrink_mode: m.mode, reproduced: f.reproduced } : {}),
    files,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** One line about a finding, for the terminal. */
export function findingText(f: Finding, files: FindingFiles & { report: string }): string {
  const fl = f.failure;
  const d = fl.detail;
  let what: string;
  // A uniform model also writes a CoT group for each input wire (gate -1): named by its label.
  if (fl.kind === 'teacher-forcing' && d) what = `position ${d.position + 1} holds '${d.produced}' where '${d.expected}' was due (${d.gate >= 0 ? `gate ${d.gate}` : d.gateLabel})`;
  else if (fl.kind === 'generation') what = `generation gave outputs ${fl.outputs?.produced}, direct evaluation ${fl.outputs?.expected}`;
  else what = `exception: ${(fl.message ?? '').split('\n')[0]}`;
  const m = f.minimal;
  const shrunk = m
    ? `; shrunk ${plural(f.circuit.ops.length, 'gate')}, ${plural(f.circuit.nInputs, 'input')} -> ${plural(m.circuit.ops.length, 'gate')}, ${plural(m.circuit.nInputs, 'input')}${f.reproduced ? '' : ' (the written file does not reproduce it!)'}`
    : '';
  const where = f.backend === 'cpu' ? f.cot : `${f.cot}, ${f.backend}`;
  return `FAIL case ${f.index} (${where}): ${what}${shrunk}: ${files.minimal ?? files.original} (report ${files.report})\n`;
}

export function summaryJson(s: CampaignSummary, seed: bigint, uniform?: UniformTarget): Record<string, unknown> {
  return {
    event: 'summary',
    kind: 'circuits',
    ...modeJson(uniform),
    seed: String(seed),
    cases: s.cases,
    failed_cases: s.failedCases,
    findings: s.findings,
    inputs: s.inputs,
    positions: s.positions,
    seconds: Number(s.seconds.toFixed(3)),
    stopped_by: s.stoppedBy,
    backend: s.backend,
  };
}

export function parserSummaryJson(s: ParserCampaignSummary, seed: bigint, seedFiles: number): Record<string, unknown> {
  return {
    event: 'summary',
    kind: 'parsers',
    seed: String(seed),
    seed_files: seedFiles,
    cases: s.cases,
    parsed: s.parsed,
    rejected: s.rejected,
    problems: s.problems,
    seconds: Number(s.seconds.toFixed(3)),
    stopped_by: s.stoppedBy,
  };
}

/** The campaign's summary line; `on` names the engine: sparse attention, or which CPU loop ran f32 (runtime cpuKernelFor). */
export function summaryText(s: CampaignSummary, what: string, on: { sparse?: boolean; cpuKernel?: CpuKernel } = {}): string {
  const rate = s.seconds > 0 ? s.cases / s.seconds : 0;
  const stop = s.stoppedBy === 'count' ? '' : ` (stopped: ${s.stoppedBy})`;
  return (
    `fuzz ${what}: ${plural(s.cases, 'case')}, ${plural(s.inputs, 'input')}, ${s.positions} CoT positions checked, ` +
    `${plural(s.failedCases, 'failing case')} (${plural(s.findings, 'finding')}); ${s.seconds.toFixed(1)} s, ${rate.toFixed(2)} cases/s ` +
    `on ${s.backend === 'webgpu' ? 'WebGPU' : on.sparse ? 'the CPU with sparse attention' : on.cpuKernel === 'fast' ? 'the CPU (fast f32 kernel)' : 'the CPU reference'}${stop}\n`
  );
}

export function parserCaseJson(c: ParserCase): Record<string, unknown> {
  return {
    event: 'case',
    index: c.index,
    seed_file: c.seedFile,
    format: c.format,
    mutations: c.mutations,
    bytes: c.bytes.length,
    status: c.outcome.status,
    ms: Number(c.outcome.ms.toFixed(2)),
  };
}

export function parserFindingText(c: ParserCase, file: string): string {
  return `PROBLEM mutant ${c.index} (${c.format}, ${c.mutations.join('+')} of ${c.seedFile}): ${c.outcome.status}: ${(c.outcome.message ?? '').slice(0, 200)}: ${file}\n`;
}

export function parserSummaryText(s: ParserCampaignSummary, what: string): string {
  const stop = s.stoppedBy === 'count' ? '' : ` (stopped: ${s.stoppedBy})`;
  return (
    `fuzz --parsers ${what}: ${plural(s.cases, 'mutant')}: ${s.parsed} parsed, ${s.rejected} rejected with a one-line error, ` +
    `${plural(s.problems, 'problem')} (crash, hang, bad message or bad circuit); ${s.seconds.toFixed(1)} s${stop}\n`
  );
}
