// examples/python/run_model.py (numpy alone, written from docs/model-format.md) on compiled models
// of every mode: its tokens (CoT models) or its argmax at every position (latent models) must be
// gatecot's CPU reference's, and its own direct evaluation must be gatecot's (circuits/eval.ts).
// It must report a deliberately miscompiled model, and too few loops, as a disagreement (exit 1).
// Without python3 + numpy the tests are skipped with a line (CI installs python3-numpy and
// test/independent.test.ts fails there without it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalOutputsOne, parseCircuitText, writeCvp, type Circuit } from '../circuits/index.js';
import { generate as generateCircuit } from '../circuits/gen/index.js';
import { compile, compileLatent, compileUniform, compileUniformLooped, modelToBytes, type CompileOptions } from '../compiler/index.js';
import { bindModel, type Model } from '../model/index.js';
import { CpuEngine, loopSetting, promptOf, sampleInputs } from '../runtime/index.js';
import { loadShared, repoRoot } from './shared.js';

const SCRIPT = join(repoRoot, 'examples', 'python', 'run_model.py');
const dir = mkdtempSync(join(tmpdir(), 'gatecot-pyex-'));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
if (!hasNumpy) console.log('python-example.test: python3 with numpy not found: examples/python/run_model.py is not run here');

interface PyRun {
  label: string;
  tokens: number[];
  argmax?: number[];
  outputs: string;
  direct: string;
  check: string;
}

interface PyResult {
  status: number | null;
  stdout: string;
  stderr: string;
  runs: PyRun[];
}

const ids = (s: string) => (s === '' ? [] : s.split(' ').map(Number));

/** Runs the example and splits its report into runs (each starts with a `run:` line). */
function runExample(model: string, args: string[]): PyResult {
  const r = spawnSync('python3', [SCRIPT, model, ...args], { encoding: 'utf8', timeout: 120_000 });
  const runs: PyRun[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(run|tokens|argmax|outputs|direct|check): ?(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'run') runs.push({ label: value, tokens: [], outputs: '', direct: '', check: '' });
    const cur = runs[runs.length - 1]!;
    if (key === 'tokens') cur.tokens = ids(value);
    else if (key === 'argmax') cur.argmax = ids(value);
    else if (key === 'outputs' || key === 'direct' || key === 'check') cur[key] = value;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, runs };
}

function writeModel(m: Model, name: string): string {
  const path = join(dir, `${name}.safetensors`);
  writeFileSync(path, modelToBytes(m));
  return path;
}

const bitString = (x: ArrayLike<number>) => Array.from(x).join('');

/** A positional model of `c` run on `inputs`: the example against gatecot, run by run. */
async function checkPositional(m: Model, c: Circuit, inputs: Uint8Array[], extra: string[] = []): Promise<PyResult> {
  const r = runExample(writeModel(m, `${c.name}-${m.meta.construction ?? m.meta.cot}`), [...inputs.flatMap((x) => ['--bits', bitString(x)]), ...extra]);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  expect(r.runs).toHaveLength(inputs.length);
  const bound = bindModel(m);
  const prompts = inputs.map((x) => promptOf(bound, x));
  const engine = new CpuEngine(m, 'f32');
  const latent = m.meta.readout === 'argmax';
  const ours = latent ? (await engine.forward(prompts)).argmax : await engine.generate(prompts, bound.seq.cotLength);
  inputs.forEach((x, b) => {
    const run = r.runs[b]!;
    expect(run.label).toBe(`bits ${bitString(x)}`);
    expect(latent ? run.argmax : run.tokens).toEqual(Array.from(ours[b]!));
    if (latent) expect(run.tokens).toEqual(Array.from(prompts[b]!));
    expect(run.direct).toBe(bitString(evalOutputsOne(c, x)));
    expect(run.outputs).toBe(run.direct);
    expect(run.check).toMatch(/^ok: /);
  });
  expect(r.stdout).toContain(`agree: ${inputs.length}/${inputs.length} runs agree with direct evaluation`);
  return r;
}

/** A uniform model (CoT or looped) on the cvp text of `c` with input bits `bits`. */
async function checkUniform(m: Model, c: Circuit, bits: Uint8Array, name: string): Promise<void> {
  const file = join(dir, `${name}.cvp`);
  const text = writeCvp(c, bits);
  writeFileSync(file, text);
  const r = runExample(writeModel(m, `uniform-${name}`), ['--circuit', file]);
  expect(r.status, r.stderr + r.stdout).toBe(0);
  // gatecot given the same file: the cvp circuit, inputs folded in (its depth counts them as constants)
  const bound = bindModel(m, parseCircuitText(text, { format: 'cvp', name }));
  const prompt = promptOf(bound, new Uint8Array(0));
  expect(Array.from(prompt)).toEqual(Array.from(promptOf(bindModel(m, c), bits)));
  const run = r.runs[0]!;
  expect(run.direct).toBe(bitString(evalOutputsOne(c, bits)));
  expect(run.outputs).toBe(run.direct);
  if (m.meta.readout === 'argmax') {
    const engine = new CpuEngine(m, 'f32', loopSetting(bound).loops !== undefined ? { loops: loopSetting(bound).loops! } : {});
    const [am] = (await engine.forward([prompt])).argmax;
    expect(run.tokens).toEqual(Array.from(prompt));
    expect(run.argmax).toEqual(Array.from(am!));
    expect(r.stdout).toContain(`loops: ${bound.seq.loops} (the circuit depth)`);
  } else {
    const [seq] = await new CpuEngine(m, 'f32').generate([prompt], bound.seq.cotLength);
    expect(run.tokens).toEqual(Array.from(seq!));
  }
}

