// `gatecot fuzz merge PATH...`: the JSON lines and finding folders of a campaign's shards, in
// any mix, as one campaign summary (fuzz/merge.ts): the cases run, each shard's state,
// the cases missing (a shard that died or left nothing), the failing cases and the findings
// de-duplicated by reproducer circuit. Text, or one JSON object with --json. Exit 0 when every
// case due ran (or was left out by a time budget or --max-failures) and nothing failed; 1 when
// something failed or cases are lost; 2 for bad input.

import type { Command } from 'commander';
import { mergeShards, type CaseRun, type MergedFinding, type MergeSummary, type ShardStatus } from '../../fuzz/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED, UsageError } from '../errors.js';
import { jsonLine } from './fuzz-output.js';

const MAX_RUNS = 8;
const MAX_LIST = 20;
const MAX_SHARD_LINES = 16;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Case runs as text: "1, 4, 7" for short runs, "1..298 step 3" for long ones. */
export function runsText(runs: CaseRun[]): string {
  const parts = runs.slice(0, MAX_RUNS).map((r) => {
    if (r.count <= 3) return Array.from({ length: r.count }, (_, k) => r.first + k * r.step).join(', ');
    return `${r.first}..${r.last}${r.step > 1 ? ` step ${r.step}` : ''}`;
  });
  if (runs.length > MAX_RUNS) parts.push(`... (${runs.length - MAX_RUNS} more runs)`);
  return parts.join(', ');
}

function listText(xs: number[]): string {
  return xs.slice(0, MAX_LIST).join(', ') + (xs.length > MAX_LIST ? `, ... (${xs.length - MAX_LIST} more)` : '');
}

const STATE_TEXT: Record<ShardStatus['state'], string> = {
  complete: 'complete',
  'time-budget': 'stopped by its time budget',
  'max-failures': 'stopped by --max-failures',
  interrupted: 'interrupted',
  died: 'died (no summary line)',
  absent: 'absent (no output)',
};

function shardText(s: ShardStatus): string {
  const state = s.state === 'died' && s.lastCase !== null ? `died after case ${s.lastCase}` : STATE_TEXT[s.state];
  const of = s.expected !== null ? `${s.cases} of ${s.expected}` : `${s.cases}`;
  const missing = s.missing && s.missing.length > 0 ? `; missing ${runsText(s.missing)}` : '';
  return `  shard ${s.shard.index}/${s.shard.count}: ${state}, ${of} cases${missing}\n`;
}

function findingText(f: MergedFinding, k: number): string {
  const what = [f.cot, f.backend, f.signature].filter((x) => x !== null).join(', ');
  const size = f.gates !== null ? `${plural(f.gates, 'gate')}, ${plural(f.inputs!, 'input')} (${f.minimal ? 'minimal' : 'as found'}, circuit ${f.circuitHash!.slice(0, 12)})` : 'circuit file not found';
  return `  finding ${k + 1} (${what}): ${size}: ${f.cases.length === 1 ? 'case' : 'cases'} ${listText(f.cases)}${f.file !== null ? `: ${f.file}` : ''}\n`;
}

