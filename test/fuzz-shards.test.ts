// Fuzzing across machines: `--shard auto` from the Kubernetes and Slurm environment variables
// (set in this process and restored), `gatecot fuzz merge` on the real outputs of a sharded
// campaign with an injected fault (a shard deleted, one cut off mid-line, a finding copied), and
// deploy/: the Indexed Job manifest and the Slurm script, whose commands must pass the CLI.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCircuitText } from '../circuits/index.js';
import { shardFromEnv } from '../cli/shard-env.js';
import { cli, jsonEvents, type CliResult } from './cli-helpers.js';
import { repoRoot } from './shared.js';
import { parseYamlDocs, type Yaml } from './yaml-subset.js';

const tmp = mkdtempSync(join(tmpdir(), 'gatecot-shards-'));
const SHARD_VARS = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_STEP'];
/** A tiny campaign on the CPU reference (these tests check the sharding, not an engine). */
const TINY = ['--seed', '1', '--count', '12', '--gates', '1..12', '--inputs', '1..4', '--cot', 'gate', '--backend', 'cpu'];

/** Runs `fn` with exactly `vars` of the shard variables set in process.env; restores them all. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map(SHARD_VARS.map((k) => [k, process.env[k]]));
  for (const k of SHARD_VARS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function caseKeys(r: CliResult): string[] {
  return jsonEvents(r.stdout, 'case').map((e) => `${String(e.index)}:${String(e.circuit_hash)}`);
}

function oneLineError(r: CliResult, why: RegExp, what: string): void {
  expect(r.code, what).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), what).toHaveLength(1);
  expect(r.stderr, what).toMatch(why);
}

describe('--shard auto: the shard from the environment', () => {
  it('Kubernetes: JOB_COMPLETION_INDEX k (0-based) with --shards N is shard k+1 of N', () => {
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 4).shard).toEqual({ index: 1, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '3' }, 4).shard).toEqual({ index: 4, count: 4 });
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', SLURM_ARRAY_TASK_ID: '' }, 3).from).toBe('JOB_COMPLETION_INDEX=2 of --shards 3');
  });

  it('Slurm: task ID of the array MIN..MAX step S is shard (ID - MIN)/S + 1 of COUNT', () => {
    const arr = (id: number, min: number, max: number, step = 1): Record<string, string> => ({
      SLURM_ARRAY_TASK_ID: String(id),
      SLURM_ARRAY_TASK_MIN: String(min),
      SLURM_ARRAY_TASK_MAX: String(max),
      SLURM_ARRAY_TASK_STEP: String(step),
      SLURM_ARRAY_TASK_COUNT: String((max - min) / step + 1),
    });
    expect(shardFromEnv(arr(0, 0, 15)).shard).toEqual({ index: 1, count: 16 });
    expect(shardFromEnv(arr(15, 0, 15)).shard).toEqual({ index: 16, count: 16 });
    expect(shardFromEnv(arr(1, 1, 16)).shard).toEqual({ index: 1, count: 16 });
    expect(shardFromEnv(arr(16, 1, 16)).shard).toEqual({ index: 16, count: 16 });
    expect(shardFromEnv(arr(102, 100, 115)).shard).toEqual({ index: 3, count: 16 });
    expect(shardFromEnv(arr(9, 5, 35, 2)).shard).toEqual({ index: 3, count: 16 });
    expect(shardFromEnv(arr(3, 1, 4), 4).shard).toEqual({ index: 3, count: 4 });
    // Without STEP and MAX (older Slurm): STEP 1, MAX unchecked.
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_COUNT: '3' }).shard).toEqual({ index: 3, count: 3 });
  });

  it('refuses what does not fit together, naming the variable', () => {
    const slurm = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_COUNT: '3' };
    for (const [env, shards, why] of [
      [{}, undefined, /neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID/],
      [{ JOB_COMPLETION_INDEX: '' }, 4, /neither/],
      [{ JOB_COMPLETION_INDEX: '4' }, 4, /JOB_COMPLETION_INDEX=4 is not below --shards 4/],
      [{ JOB_COMPLETION_INDEX: '0' }, undefined, /needs --shards N/],
      [{ JOB_COMPLETION_INDEX: 'x' }, 4, /JOB_COMPLETION_INDEX must be a non-negative integer, got 'x'/],
      [{ JOB_COMPLETION_INDEX: '-1' }, 4, /non-negative integer/],
      [{ JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '1' }, 4, /both JOB_COMPLETION_INDEX .* and SLURM_ARRAY_TASK_ID/],
      [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1' }, undefined, /SLURM_ARRAY_TASK_COUNT is not/],
      [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '4' }, undefined, /SLURM_ARRAY_TASK_MIN is not/],
      [slurm, undefined, /not one evenly stepped range \(MIN 1, MAX 7, STEP 1, COUNT 3\)/],
      [{ ...slurm, SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_ID: '4' }, undefined, /SLURM_ARRAY_TASK_ID=4 is not a task of the array 1..3/],
      [{ ...slurm, SLURM_ARRAY_TASK_MAX: '5', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_ID: '2' }, undefined, /SLURM_ARRAY_TASK_ID=2 is not a task of the array 1..5 step 2/],
      [{ ...slurm, SLURM_ARRAY_TASK_MAX: '3' }, 4, /--shards 4 disagrees with SLURM_ARRAY_TASK_COUNT=3/],
      [{ ...slurm, SLURM_ARRAY_TASK_COUNT: '0' }, undefined, /at least 1/],
    ] as [Record<string, string>, number | undefined, RegExp][]) {
      expect(() => shardFromEnv(env, shards), JSON.stringify(env)).toThrow(why);
    }
  });

  it('gatecot fuzz --shard auto runs the cases of --shard I/N, from process.env, and says where the shard came from', async () => {
    const args = ['fuzz', ...TINY, '--count', '7', '--gates', '1..6', '--json', '--out', join(tmp, 'auto')];
    const before = process.env.JOB_COMPLETION_INDEX;
    for (let k = 0; k < 3; k++) {
      const byFlag = await cli(...args, '--shard', `${k + 1}/3`);
      const k8s = await withEnv({ JOB_COMPLETION_INDEX: String(k) }, () => cli(...args, '--shard', 'auto', '--shards', '3'));
      expect(k8s.code, k8s.stderr).toBe(0);
      expect(k8s.stderr).toBe(`gatecot: --shard auto: shard ${k + 1}/3 from JOB_COMPLETION_INDEX=${k} of --shards 3\n`);
      expect(jsonEvents(k8s.stdout, 'start')[0]!.shard).toBe(`${k + 1}/3`);
      expect(caseKeys(k8s)).toEqual(caseKeys(byFlag));
      expect(jsonEvents(k8s.stdout, 'case').every((e) => Number(e.index) % 3 === k)).toBe(true);
      // A Slurm array 5-7: task 5 + k is shard k + 1.
      const env = { SLURM_ARRAY_TASK_ID: String(5 + k), SLURM_ARRAY_TASK_MIN: '5', SLURM_ARRAY_TASK_MAX: '7', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_STEP: '1' };
      const sl = await withEnv(env, () => cli(...args, '--shard', 'auto'));
      expect(sl.code, sl.stderr).toBe(0);
      expect(sl.stderr).toMatch(new RegExp(`^gatecot: --shard auto: shard ${k + 1}/3 from SLURM_ARRAY_TASK_ID=${5 + k} of the array 5\\.\\.7 \\(3 tasks\\)\\n$`));
      expect(caseKeys(sl)).toEqual(caseKeys(byFlag));
    }
    expect(process.env.JOB_COMPLETION_INDEX).toBe(before);
  });

  it('bad combinations: one line, exit 2, before any case runs', async () => {
    const out = join(tmp, 'bad-auto');
    const run = (env: Record<string, string>, ...args: string[]): Promise<CliResult> => withEnv(env, () => cli('fuzz', ...TINY, '--out', out, ...args));
    oneLineError(await run({}, '--shard', 'auto'), /neither JOB_COMPLETION_INDEX/, 'no variables');
    oneLineError(await run({}, '--shard', 'auto', '--shards', '4'), /neither/, 'no variables, --shards');
    oneLineError(await run({ JOB_COMPLETION_INDEX: '3' }, '--shard', 'auto', '--shards', '3'), /JOB_COMPLETION_INDEX=3 is not below --shards 3/, 'index >= shards');
    oneLineError(await run({ JOB_COMPLETION_INDEX: '0' }, '--shard', 'auto'), /needs --shards N/, 'no --shards');
    oneLineError(await run({ JOB_COMPLETION_INDEX: '0' }, '--shard', 'auto', '--shards', '0'), /--shards must be an integer from 1/, '--shards 0');
    oneLineError(await run({}, '--shard', '1/3', '--shards', '3'), /--shards N goes with --shard auto/, '--shards with I/N');
    oneLineError(await run({}, '--shards', '3'), /--shards N goes with --shard auto/, '--shards alone');
    oneLineError(await run({ JOB_COMPLETION_INDEX: '0' }, '--shard', 'auto', '--shards', '2', '--index', '3'), /--index runs one case/, '--index');
    const slurm = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_COUNT: '4' };
    oneLineError(await run(slurm, '--shard', 'auto', '--shards', '3'), /--shards 3 disagrees with SLURM_ARRAY_TASK_COUNT=4/, 'slurm --shards');
    oneLineError(await run({ ...slurm, JOB_COMPLETION_INDEX: '1' }, '--shard', 'auto', '--shards', '4'), /both/, 'both');
    oneLineError(await withEnv({}, () => cli('fuzz', '--parsers', '--count', '3', '--shard', 'auto', '--out', out)), /neither/, 'parser campaign');
    expect(readdirSync(tmp)).not.toContain('bad-auto');
  });
});

/** One shard's output folder: its JSON lines (fuzz-<k>.jsonl) and its findings (findings/). */
interface ShardDir {
  dir: string;
  jsonl: string;
  findings: string;
}

