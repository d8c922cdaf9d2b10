// `gatecot fuzz --mode uniform`: every case through ONE uniform model (compiled once, or loaded
// with --model). A clean campaign finds nothing; its JSON lines carry the mode, the capacity and
// the model's sha256 (checked against modelToBytes of an independent compile) and each case's
// prompt length (1 + 4 wires); shards cover the campaign exactly; each uniform fault is found and
// shrunk to at most 6 gates, and its .gc and .cvp reproducers fail on the campaign's model file
// and pass on a clean model of the same capacity; ranges over the capacity are refused up front.
// On WebGPU (where there is an adapter) the campaign creates its engine once.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseCircuitText } from '../circuits/index.js';
import { compileUniform, FAULTS } from '../compiler/index.js';
import { modelToBytes, sha256 } from '../model/index.js';
import { WebGpuEngine } from '../runtime/index.js';
import { cli, fuzzShards } from './cli-helpers.js';
import { gpuOrSkip } from './fixtures/gpu.js';

const tmp = mkdtempSync(join(tmpdir(), 'gatecot-fuzz-uniform-'));
const CPU = ['--backend', 'cpu'];
/** Small circuits: the campaign's model has capacity 6 + 16 = 22. */
const RANGES = ['--gates', '1..16', '--inputs', '0..6'];
const CAPACITY = 22;

type Line = Record<string, any>;

function lines(stdout: string): Line[] {
  return stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
}

function events(stdout: string, kind: string): Line[] {
  return lines(stdout).filter((e) => e.event === kind);
}

const cleanHash = sha256(modelToBytes(compileUniform(CAPACITY)));

