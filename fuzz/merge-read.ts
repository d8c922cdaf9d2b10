// Reading what fuzz shards left behind, for `gatecot fuzz merge` (merge.ts): JSON-lines files
// (`fuzz --json`; several runs may follow one another in one file, as `cat` leaves them) and
// finding folders (the reports `fuzz-*.json` of artifacts.ts, and the `.orig.gc` files of
// failures whose report never came: a shard that died while shrinking). A folder is searched
// recursively (symbolic links are not followed) for `*.jsonl` files and `fuzz-*` files. A final
// line cut off mid-way (no newline: a shard killed while writing) is dropped and its run counts
// as having died; any other line that is not a JSON object is a one-line error.
// Every record names its campaign as the finding files do: the seed and keyHash of the options.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { UserError } from '../common/errors.js';
import { optionsKey } from './report.js';
import { parseShard, type Shard } from './seeds.js';

/** A campaign as finding file names name it: fuzz-s<seed>-i<i>-<cot>-<key>. */
export interface CampaignId {
  seed: string;
  /** 8 hex digits: keyHash of the campaign's options (report.ts). */
  key: string;
}

export interface RunStart extends CampaignId {
  count: number | null;
  /** --index i: a rerun of one case (no shard structure). */
  index: number | null;
  shard: Shard;
  options: Record<string, unknown>;
}

export interface CaseLine {
  index: number;
  ok: boolean;
  circuitHash: string;
  inputs: number;
  positions: number;
}

/** A finding as a JSON line, a report or an orphan .orig.gc names it. */
export interface FindingRef extends CampaignId {
  index: number;
  cot: string;
  backend: string | null;
  signature: string | null;
  /** Paths as recorded (relative to where that shard ran, or absolute). */
  minimal?: string;
  original?: string;
  report?: string;
  /** The file this record was read from: a JSON line, a report, or an orphan .orig.gc. */
  source: string;
  from: 'line' | 'report' | 'orig';
}

/** One `fuzz --json` run: its start line and what followed it. */
export interface Run {
  file: string;
  line: number;
  start: RunStart;
  cases: CaseLine[];
  findings: FindingRef[];
  /** The summary's stopped_by; absent when the run has no summary line (it died). */
  stoppedBy?: string;
}

export interface ShardOutputs {
  runs: Run[];
  /** Finding reports and orphan .orig.gc files of the folders. */
  found: FindingRef[];
  jsonlFiles: string[];
  folders: string[];
  /** JSON-lines files with nothing in them (a shard that died before its start line). */
  emptyFiles: string[];
  /** Base name -> path of every file of the folders (reports name files where the shard ran). */
  byName: Map<string, string>;
}

const MAX_DEPTH = 8;
const ORIG_RE = /^fuzz-s(\d+)-i(\d+)-(.+)-([0-9a-f]{8})\.orig(?:-\d+)?\.gc$/;

type Obj = Record<string, unknown>;

function bad(where: string, what: string): UserError {
  return new UserError(`fuzz merge: ${where}: ${what}`);
}

