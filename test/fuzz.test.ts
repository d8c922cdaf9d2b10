// The fuzzer (fuzz/, `gatecot fuzz`): deterministic seeds and shards, the shrinker, fault
// campaigns that must find and shrink a failure whose .gc file reproduces it, and the parser
// fuzzer with its hang and crash detection.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Op, parseCircuitText, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { FAULTS } from '../compiler/index.js';
import { InlineParseRunner, ParserFindingWriter, WHOLE, WorkerParseRunner, builtinSeeds, caseSeed, caseSpec, circuitProblem, ddmin, examineParse, parseRange, parseShard, parserCase, runParserCampaign, shardIndices, shrink, type Failure, type ParseOutcome, type ParserCase } from '../fuzz/index.js';
import { simdAvailable } from '../runtime/cpu/fast/kernels.js';
import { cli, fuzzShards } from './cli-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gatecot-fuzz-'));
/** These campaigns test the fuzzer, not an engine: on the CPU (fast f32 kernel), whatever fuzz's default
 *  (auto) would find on this machine (test/webgpu-errors.test.ts fuzzes on WebGPU). */
const CPU = ['--backend', 'cpu'];

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function events(stdout: string, kind: string): Record<string, unknown>[] {
  return jsonLines(stdout).filter((e) => e.event === kind);
}