/** Case indices of the runs a merge --json lists (expanded). */
function expand(runs: { first: number; last: number; step: number }[]): number[] {
  const out: number[] = [];
  for (const r of runs) for (let i = r.first; i <= r.last; i += r.step) out.push(i);
  return out.sort((a, b) => a - b);
}

/** Minimal .gc files of finding folders, keyed by structure (gates, operands, outputs; not names or tests). */
function minimalCircuits(folders: string[]): Map<string, number[]> {
  const byCircuit = new Map<string, number[]>();
  for (const d of folders) {
    for (const f of readdirSync(d)) {
      const m = /^fuzz-s\d+-i(\d+)-gate-[0-9a-f]{8}\.gc$/.exec(f);
      if (!m) continue;
      const c = parseCircuitText(readFileSync(join(d, f), 'utf8'), { format: 'gc' });
      const key = JSON.stringify([c.nInputs, [...c.ops], [...c.a], [...c.b], c.outputs.map((g) => g.wires)]);
      byCircuit.set(key, [...new Set([...(byCircuit.get(key) ?? []), Number(m[1])])].sort((a, b) => a - b));
    }
  }
  return byCircuit;
}

async function merge(...paths: string[]): Promise<{ r: CliResult; s: Record<string, any> }> {
  const r = await cli('fuzz', 'merge', ...paths, '--json');
  return { r, s: JSON.parse(r.stdout) as Record<string, any> };
}