function num(o: Obj, k: string, where: string, nullable = false): number | null {
  const v = o[k];
  if (nullable && v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(where, `field '${k}' must be a non-negative integer`);
  return v;
}

function str(o: Obj, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw bad(where, `field '${k}' must be a string`);
  return v;
}

function optStr(o: Obj, k: string): string | null {
  const v = o[k];
  return typeof v === 'string' ? v : null;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function paths(files: Obj | undefined): Pick<FindingRef, 'minimal' | 'original' | 'report'> {
  const r: Pick<FindingRef, 'minimal' | 'original' | 'report'> = {};
  for (const k of ['minimal', 'original', 'report'] as const) {
    const v = files?.[k];
    if (typeof v === 'string') r[k] = v;
  }
  return r;
}

function startOf(o: Obj, where: string): RunStart {
  if (o.kind === 'parsers') throw bad(where, 'a --parsers campaign: merge reads circuit campaigns');
  const options = obj(o.options);
  if (!options) throw bad(where, "a start line without 'options'");
  let shard: Shard;
  try {
    shard = parseShard(str(o, 'shard', where));
  } catch {
    throw bad(where, `a start line with a bad shard '${String(o.shard)}'`);
  }
  return { seed: str(o, 'seed', where), key: optionsKey(options), count: num(o, 'count', where, true), index: num(o, 'index', where, true), shard, options };
}

function caseOf(o: Obj, where: string): CaseLine {
  const checks = Array.isArray(o.checks) ? (o.checks as unknown[]) : [];
  const positions = checks.reduce<number>((s, c) => s + (typeof obj(c)?.positions === 'number' ? (obj(c)!.positions as number) : 0), 0);
  return { index: num(o, 'index', where)!, ok: o.ok === true, circuitHash: str(o, 'circuit_hash', where), inputs: typeof o.inputs_tested === 'number' ? o.inputs_tested : 0, positions };
}

/** The runs of one JSON-lines file. */
export function readJsonLines(file: string, text: string): Run[] {
  const lines = text.split('\n');
  const cutOff = !text.endsWith('\n');
  const runs: Run[] = [];
  for (const [k, raw] of lines.entries()) {
    const where = `${file}:${k + 1}`;
    if (raw.trim() === '') continue;
    let o: Obj | undefined;
    try {
      o = obj(JSON.parse(raw));
    } catch {
      o = undefined;
    }
    if (!o || typeof o.event !== 'string') {
      if (cutOff && k === lines.length - 1) break; // the last line, cut off by a dying shard
      throw bad(where, 'not a JSON line of gatecot fuzz --json');
    }
    if (o.event === 'start') {
      runs.push({ file, line: k + 1, start: startOf(o, where), cases: [], findings: [] });
      continue;
    }
    const run = runs[runs.length - 1];
    if (!run) throw bad(where, `a '${o.event}' line before any start line`);
    if (o.event === 'case') run.cases.push(caseOf(o, where));
    else if (o.event === 'finding') {
      const { seed, key } = run.start;
      run.findings.push({ seed, key, index: num(o, 'index', where)!, cot: str(o, 'cot', where), backend: optStr(o, 'backend'), signature: optStr(o, 'signature'), ...paths(obj(o.files)), source: file, from: 'line' });
    } else if (o.event === 'summary') run.stoppedBy = typeof o.stopped_by === 'string' ? o.stopped_by : 'count';
  }
  return runs;
}

/** A finding report (artifacts.ts), or undefined for a parser report or other JSON. */
function readReport(file: string): FindingRef | undefined {
  let o: Obj | undefined;
  try {
    o = obj(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    throw bad(file, 'not a JSON finding report');
  }
  if (!o || o.gatecot_fuzz_report === undefined || o.kind === 'parser') return undefined;
  const options = obj(o.options);
  if (!options) throw bad(file, "a finding report without 'options'");
  const failure = obj(o.failure);
  const files: Obj = { original: obj(o.original)?.file, minimal: obj(o.minimal)?.file, report: file };
  return { seed: str(o, 'seed', file), key: optionsKey(options), index: num(o, 'index', file)!, cot: str(o, 'cot', file), backend: optStr(o, 'backend'), signature: failure ? optStr(failure, 'signature') : null, ...paths(files), source: file, from: 'report' };
}

function walk(dir: string, depth: number, out: ShardOutputs, orig: string[], reports: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw bad(dir, `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, d.name);
    if (d.isDirectory()) {
      if (depth < MAX_DEPTH) walk(p, depth + 1, out, orig, reports);
      continue;
    }
    if (!d.isFile() || d.name.includes('.tmp-')) continue;
    if (!out.byName.has(d.name)) out.byName.set(d.name, p);
    if (d.name.endsWith('.jsonl')) out.jsonlFiles.push(p);
    else if (ORIG_RE.test(d.name)) orig.push(p);
    else if (d.name.startsWith('fuzz-') && d.name.endsWith('.json')) reports.push(p);
  }
}

function orphan(file: string): FindingRef {
  const m = ORIG_RE.exec(basename(file))!;
  return { seed: m[1]!, key: m[4]!, index: Number(m[2]), cot: m[3]!, backend: null, signature: null, original: file, source: file, from: 'orig' };
}

function isReportFile(p: string): boolean {
  return /^fuzz-.*\.json$/.test(basename(p));
}

/** Reads every path: folders (searched) and files (JSON lines, or a single finding report). */
export function readShardOutputs(inputs: string[]): ShardOutputs {
  const out: ShardOutputs = { runs: [], found: [], jsonlFiles: [], folders: [], emptyFiles: [], byName: new Map() };
  const orig: string[] = [];
  const reports: string[] = [];
  for (const p of inputs) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw bad(p, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (st.isDirectory()) {
      out.folders.push(p);
      walk(p, 0, out, orig, reports);
    } else if (isReportFile(p)) reports.push(p);
    else if (st.isFile()) out.jsonlFiles.push(p);
    else throw bad(p, 'neither a file nor a folder');
  }
  out.jsonlFiles = [...new Set(out.jsonlFiles)];
  for (const f of out.jsonlFiles) {
    const text = readFileSync(f, 'utf8');
    if (text.trim() === '') out.emptyFiles.push(f);
    else out.runs.push(...readJsonLines(f, text));
  }
  for (const f of new Set(reports)) {
    const r = readReport(f);
    if (r) out.found.push(r);
  }
  for (const f of new Set(orig)) out.found.push(orphan(f));
  return out;
}

/**
 * Where a file a finding names is now: beside the report that names it, anywhere in the folders
 * read (by base name), where it was written, or relative to the JSON-lines file that names it.
 */
export function locate(path: string, ref: FindingRef, byName: Map<string, string>): string | undefined {
  const candidates = [join(dirname(ref.source), basename(path)), byName.get(basename(path)), path, isAbsolute(path) ? undefined : join(dirname(ref.source), path)];
  for (const c of candidates) {
    if (c === undefined) continue;
    try {
      if (existsSync(c) && statSync(c).isFile()) return c;
    } catch {
      // not there
    }
  }
  return undefined;
}