export function mergeText(s: MergeSummary): string {
  const extent = s.shards === null ? 'no shard JSON lines' : `${plural(s.shards, 'shard')}, ${s.count === null ? 'no --count' : `cases 0..${s.count - 1}`}`;
  const read = [plural(s.jsonlFiles.length, 'JSON-lines file'), plural(s.folders.length, 'folder')].join(', ');
  let t = `fuzz merge: seed ${s.seed} (options ${s.key}), ${extent}; read ${read}, ${plural(s.runs, 'run')}\n`;
  // Many shards: the complete ones as one line, the others each on its own.
  const listed = s.shardStatus.length <= MAX_SHARD_LINES ? s.shardStatus : s.shardStatus.filter((x) => x.state !== 'complete');
  if (listed.length < s.shardStatus.length) t += `  ${s.shardStatus.length - listed.length} of ${plural(s.shardStatus.length, 'shard')} complete\n`;
  for (const sh of listed) t += shardText(sh);
  if (s.emptyFiles.length > 0) t += `  empty: ${s.emptyFiles.join(', ')}\n`;
  const due = s.count !== null && s.shards !== null ? ` of ${s.count}` : '';
  const missing = s.missingCount === null ? 'missing cases unknown' : s.missingCount === 0 ? 'none missing' : `${s.missingCount} missing (${s.lostCount} lost with shards that died, are absent or were interrupted)`;
  t += `cases: ${s.cases}${due} ran, ${missing}; ${s.inputs} inputs, ${s.positions} CoT positions checked\n`;
  t += `failing cases: ${s.failedCases.length}${s.failedCases.length > 0 ? ` (${listText(s.failedCases)})` : ''}; ${plural(s.findings.length, 'distinct finding')} by reproducer circuit\n`;
  s.findings.forEach((f, k) => (t += findingText(f, k)));
  if (s.unreported.length > 0) t += `  failing cases without a finding record (died before writing it?): ${listText(s.unreported)}\n`;
  if (s.otherCampaigns > 0) t += `  left out: ${plural(s.otherCampaigns, 'finding')} of other campaigns in the folders\n`;
  const lost = s.shardStatus.filter((x) => x.state === 'absent' || x.state === 'died' || x.state === 'interrupted').map((x) => `${x.shard.index}/${x.shard.count}`);
  if (s.complete) t += s.failedCases.length === 0 ? 'campaign complete: nothing failed\n' : 'campaign complete: failures found\n';
  else if (lost.length > 0) t += `campaign INCOMPLETE: rerun --shard ${lost.join(', ')} with the campaign's options\n`;
  else t += 'campaign INCOMPLETE: no shard JSON lines were read\n';
  return t;
}

function runsJson(runs: CaseRun[] | null): Record<string, unknown> | null {
  return runs === null ? null : { count: runs.reduce((t, r) => t + r.count, 0), runs };
}

export function mergeJson(s: MergeSummary): Record<string, unknown> {
  return {
    event: 'merge',
    seed: s.seed,
    options_key: s.key,
    options: s.options,
    shards: s.shards,
    count: s.count,
    files: { jsonl: s.jsonlFiles, folders: s.folders, empty: s.emptyFiles },
    runs: s.runs,
    cases: s.cases,
    missing: runsJson(s.missing),
    lost: s.lostCount,
    complete: s.complete,
    shard_status: s.shardStatus.map((x) => ({ shard: `${x.shard.index}/${x.shard.count}`, state: x.state, runs: x.runs, cases: x.cases, expected: x.expected, last_case: x.lastCase, missing: runsJson(x.missing) })),
    failed_cases: s.failedCases.length,
    failing: s.failedCases,
    inputs: s.inputs,
    positions: s.positions,
    findings: s.findings.map((f) => ({ cot: f.cot, backend: f.backend, signature: f.signature, circuit_sha256: f.circuitHash, minimal: f.minimal, gates: f.gates, inputs: f.inputs, cases: f.cases, file: f.file, report: f.report })),
    unreported: s.unreported,
    other_campaigns: s.otherCampaigns,
  };
}

/** `fuzz merge` under `fuzz`: the parent takes the options written after `merge` too, so --json is read from it and any campaign option is refused. */
export function registerFuzzMerge(fuzz: Command, ctx: CliContext): void {
  fuzz
    .command('merge')
    .description("one campaign summary from its shards' JSON lines and finding folders: cases run, cases missing, findings de-duplicated")
    .argument('<paths...>', 'JSON-lines files of fuzz --json and finding folders (searched for *.jsonl and fuzz-* files), in any mix')
    .option('--json', 'one JSON object')
    .action((paths: string[], o: { json?: boolean }) => {
      const given = fuzz.options.find((opt) => opt.attributeName() !== 'json' && fuzz.getOptionValueSource(opt.attributeName()) === 'cli');
      if (given) throw new UsageError(`fuzz merge takes paths and --json; ${given.long ?? given.flags} is an option of a fuzz campaign`);
      const json = o.json === true || fuzz.opts<{ json?: boolean }>().json === true;
      const s = mergeShards(paths);
      if (json) jsonLine(ctx.io, mergeJson(s));
      else ctx.io.out(mergeText(s));
      if (s.failedCases.length > 0 || !s.complete) ctx.code = EXIT_CHECK_FAILED;
    });
}