describe('gatecot fuzz merge: real shard outputs', () => {
  const shards: ShardDir[] = [];
  const failingByLines = new Set<number>();

  beforeAll(async () => {
    // Three pods of an Indexed Job, each with its own folder: JSON lines and findings.
    for (let k = 0; k < 3; k++) {
      const dir = join(tmp, `pod${k}`);
      mkdirSync(dir);
      const findings = join(dir, 'findings');
      const r = await withEnv({ JOB_COMPLETION_INDEX: String(k) }, () => cli('fuzz', ...TINY, '--inject-fault', 'swap-gate', '--shard', 'auto', '--shards', '3', '--json', '--out', findings));
      expect(r.code, r.stderr).toBe(1);
      const jsonl = join(dir, `fuzz-${k}.jsonl`);
      writeFileSync(jsonl, r.stdout);
      for (const e of jsonEvents(r.stdout, 'case')) if (e.ok === false) failingByLines.add(Number(e.index));
      shards.push({ dir, jsonl, findings });
    }
  });

  it('every shard: the campaign is complete, each case once, findings de-duplicated by circuit', async () => {
    const { r, s } = await merge(...shards.map((x) => x.jsonl), ...shards.map((x) => x.findings));
    expect(r.code, r.stderr).toBe(1); // failures found
    expect(s).toMatchObject({ seed: '1', shards: 3, count: 12, runs: 3, cases: 12, missing: { count: 0, runs: [] }, lost: 0, complete: true });
    expect(s.shard_status.map((x: any) => x.state)).toEqual(['complete', 'complete', 'complete']);
    expect(s.findings[0].report).toMatch(new RegExp(`-${s.options_key}\\.json$`)); // the key of the finding files
    expect(s.failing).toEqual([...failingByLines].sort((a, b) => a - b));
    // One finding per distinct minimal circuit (read here independently); every failing case in one of them.
    const circuits = minimalCircuits(shards.map((x) => x.findings));
    expect(s.findings).toHaveLength(circuits.size);
    expect(s.findings.length).toBeLessThan(s.failing.length); // several cases shrank to one circuit
    expect(s.findings.map((f: any) => f.cases).sort()).toEqual([...circuits.values()].sort());
    expect(s.findings.flatMap((f: any) => f.cases).sort((a: number, b: number) => a - b)).toEqual(s.failing);
    for (const f of s.findings) expect(f).toMatchObject({ cot: 'gate', backend: 'cpu', signature: expect.stringMatching(/^teacher-forcing:/), minimal: true, gates: expect.any(Number) });
    // The JSON lines alone (their finding lines name the files where the shards wrote them) give the same findings.
    const alone = await merge(...shards.map((x) => x.jsonl));
    expect(alone.s.findings).toEqual(s.findings);
  });

  it('a shard that left nothing, a shard cut off mid-line, a copied finding: missing cases named, the finding counted once', async () => {
    const work = join(tmp, 'damaged');
    for (const [k, x] of shards.entries()) cpSync(x.dir, join(work, `pod${k}`), { recursive: true });
    const [d0, , d2] = [0, 1, 2].map((k) => ({ dir: join(work, `pod${k}`), jsonl: join(work, `pod${k}`, `fuzz-${k}.jsonl`), findings: join(work, `pod${k}`, 'findings') }));
    rmSync(join(work, 'pod1'), { recursive: true }); // shard 2/3: nothing at all
    // Shard 3/3 died during its second case: its lines up to the first case (and its finding), then half a line.
    const lines = readFileSync(d2!.jsonl, 'utf8').split('\n');
    const second = lines.findIndex((l, k) => k > 0 && l.includes('"event":"case"') && lines.slice(1, k).some((m) => m.includes('"event":"case"')));
    const kept = lines.slice(0, second);
    writeFileSync(d2!.jsonl, kept.join('\n') + '\n' + lines[second]!.slice(0, 40));
    const keptCases = kept.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === 'case').map((e) => Number(e.index));
    expect(keptCases).toHaveLength(1);
    for (const f of readdirSync(d2!.findings)) if (Number(/-i(\d+)-/.exec(f)![1]) > keptCases[0]!) rmSync(join(d2!.findings, f));
    // A finding of shard 1 copied to another folder (files copied by hand, or a shard's output read twice).
    const dup = join(work, 'copied');
    mkdirSync(dup);
    const first = readdirSync(d0!.findings).find((f) => f.endsWith('.json'))!;
    const stem = first.slice(0, -'.json'.length);
    for (const f of readdirSync(d0!.findings)) if (f.startsWith(stem + '.')) cpSync(join(d0!.findings, f), join(dup, f));
    const dupCase = Number(/-i(\d+)-/.exec(first)![1]);

    const { r, s } = await merge(d0!.jsonl, d0!.findings, d2!.dir, dup);
    expect(r.code).toBe(1);
    const shard1 = [0, 3, 6, 9];
    const ran = new Set([...shard1, ...keptCases]);
    const expectMissing = [...Array(12).keys()].filter((i) => !ran.has(i));
    expect(expand(s.missing.runs)).toEqual(expectMissing);
    expect(s.missing.count).toBe(expectMissing.length);
    expect(s.lost).toBe(expectMissing.length);
    expect(s.cases).toBe(ran.size);
    expect(s.complete).toBe(false);
    expect(s.shard_status.map((x: any) => [x.shard, x.state, x.cases])).toEqual([
      ['1/3', 'complete', 4],
      ['2/3', 'absent', 0],
      ['3/3', 'died', 1],
    ]);
    expect(expand(s.shard_status[1].missing.runs)).toEqual([1, 4, 7, 10]);
    // The copied finding counts once; findings are still one per distinct minimal circuit.
    const cases = s.findings.flatMap((f: any) => f.cases);
    expect(cases.filter((c: number) => c === dupCase)).toHaveLength(1);
    expect(new Set(cases).size).toBe(cases.length);
    expect(s.findings).toHaveLength(minimalCircuits([d0!.findings, d2!.findings]).size);
    expect(s.failing).toEqual([...failingByLines].filter((i) => ran.has(i)).sort((a, b) => a - b));

    const text = await cli('fuzz', 'merge', d0!.jsonl, d0!.findings, d2!.dir, dup);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^fuzz merge: seed 1 \(options [0-9a-f]{8}\), 3 shards, cases 0\.\.11; /);
    expect(text.stdout).toContain('  shard 2/3: absent (no output), 0 of 4 cases; missing 1..10 step 3\n');
    expect(text.stdout).toContain(`  shard 3/3: died after case ${keptCases[0]}, 1 of 4 cases; missing `);
    expect(text.stdout).toContain(`cases: ${ran.size} of 12 ran, ${expectMissing.length} missing (${expectMissing.length} lost with shards that died, are absent or were interrupted)`);
    expect(text.stdout).toMatch(new RegExp(`${s.findings.length} distinct findings? by reproducer circuit`));
    expect(text.stdout).toMatch(/campaign INCOMPLETE: rerun --shard 2\/3, 3\/3 with the campaign's options\n$/);
  });

  it('a clean campaign in two shards: complete, nothing failed, exit 0', async () => {
    const dir = join(tmp, 'clean');
    mkdirSync(dir);
    for (const k of [1, 2]) {
      const r = await cli('fuzz', ...TINY, '--count', '6', '--gates', '1..6', '--shard', `${k}/2`, '--json', '--out', join(dir, 'findings'));
      expect(r.code, r.stderr).toBe(0);
      writeFileSync(join(dir, `fuzz-${k}.jsonl`), r.stdout);
    }
    const r = await cli('fuzz', 'merge', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cases: 6 of 6 ran, none missing;');
    expect(r.stdout).toMatch(/failing cases: 0; 0 distinct findings by reproducer circuit\ncampaign complete: nothing failed\n$/);
  });

  it('bad input: one line, exit 2', async () => {
    const dir = join(tmp, 'bad-merge');
    mkdirSync(dir);
    const text = readFileSync(shards[0]!.jsonl, 'utf8');
    const put = (name: string, body: string): string => {
      writeFileSync(join(dir, name), body);
      return join(dir, name);
    };
    const other = put('other.jsonl', text.replace('"seed":"1"', '"seed":"2"'));
    const counted = put('counted.jsonl', readFileSync(shards[1]!.jsonl, 'utf8').replace('"count":12', '"count":13'));
    const garbage = put('garbage.jsonl', text.split('\n').slice(0, 2).join('\n') + '\nnot json\n' + text.split('\n').slice(2).join('\n'));
    const early = put('early.jsonl', text.split('\n').slice(1).join('\n'));
    const parsers = put('parsers.jsonl', '{"event":"start","kind":"parsers","seed":"1","count":3,"index":null,"shard":"1/1"}\n');
    for (const [args, why] of [
      [[join(dir, 'nope')], /nope: no such file or folder/],
      [[shards[0]!.jsonl, other], /are of different campaigns \(seed 1, options [0-9a-f]{8}; seed 2, options/],
      [[shards[0]!.jsonl, counted], /disagree on --count \(12 and 13\)/],
      [[garbage], /garbage\.jsonl:3: not a JSON line of gatecot fuzz --json/],
      [[early], /early\.jsonl:1: a 'case' line before any start line/],
      [[parsers], /a --parsers campaign: merge reads circuit campaigns/],
      [[put('empty.jsonl', '')], /no fuzz output in/],
      [[shards[0]!.jsonl, '--seed', '3'], /fuzz merge takes paths and --json; --seed is an option of a fuzz campaign/],
      [[], /missing required argument 'paths'/],
    ] as [string[], RegExp][]) {
      oneLineError(await cli('fuzz', 'merge', ...args), why, args.join(' '));
    }
  });
});

function get(y: Yaml | undefined, ...path: (string | number)[]): Yaml | undefined {
  let v = y;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, Yaml>)[k] : undefined;
  return v;
}