describe('seeds and shards', () => {
  it('case seeds are fixed numbers: splitmix64(splitmix64(S) xor i)', () => {
    // Changing these breaks every recorded `--seed S --index i` reproducer.
    expect(caseSeed(1n, 0).toString(16)).toBe('5e41ab087439611e');
    expect(caseSeed(1n, 1).toString(16)).toBe('e9fd6049d65af21e');
    expect(caseSeed(0n, 1)).not.toBe(caseSeed(1n, 0));
  });

  it('a case depends on (seed, index) only; fixing the locality changes nothing else', () => {
    const opts = { gates: { min: 1, max: 300 }, inputs: { min: 0, max: 32 } };
    const a = caseSpec(opts, 5n, 17);
    expect(caseSpec(opts, 5n, 17)).toEqual(a);
    expect(a.gates).toBeGreaterThanOrEqual(1);
    expect(a.gates).toBeLessThanOrEqual(300);
    const b = caseSpec({ ...opts, locality: 0.5 }, 5n, 17);
    expect({ ...b, locality: a.locality }).toEqual(a);
    expect(b.locality).toBe(0.5);
  });

  it('shards I/N are disjoint and cover the campaign', () => {
    for (const n of [1, 2, 3, 7]) {
      const all: number[] = [];
      for (let i = 1; i <= n; i++) all.push(...shardIndices({ index: i, count: n }, 20));
      expect(all.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    }
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/']) expect(() => parseShard(bad)).toThrow(/^shard must be I\/N/);
    expect(parseRange('1..300', 'gates', 1, 1000)).toEqual({ min: 1, max: 300 });
    expect(parseRange('7', 'gates', 1, 1000)).toEqual({ min: 7, max: 7 });
    expect(() => parseRange('9..2', 'gates', 1, 1000)).toThrow(/^gates must be A\.\.B/);
  });
});

describe('shrinking', () => {
  it('ddmin finds the two items a test needs', async () => {
    let tests = 0;
    const keep = await ddmin(40, (k) => {
      tests++;
      return Promise.resolve(k[3]! && k[27]!);
    });
    expect(keep.flatMap((k, i) => (k ? [i] : []))).toEqual([3, 27]);
    expect(tests).toBeLessThan(100);
  });

  it('shrinks to one XOR of one input when "failing" means "has an XOR gate"', async () => {
    const c = generate('random', { inputs: '12', gates: '80', seed: '3', locality: '0.5' });
    expect(Array.from(c.ops)).toContain(Op.XOR);
    const fake = (x: Circuit, witness: Uint8Array): Failure | undefined =>
      Array.from(x.ops).includes(Op.XOR) ? { kind: 'teacher-forcing', signature: 'xor', witness, mismatches: 1 } : undefined;
    const start = { circuit: c, failure: fake(c, new Uint8Array(12))! };
    const r = await shrink(start, (x, w) => {
      expect(circuitProblem(x)).toBeUndefined();
      return Promise.resolve(fake(x, w));
    });
    expect(r.complete).toBe(true);
    expect(Array.from(r.circuit.ops)).toEqual([Op.XOR]);
    expect(r.circuit.nInputs).toBe(1);
    expect(r.failure.witness).toHaveLength(1);
  });
});

describe('gatecot fuzz on correct compilers', () => {
  it('finds nothing in a small campaign and prints a summary', async () => {
    const r = await cli('fuzz', '--seed', '3', '--count', '12', '--gates', '1..40', ...CPU, '--out', join(tmp, 'clean'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fuzz seed 3, cases 0\.\.11: 12 cases, \d+ inputs, \d+ CoT positions checked, 0 failing cases \(0 findings\)/);
    expect(existsSync(join(tmp, 'clean'))).toBe(false);
    // The summary names the CPU loop that ran: f32's default is the fast kernel (where WebAssembly SIMD exists).
    expect(r.stdout).toMatch(simdAvailable() ? /cases\/s on the CPU \(fast f32 kernel\)\n$/ : /cases\/s on the CPU reference\n$/);
    const ref = await cli('fuzz', '--seed', '3', '--count', '2', '--gates', '1..10', ...CPU, '--cpu-kernel', 'reference');
    expect(ref.stdout).toMatch(/cases\/s on the CPU reference\n$/);
  });

  it('in fixed:2 too, with JSON lines', async () => {
    const r = await cli('fuzz', '--seed', '4', '--count', '6', '--gates', '1..30', '--arith', 'fixed:2', ...CPU, '--json', '--out', join(tmp, 'clean2'));
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]!.event).toBe('start');
    expect(events(r.stdout, 'case')).toHaveLength(6);
    const s = events(r.stdout, 'summary')[0]!;
    expect(s).toMatchObject({ cases: 6, failed_cases: 0, findings: 0, stopped_by: 'count' });
    expect(s.positions).toBeGreaterThan(0);
  });

  it('shards 1/3, 2/3, 3/3 together run exactly the cases of the whole campaign', async () => {
    const args = ['fuzz', '--seed', '9', '--count', '10', '--gates', '1..12', '--inputs', '0..8', '--cot', 'gate', ...CPU, '--json', '--out', join(tmp, 'sh')];
    const { whole, parts } = await fuzzShards(args, (e) => `${String(e.index)}:${String(e.circuit_hash)}`);
    expect(whole).toHaveLength(10);
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    expect(parts.flat().sort()).toEqual([...whole].sort());
  });

  it('--index i reruns case i of the campaign alone', async () => {
    const args = ['fuzz', '--seed', '9', '--gates', '1..12', '--inputs', '0..8', '--cot', 'gate', ...CPU, '--json', '--out', join(tmp, 'ix')];
    const whole = events((await cli(...args, '--count', '8')).stdout, 'case');
    const one = events((await cli(...args, '--index', '6')).stdout, 'case');
    expect(one).toHaveLength(1);
    const strip = (e: Record<string, unknown>): Record<string, unknown> => ({ ...e, seconds: 0 });
    expect(strip(one[0]!)).toEqual(strip(whole[6]!));
  });

  it('--time-budget alone runs until the time is spent', async () => {
    const r = await cli('fuzz', '--time-budget', '1', '--gates', '1..4', '--inputs', '1..4', ...CPU, '--json', '--out', join(tmp, 'tb'));
    expect(r.code).toBe(0);
    const s = events(r.stdout, 'summary')[0]!;
    expect(s.stopped_by).toBe('time-budget');
    expect(s.cases).toBeGreaterThan(0);
  });

  it('rejects bad options with one line and exit 2', async () => {
    for (const args of [
      ['--shard', '4/3'],
      ['--gates', '5..1'],
      ['--inputs', 'x'],
      ['--index', '3', '--shard', '1/2'],
      ['--cot', 'both4'],
      ['--inject-fault', 'nope'],
      ['--gate-mix', 'FOO=1'],
      ['--locality', '2'],
      ['--arith', 'f7'],
      ['--parsers', '--inject-fault', 'swap-gate'],
      ['--corpus', tmp],
    ]) {
      const r = await cli('fuzz', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('a bad op mix is named by the flag of the command: --gate-mix for fuzz, --mix for gen random', async () => {
    for (const [mix, why] of [
      ['AND=0', /^gatecot: --gate-mix gives every op weight 0$/],
      ['FOO=1', /^gatecot: --gate-mix: unknown op/],
      ['AND', /^gatecot: --gate-mix must look like/],
    ] as const) {
      const r = await cli('fuzz', '--gate-mix', mix);
      expect(r.code, mix).toBe(2);
      expect(r.stderr.trimEnd(), mix).toMatch(why);
    }
    const g = await cli('gen', 'random', '--mix', 'AND=0');
    expect(g.code).toBe(2);
    expect(g.stderr.trimEnd()).toMatch(/^gatecot: --mix gives every op weight 0$/);
  });
});

describe('gatecot fuzz --inject-fault: the fuzzer catches real miscompiles', () => {
  for (const fault of FAULTS) {
    it(`${fault}: found within 200 cases, shrunk to at most 6 gates, and the .gc reproduces it`, async () => {
      const out = join(tmp, `fault-${fault}`);
      const r = await cli('fuzz', '--seed', '1', '--count', '200', '--gates', '1..300', '--inject-fault', fault, '--max-failures', '1', ...CPU, '--json', '--out', out);
      expect(r.code, r.stderr).toBe(1);
      const findings = events(r.stdout, 'finding');
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) {
        const min = f.minimal as { gates: number; inputs: number };
        expect(min.gates).toBeLessThanOrEqual(6);
        expect(f.reproduced).toBe(true);
        const files = f.files as { minimal: string; original: string; report: string };
        const cot = String(f.cot);
        const report = JSON.parse(readFileSync(files.report, 'utf8')) as Record<string, any>;
        expect(report).toMatchObject({ seed: '1', index: f.index, cot, backend: 'cpu', options: { inject_fault: fault, arith: 'f32' } });
        expect(f.backend).toBe('cpu');
        expect(report.reproduce.case).toMatch(/ --backend cpu$/);
        expect(report.failure.wrong_position).toBeGreaterThan(0);
        expect(['0', '1']).toContain(report.failure.expected);
        expect(report.failure.produced).not.toBe(report.failure.expected);
        expect(report.minimal.gates).toBe(min.gates);
        // The minimal file fails verification with the fault on, passes without it, and its
        // embedded test (the failing input, outputs by direct evaluation) passes.
        expect((await cli('verify', files.minimal, '--cot', cot, '--inject-fault', fault)).code).toBe(1);
        expect((await cli('verify', files.minimal, '--cot', cot)).code).toBe(0);
        const t = await cli('test', files.minimal);
        expect(t.code, t.stdout).toBe(0);
        expect(t.stdout).toMatch(/1 passed, 0 failed/);
        expect((await cli('verify', files.original, '--cot', cot, '--inject-fault', fault)).code).toBe(1);
        expect((await cli('test', files.original)).code).toBe(0);
      }
      expect(readdirSync(out).some((f) => f.includes('.tmp-'))).toBe(false);
    });
  }

  it('in fixed:2 arithmetic too, without --json; a rerun writes nothing new', async () => {
    const out = join(tmp, 'fault-fixed');
    const args = ['fuzz', '--seed', '2', '--count', '50', '--gates', '1..80', '--cot', 'gate', '--arith', 'fixed:2', ...CPU, '--inject-fault', 'off-by-one', '--max-failures', '1', '--out', out];
    const r = await cli(...args);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL case \d+ \(gate\): position \d+ holds '[01]' where '[01]' was due/m);
    expect(r.stdout).toMatch(/1 failing case \(1 finding\).*\(stopped: max-failures\)/);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(3);
    const gc = join(out, files.find((f) => f.endsWith('.gc') && !f.endsWith('.orig.gc'))!);
    expect((await cli('verify', gc, '--cot', 'gate', '--arith', 'fixed:2', '--inject-fault', 'off-by-one')).code).toBe(1);
    expect((await cli('test', gc)).code).toBe(0);
    const again = await cli(...args);
    expect(again.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(files);
  });

  it('--no-shrink writes the failing circuit as found', async () => {
    const out = join(tmp, 'noshrink');
    const r = await cli('fuzz', '--count', '3', '--gates', '20..30', '--cot', 'gate', '--inject-fault', 'swap-gate', '--no-shrink', '--max-failures', '1', ...CPU, '--json', '--out', out);
    expect(r.code).toBe(1);
    const f = events(r.stdout, 'finding')[0]!;
    expect(f.minimal).toBeUndefined();
    const files = f.files as { original: string };
    expect(parseCircuitText(readFileSync(files.original, 'utf8'), { format: 'gc' }).ops.length).toBeGreaterThanOrEqual(20);
  });
});

describe('parser fuzzing', () => {
  it('every built-in seed file parses', () => {
    const seeds = builtinSeeds();
    expect(new Set(seeds.map((s) => s.format))).toEqual(new Set(['gc', 'bristol', 'bristol-old', 'aag', 'aig', 'bench', 'blif', 'cvp']));
    for (const s of seeds) expect(examineParse(s.bytes, s.format, `seed.${s.format}`).status, s.name).toBe('parsed');
  });

  it('mutants are deterministic', () => {
    const seeds = builtinSeeds();
    for (const i of [0, 5, 77]) expect(parserCase({ seed: 3n, seeds }, i)).toEqual(parserCase({ seed: 3n, seeds }, i));
  });

  it('gatecot fuzz --parsers: every mutant parses or gets a one-line located error', async () => {
    const r = await cli('fuzz', '--parsers', '--count', '400', '--json', '--out', join(tmp, 'parsers'));
    expect(r.code, r.stdout.slice(-2000)).toBe(0);
    const s = events(r.stdout, 'summary')[0]!;
    expect(s).toMatchObject({ cases: 400, problems: 0 });
    expect(s.rejected).toBeGreaterThan(100);
    expect(s.parsed).toBeGreaterThan(10);
    const cases = events(r.stdout, 'case');
    expect(new Set(cases.map((c) => c.format)).size).toBe(8);
  });

  it('a worker that hangs or dies is reported, and the next parse gets a fresh worker', async () => {
    // A stand-in for parse-worker.js: hangs on "HANG", dies on "DIE", throws on "THROW".
    const script = join(tmp, 'fake-worker.mjs');
    writeFileSync(
      script,
      `import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  const text = Buffer.from(m.bytes).toString('latin1');
  if (text.includes('HANG')) for (;;) {}
  if (text.includes('DIE')) process.exit(3);
  if (text.includes('THROW')) throw new TypeError('boom');
  parentPort.postMessage({ id: m.id, outcome: { status: 'parsed', ms: 0 } });
});
`,
    );
    const runner = new WorkerParseRunner({ timeoutMs: 1500, workerUrl: pathToFileURL(script) });
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    try {
      const statuses: string[] = [];
      for (const t of ['ok', 'HANG', 'ok', 'DIE', 'ok', 'THROW', 'ok']) statuses.push((await runner.run(enc(t), 'gc', 'm.gc')).status);
      expect(statuses).toEqual(['parsed', 'hang', 'parsed', 'crash', 'parsed', 'crash', 'parsed']);
    } finally {
      await runner.close();
    }
  });

  it('writes each problem as a reproducer with a report', async () => {
    const seeds = builtinSeeds();
    const out = join(tmp, 'parser-findings');
    const o = { seed: 1n, count: 12, shard: WHOLE, seeds };
    const writer = new ParserFindingWriter(out, o);
    const inline = new InlineParseRunner();
    // Every 5th mutant "crashes": the campaign must write it and go on.
    let n = 0;
    const runner = {
      run: async (b: Uint8Array, f: Parameters<InlineParseRunner['run']>[1], file: string): Promise<ParseOutcome> =>
        n++ % 5 === 4 ? { status: 'crash', message: 'TypeError: x is undefined', ms: 0 } : inline.run(b, f, file),
      close: () => Promise.resolve(),
    };
    const written: string[] = [];
    const s = await runParserCampaign(o, runner, { onFinding: (c: ParserCase) => void written.push(writer.write(c).file) });
    expect(s).toMatchObject({ cases: 12, problems: 2 });
    expect(written).toHaveLength(2);
    for (const f of written) {
      const report = JSON.parse(readFileSync(f.replace(/\.[a-z]+$/, '.json'), 'utf8')) as Record<string, unknown>;
      expect(report).toMatchObject({ kind: 'parser', status: 'crash', seed: '1' });
      expect(readFileSync(f)).toEqual(Buffer.from(parserCase(o, Number(report.index)).bytes));
    }
  });
});