describe.runIf(hasNumpy)('examples/python/run_model.py', () => {
  const c17 = loadShared('iscas85/c17.bench');
  const adder = generateCircuit('adder', { width: '6' });
  const MIX = 'AND=2,OR=2,XOR=2,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1';

  it('c17, 4tok CoT: every one of the 32 inputs (--all), the same tokens as gatecot', async () => {
    const m = compile(c17, { cot: '4tok' });
    const r = runExample(writeModel(m, 'c17-all'), ['--all', '--quiet']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.runs).toHaveLength(32);
    for (const run of r.runs) {
      const x = Uint8Array.from(run.label.replace('bits ', ''), Number);
      expect(run.direct).toBe(bitString(evalOutputsOne(c17, x)));
      expect(run.outputs).toBe(run.direct);
    }
    await checkPositional(m, c17, sampleInputs(c17.nInputs, 3, 5n));
  });

  for (const cot of ['gate', '4tok'] as const) {
    it(`a 6-bit adder, ${cot} CoT, random inputs`, async () => {
      await checkPositional(compile(adder, { cot }), adder, sampleInputs(adder.nInputs, 4, 11n));
    });
  }

  it('a random circuit with every gate type (constants, BUF, 1-bit groups in the .gc text)', async () => {
    const c = generateCircuit('random', { inputs: '5', gates: '40', seed: '3', mix: MIX, outputs: '4' });
    await checkPositional(compile(c, { cot: '4tok' }), c, sampleInputs(c.nInputs, 3, 2n));
  });

  for (const latent of ['looped', 'looped-cot', 'deep'] as const) {
    it(`c17 ${latent}: the argmax at every position as gatecot's, the outputs read there`, async () => {
      const r = await checkPositional(compileLatent(c17, latent), c17, sampleInputs(c17.nInputs, 4, 7n));
      if (latent !== 'deep') expect(r.stdout).toMatch(/^loops: \d+ \(the model count\)/m);
    });
  }

  it('a looped adder: too few loops (--loops 1) is reported as a disagreement, exit 1', () => {
    const m = compileLatent(adder, 'looped');
    const r = runExample(writeModel(m, 'adder-looped-1'), ['--loops', '1', '--random', '4']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.runs.some((x) => x.check.startsWith('FAILED'))).toBe(true);
    expect(r.stdout).toMatch(/agree: \d\/4 runs do NOT all agree/);
  });

  it('a uniform model (capacity 16) on c17 as cvp text, and on a random circuit with # output lines', async () => {
    const m = compileUniform(16);
    await checkUniform(m, c17, Uint8Array.from('10110', Number), 'c17');
    const c = generateCircuit('random', { inputs: '3', gates: '12', seed: '4', mix: MIX, outputs: '3' });
    await checkUniform(m, c, Uint8Array.from('101', Number), 'random');
  });

  it('a uniform looped model (capacity 16): looped the cvp circuit depth times', async () => {
    const m = compileUniformLooped(16);
    await checkUniform(m, c17, Uint8Array.from('01101', Number), 'c17-looped');
  });

  it('miscompiled models (compiler/faults.ts) are reported as disagreements, exit 1', () => {
    for (const fault of ['swap-gate', 'off-by-one'] as const) {
      const opts: CompileOptions = { cot: '4tok', fault };
      const r = runExample(writeModel(compile(adder, opts), `adder-${fault}`), ['--random', '6', '--quiet']);
      expect(r.status, `${fault}: ${r.stderr}`).toBe(1);
      expect(r.runs.filter((x) => x.check.startsWith('FAILED')).length, fault).toBeGreaterThan(0);
      expect(r.stdout, fault).toMatch(/do NOT all agree/);
    }
  });

  it('--onnx without onnxruntime: one skip line, the numpy run still counts', () => {
    const probe = spawnSync('python3', ['-c', 'import onnxruntime'], { encoding: 'utf8' });
    if (probe.status === 0) {
      console.log('python-example.test: onnxruntime is importable here: the skip line is not tested');
      return;
    }
    const r = runExample(writeModel(compile(c17, { cot: 'gate' }), 'c17-gate'), ['--bits', '10110', '--onnx', join(dir, 'none.onnx')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^skip: onnxruntime is not importable/m);
  });

  it('bad input: one line on stderr, exit 2', () => {
    const model = writeModel(compile(c17, { cot: 'gate' }), 'c17-bad');
    const uni = writeModel(compileUniform(4), 'uniform-4');
    const big = join(dir, 'big.cvp');
    writeFileSync(big, 'TRUE NA NA 1 TRUE NA NA 2 AND 1 2 3 NOT 3 NA 4 NOT 4 NA 5\n');
    const cases: [string, string[]][] = [
      [model, ['--bits', '101']],
      [model, ['--circuit', big]],
      [model, ['--loops', '3']],
      [model, ['--frobnicate']],
      [uni, []],
      [uni, ['--circuit', big]],
      [big, []],
      [join(dir, 'missing.safetensors'), []],
    ];
    for (const [path, args] of cases) {
      const r = runExample(path, args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