/** argv of a command line of whitespace-separated words, with `--flag value` replaced. */
function withFlag(argv: string[], flag: string, value: string): string[] {
  const k = argv.indexOf(flag);
  expect(k, flag).toBeGreaterThanOrEqual(0);
  return [...argv.slice(0, k + 1), value, ...argv.slice(k + 2)];
}

describe('deploy/', () => {
  const deploy = join(repoRoot, 'deploy');

  it('the Indexed Job: a shared volume, N pods, each running `fuzz --shard auto --shards N` that the CLI accepts', async () => {
    const docs = parseYamlDocs(readFileSync(join(deploy, 'fuzz-job.yaml'), 'utf8'));
    const pvc = docs.find((d) => get(d, 'kind') === 'PersistentVolumeClaim');
    const job = docs.find((d) => get(d, 'kind') === 'Job');
    expect(get(pvc, 'apiVersion')).toBe('v1');
    expect(get(pvc, 'spec', 'accessModes')).toEqual(['ReadWriteMany']);
    expect(get(job, 'apiVersion')).toBe('batch/v1');
    expect(get(job, 'spec', 'completionMode')).toBe('Indexed');
    const n = get(job, 'spec', 'completions') as number;
    expect(n).toBeGreaterThan(1);
    expect(get(job, 'spec', 'parallelism') as number).toBeLessThanOrEqual(n);
    expect(get(job, 'spec', 'template', 'spec', 'restartPolicy')).toBe('Never'); // podFailurePolicy needs it
    const rules = get(job, 'spec', 'podFailurePolicy', 'rules') as Yaml[];
    expect(rules.some((r) => get(r, 'action') === 'FailJob' && (get(r, 'onExitCodes', 'values') as number[]).includes(2))).toBe(true);
    const container = get(job, 'spec', 'template', 'spec', 'containers', 0);
    const mount = get(container, 'volumeMounts', 0);
    const volume = (get(job, 'spec', 'template', 'spec', 'volumes') as Yaml[]).find((v) => get(v, 'name') === get(mount, 'name'));
    expect(get(volume, 'persistentVolumeClaim', 'claimName')).toBe(get(pvc, 'metadata', 'name'));
    const root = get(mount, 'mountPath') as string;
    expect(get(container, 'command')).toEqual(['/bin/sh', '-c']);
    const sh = get(container, 'args', 0) as string;
    const m = /gatecot (fuzz [^>;&|]*?) > (\S+);/.exec(sh);
    expect(m, sh).not.toBeNull();
    const argv = m![1]!.split(/\s+/);
    expect(argv.join(' ')).toContain(`--shard auto --shards ${n} `);
    expect(argv).toContain('--json');
    const out = argv[argv.indexOf('--out') + 1]!;
    expect(out.startsWith(`${root}/`)).toBe(true);
    expect(m![2]!.startsWith(`${root}/`) && m![2]!.includes('${JOB_COMPLETION_INDEX}')).toBe(true);
    expect(sh).toMatch(/mkdir -p \S+ &&/);
    // The merge pod reads the folder the Job writes, on the same claim.
    const [pod] = parseYamlDocs(readFileSync(join(deploy, 'merge-pod.yaml'), 'utf8'));
    const margs = get(pod, 'spec', 'containers', 0, 'args') as string[];
    expect(margs.slice(0, 2)).toEqual(['fuzz', 'merge']);
    expect(out.startsWith(margs[2]! + '/') && m![2]!.startsWith(margs[2]! + '/')).toBe(true);
    expect(get(pod, 'spec', 'volumes', 0, 'persistentVolumeClaim', 'claimName')).toBe(get(pvc, 'metadata', 'name'));
    // Pod 0's command as written (its own --out here, and a count that gives it two cases) runs.
    const local = withFlag(withFlag(argv, '--out', join(tmp, 'job-out')), '--count', String(n + 1));
    const r = await withEnv({ JOB_COMPLETION_INDEX: '0' }, () => cli(...local));
    expect(r.code, r.stderr).toBe(0);
    expect(jsonEvents(r.stdout, 'start')[0]!.shard).toBe(`1/${n}`);
    expect(jsonEvents(r.stdout, 'case').map((e) => e.index)).toEqual([0, n]);
  });

  it('the Slurm script: an array whose tasks run `fuzz --shard auto`, accepted by the CLI', async () => {
    const text = readFileSync(join(deploy, 'fuzz.sbatch'), 'utf8');
    const arr = /^#SBATCH --array=(\d+)-(\d+)\s*$/m.exec(text);
    expect(arr).not.toBeNull();
    const [min, max] = [Number(arr![1]), Number(arr![2])];
    const command = text.replace(/\\\n\s*/g, '').split('\n').find((l) => l.startsWith('gatecot fuzz '))!;
    const m = /^gatecot (fuzz .*?) > "(\S+)"$/.exec(command);
    expect(m, command).not.toBeNull();
    expect(m![2]).toContain('$SLURM_ARRAY_TASK_ID');
    const argv = withFlag(m![1]!.split(/\s+/), '--out', join(tmp, 'slurm-out'));
    expect(argv.join(' ')).toContain('--shard auto');
    const count = max - min + 1;
    const env = { SLURM_ARRAY_TASK_ID: String(max), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(count), SLURM_ARRAY_TASK_STEP: '1' };
    const r = await withEnv(env, () => cli(...withFlag(argv, '--count', String(2 * count))));
    expect(r.code, r.stderr).toBe(0);
    expect(jsonEvents(r.stdout, 'start')[0]!.shard).toBe(`${count}/${count}`);
    expect(jsonEvents(r.stdout, 'case').map((e) => e.index)).toEqual([count - 1, 2 * count - 1]);
  });

  it('the container recipe: Node 20, lavapipe from bookworm-backports, gatecot built from the repository', () => {
    const df = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
    expect(df.match(/^FROM node:20-bookworm\S*/gm)?.length).toBeGreaterThanOrEqual(1);
    expect(df).toMatch(/bookworm-backports main/);
    expect(df).toMatch(/apt-get install [^\n]*-t bookworm-backports mesa-vulkan-drivers libvulkan1/);
    expect(df).toMatch(/^COPY \. \.$/m);
    expect(df).toMatch(/npm ci/);
    expect(df).toMatch(/ln -s \/opt\/gatecot\/bin\/gatecot\.js \/usr\/local\/bin\/gatecot/);
    expect(df).toMatch(/^ENTRYPOINT \["gatecot"\]$/m);
    expect(readFileSync(join(deploy, 'Dockerfile.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git']));
  });
});