describe('gatecot fuzz --mode uniform on a correct model', () => {
  it('a few dozen cases through one model: 0 failures; every line names the mode, the capacity and the model hash', async () => {
    const r = await cli('fuzz', '--mode', 'uniform', '--seed', '3', '--count', '30', ...RANGES, ...CPU, '--json', '--out', join(tmp, 'clean'));
    expect(r.code, r.stderr).toBe(0);
    const start = events(r.stdout, 'start')[0]!;
    expect(start).toMatchObject({ mode: 'uniform', capacity: CAPACITY, model_sha256: cleanHash, model_file: null, cot: 'uniform', backend: 'cpu' });
    expect(start.options).toMatchObject({ mode: 'uniform', capacity: CAPACITY, model_sha256: cleanHash, inject_fault: null });
    const cases = events(r.stdout, 'case');
    expect(cases).toHaveLength(30);
    for (const c of cases) {
      expect(c).toMatchObject({ ok: true, mode: 'uniform', capacity: CAPACITY, model_sha256: cleanHash, backend: 'cpu' });
      expect(c.prompt_length).toBe(1 + 4 * (c.gates + c.inputs));
      expect(c.checks).toEqual([{ cot: 'uniform', ok: true, positions: c.inputs_tested * 4 * (c.gates + c.inputs) }]);
    }
    expect(events(r.stdout, 'summary')[0]).toMatchObject({ mode: 'uniform', capacity: CAPACITY, model_sha256: cleanHash, cases: 30, failed_cases: 0, findings: 0 });
    expect(existsSync(join(tmp, 'clean'))).toBe(false);
  });

  it('shards 1/3, 2/3, 3/3 together run exactly the cases of the whole campaign, through the same model', async () => {
    const args = ['fuzz', '--mode', 'uniform', '--seed', '9', '--count', '10', '--gates', '1..10', '--inputs', '0..6', ...CPU, '--json', '--out', join(tmp, 'sh')];
    const { whole, parts } = await fuzzShards(args, (e) => `${String(e.index)}:${String(e.circuit_hash)}:${String(e.model_sha256)}`);
    expect(whole).toHaveLength(10);
    expect(new Set(whole.map((k) => k.split(':')[2])).size).toBe(1);
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    expect(parts.flat().sort()).toEqual([...whole].sort());
  });

  it('--time-budget alone runs until the time is spent', async () => {
    const r = await cli('fuzz', '--mode', 'uniform', '--time-budget', '1', '--gates', '1..4', '--inputs', '1..4', ...CPU, '--json', '--out', join(tmp, 'tb'));
    expect(r.code).toBe(0);
    const s = events(r.stdout, 'summary')[0]!;
    expect(s).toMatchObject({ stopped_by: 'time-budget', mode: 'uniform', capacity: 8 });
    expect(s.cases).toBeGreaterThan(0);
  });

  it('--model FILE runs every case through that file; text output names it', async () => {
    const file = join(tmp, 'u40.safetensors');
    expect((await cli('compile', '--uniform', '--max-wires', '40', '-o', file)).code).toBe(0);
    const hash = sha256(readFileSync(file));
    const r = await cli('fuzz', '--mode', 'uniform', '--model', file, '--count', '5', ...RANGES, ...CPU, '--json', '--out', join(tmp, 'm'));
    expect(r.code, r.stderr).toBe(0);
    expect(events(r.stdout, 'start')[0]).toMatchObject({ capacity: 40, model_sha256: hash, model_file: file });
    for (const c of events(r.stdout, 'case')) expect(c).toMatchObject({ ok: true, capacity: 40, model_sha256: hash });
    const t = await cli('fuzz', '--mode', 'uniform', '--model', file, '--count', '2', ...RANGES, ...CPU, '--out', join(tmp, 'm'));
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/^gatecot: uniform model: capacity 40 wires, d_model 121, \d+ bytes, sha256 [0-9a-f]{64}, loaded from /);
    expect(t.stdout).toMatch(/^fuzz seed 1, cases 0\.\.1, uniform model N=40 \(sha256 [0-9a-f]{12}\): 2 cases, .* 0 failing cases/);
  });

  it('refuses, with one line and exit 2, ranges over the capacity and options that do not go together', async () => {
    const file = join(tmp, 'u40.safetensors');
    for (const [args, why] of [
      [['--max-wires', '100', '--gates', '1..300'], /can draw circuits of 332 wires, more than the model's capacity of 100 \(--max-wires\)/],
      [['--model', file, '--gates', '1..40'], /can draw circuits of 72 wires, more than the model's capacity of 40 \(--model /],
      [['--model', file, '--inject-fault', 'swap-gate', ...RANGES], /--inject-fault .* cannot be combined with --model/],
      [['--model', file, '--max-wires', '50', ...RANGES], /--model gives the capacity/],
      [['--cot', 'gate', ...RANGES], /--cot applies to --mode positional/],
      [['--max-wires', '1', ...RANGES], /--max-wires must be an integer from 2/],
      [['--model', join(tmp, 'missing.safetensors'), ...RANGES], /cannot read/],
    ] as const) {
      const r = await cli('fuzz', '--mode', 'uniform', ...args, ...CPU);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(why);
    }
    for (const args of [['--max-wires', '30'], ['--model', file], ['--mode', 'both']]) {
      const r = await cli('fuzz', ...args, ...CPU);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect((await cli('fuzz', '--parsers', '--mode', 'uniform')).code).toBe(2);
  });
});

describe('gatecot fuzz --mode uniform --inject-fault: the uniform faults are found and shrunk', () => {
  for (const fault of FAULTS) {
    it(`${fault}: found, shrunk to at most 6 gates; the .gc and .cvp fail on the campaign's model and pass on a clean one`, async () => {
      const out = join(tmp, `fault-${fault}`);
      const r = await cli('fuzz', '--mode', 'uniform', '--seed', '1', '--count', '40', ...RANGES, '--inject-fault', fault, '--max-failures', '1', ...CPU, '--json', '--out', out);
      expect(r.code, r.stderr).toBe(1);
      const faulty = sha256(modelToBytes(compileUniform(CAPACITY, { fault })));
      expect(faulty).not.toBe(cleanHash);
      expect(events(r.stdout, 'start')[0]).toMatchObject({ mode: 'uniform', capacity: CAPACITY, model_sha256: faulty });
      const findings = events(r.stdout, 'finding');
      expect(findings).toHaveLength(1);
      const f = findings[0]!;
      expect(f).toMatchObject({ cot: 'uniform', backend: 'cpu', reproduced: true });
      expect(f.minimal.gates).toBeLessThanOrEqual(6);
      const files = f.files as { minimal: string; cvp: string; model: string; original: string; report: string };
      expect(sha256(readFileSync(files.model))).toBe(faulty);
      const report = JSON.parse(readFileSync(files.report, 'utf8')) as Line;
      expect(report).toMatchObject({
        mode: 'uniform',
        cot: 'uniform',
        model: { capacity: CAPACITY, sha256: faulty, file: files.model, compiled: true, fault },
        options: { mode: 'uniform', capacity: CAPACITY, model_sha256: faulty, inject_fault: fault, arith: 'f32' },
        minimal: { gates: f.minimal.gates, cvp: files.cvp },
        reproduced: true,
      });
      const min = parseCircuitText(readFileSync(files.minimal, 'utf8'), { format: 'gc' });
      expect(report.minimal.prompt_length).toBe(1 + 4 * (min.nInputs + min.ops.length));
      expect(report.original.prompt_length).toBe(1 + 4 * (report.original.inputs + report.original.gates));
      expect(report.failure.expected).toMatch(/^([01]|NA|#\d+)$/);
      // The .cvp holds the failing input as TRUE/FALSE gates: no inputs, one gate per wire.
      const cvp = parseCircuitText(readFileSync(files.cvp, 'utf8'), { format: 'cvp' });
      expect(cvp.nInputs).toBe(0);
      expect(cvp.ops.length).toBe(min.nInputs + min.ops.length);
      // Both reproducers fail on the campaign's model file, and pass on a clean model of the same capacity.
      const clean = join(tmp, `clean-${fault}.safetensors`);
      expect((await cli('compile', '--uniform', '--max-wires', String(CAPACITY), '-o', clean)).code).toBe(0);
      for (const circuit of [files.minimal, files.cvp]) {
        expect((await cli('verify', files.model, '--circuit', circuit)).code, circuit).toBe(1);
        expect((await cli('verify', clean, '--circuit', circuit)).code, circuit).toBe(0);
      }
      expect(report.reproduce.failure).toBe(`gatecot verify ${files.model} --circuit ${files.minimal} --arith f32`);
      expect(report.reproduce.cvp).toBe(`gatecot verify ${files.model} --circuit ${files.cvp} --arith f32`);
      const t = await cli('test', files.minimal);
      expect(t.stdout).toMatch(/1 passed, 0 failed/);
      // The case command reruns the case alone and finds it again.
      expect(report.reproduce.case).toMatch(/^gatecot fuzz --mode uniform --max-wires 22 --seed 1 --index \d+ .* --inject-fault [a-z-]+ --samples 16 --backend cpu$/);
      const again = await cli(...(report.reproduce.case as string).split(' ').slice(1), '--json', '--out', join(tmp, `again-${fault}`), '--no-shrink');
      expect(again.code).toBe(1);
      expect(events(again.stdout, 'finding')[0]).toMatchObject({ index: f.index, signature: f.signature });
      expect(readdirSync(out).some((n) => n.includes('.tmp-'))).toBe(false);
    });
  }
});

const gpu = await gpuOrSkip('WebGPU uniform fuzz test');
afterAll(() => gpu?.destroy());

describe.skipIf(!gpu)('gatecot fuzz --mode uniform on WebGPU', () => {
  it('uploads the model once: one engine for the probe, one for every case', async () => {
    const spy = vi.spyOn(WebGpuEngine, 'create');
    try {
      // Two inputs per case (6..8 input wires, no random samples): one batch shape for every case.
      // Capacity 64 with two inputs, as in test/webgpu.test.ts: the same kernels, which Mesa's
      // shader cache then compiles once for both files (lavapipe takes a minute for them).
      const r = await cli('fuzz', '--mode', 'uniform', '--max-wires', '64', '--count', '3', '--gates', '1..8', '--inputs', '6..8', '--samples', '0', '--backend', 'webgpu', '--json', '--out', join(tmp, 'gpu'));
      expect(r.code, r.stderr).toBe(0);
      const cases = events(r.stdout, 'case');
      expect(cases).toHaveLength(3);
      for (const c of cases) expect(c).toMatchObject({ ok: true, backend: 'webgpu', mode: 'uniform', capacity: 64 });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  }, 900_000);
});
