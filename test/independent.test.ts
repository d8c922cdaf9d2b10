// Models written by gatecot and run by code written only from docs/model-format.md (no gatecot
// code): scripts/independent/run.mjs (plain JS), examples/python/run_model.py (Python + numpy; its
// other modes are tested in test/python-example.test.ts) and the page's own numpy sketch. Each must reproduce gatecot's tokens exactly and the outputs of direct evaluation:
// positional models (version 2, and a version-1 file) on their own circuit, and one uniform model
// on cvp circuits (c17 with its inputs folded in, published-distribution instances, random
// circuits with every gate type), where the runners also evaluate the cvp text themselves.
// Without python3 + numpy the Python parts are skipped (with a printed line); under CI=true a
// missing numpy fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalOutputsOne, parseCircuitText, readCircuitFile, writeCvp, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, compileLatent, compileUniform, modelToBytes, type CotFormat } from '../compiler/index.js';
import { bindModel, readModelFile, type Model } from '../model/index.js';
import { CpuEngine, promptOf, sampleInputs } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, repoRoot, shared } from './shared.js';

const dir = mkdtempSync(join(tmpdir(), 'gatecot-indep-'));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
if (!hasNumpy) console.log('independent.test: python3 with numpy not found: the Python runner and the numpy sketch are skipped (the JS runner still runs)');

interface RunResult {
  status: number | null;
  tokens: number[];
  outputs: string;
  /** Uniform models: the runner's own evaluation of the cvp text. */
  direct?: string;
}

const RUN_MJS = join(repoRoot, 'scripts', 'independent', 'run.mjs');
const RUN_PY = join(repoRoot, 'examples', 'python', 'run_model.py');

function runScript(cmd: string, script: string, model: string, args: string[]): RunResult {
  const r = spawnSync(cmd, [script, model, ...args], { encoding: 'utf8', timeout: 120_000 });
  const line = (key: string) => r.stdout.split('\n').find((l) => l.startsWith(`${key}: `))?.slice(key.length + 2);
  const direct = line('direct');
  return {
    status: r.status,
    tokens: (line('tokens') ?? '').split(' ').map(Number),
    outputs: line('outputs') ?? `(no outputs line; stderr: ${r.stderr})`,
    ...(direct !== undefined ? { direct } : {}),
  };
}

/** Both runners (the Python one where numpy is available), by name. */
function runners(model: string, args: string[]): [string, RunResult][] {
  const out: [string, RunResult][] = [['run.mjs', runScript(process.execPath, RUN_MJS, model, args)]];
  if (hasNumpy) out.push(['run_model.py', runScript('python3', RUN_PY, model, args)]);
  return out;
}

const bitString = (x: ArrayLike<number>) => Array.from(x).join('');

function writeModel(m: Model, name: string): string {
  const path = join(dir, `${name}.safetensors`);
  writeFileSync(path, modelToBytes(m));
  return path;
}

it('python3 with numpy is present when CI=true', () => {
  if (process.env.CI === 'true') expect(hasNumpy, 'CI needs python3-numpy for examples/python/run_model.py').toBe(true);
});

describe('independent runners: positional models', () => {
  const circuits = [
    ['c432', () => loadShared('iscas85/c432.bench')],
    ['multiplier4', () => generate('multiplier', { width: '4' })],
    ['random', () => generate('random', { gates: '150', inputs: '12', seed: '5', mix: 'AND=2,OR=2,XOR=2,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1' })],
  ] as const;

  /** Runs `path` (gatecot read it as `m`) on `inputs` and checks both runners against gatecot and direct evaluation. */
  async function check(m: Model, c: Circuit, path: string, inputs: Uint8Array[]): Promise<void> {
    const bound = bindModel(m);
    const ours = await new CpuEngine(m, 'f32').generate(inputs.map((x) => promptOf(bound, x)), bound.seq.cotLength);
    inputs.forEach((x, b) => {
      const direct = bitString(evalOutputsOne(c, x));
      for (const [name, r] of runners(path, ['--bits', bitString(x)])) {
        expect(r.status, name).toBe(0);
        expect(r.tokens, name).toEqual(Array.from(ours[b]!));
        expect(r.outputs, name).toBe(direct);
      }
    });
  }

  for (const [name, make] of circuits) {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      it(`${name} ${cot}`, async () => {
        const c = make();
        const m = compile(c, { cot });
        await check(m, c, writeModel(m, `${name}-${cot}`), sampleInputs(c.nInputs, 2, 9n));
      });
    }
  }

  it('a version-1 file (no mode, head_targets or blocks)', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { cot: '4tok' });
    const { mode: _mode, head_targets: _targets, blocks: _blocks, ...rest } = m.meta;
    const path = writeModel({ ...m, meta: { ...rest, format_version: 1 } as unknown as Model['meta'] }, 'c17-v1');
    const loaded = readModelFile(path);
    expect(loaded.meta.format_version).toBe(2);
    expect(loaded.meta.head_targets).toEqual(m.meta.head_targets);
    await check(loaded, c, path, sampleInputs(c.nInputs, 4, 3n));
  });
});

describe('independent runners: a uniform model (capacity 64) on cvp circuits', () => {
  const m = compileUniform(64);
  const path = writeModel(m, 'uniform-64');
  const engine = new CpuEngine(m, 'f32');
  const MIX = 'AND=2,OR=2,XOR=2,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1';

  /** gatecot's own tokens for a cvp text, and the outputs of direct evaluation. */
  async function gatecot(text: string): Promise<{ circuit: Circuit; tokens: number[]; direct: string }> {
    const circuit = parseCircuitText(text, { format: 'cvp', name: 'cvp' });
    const bound = bindModel(m, circuit);
    const [seq] = await engine.generate([promptOf(bound, new Uint8Array(0))], bound.seq.cotLength);
    return { circuit, tokens: Array.from(seq!), direct: bitString(evalOutputsOne(circuit, [])) };
  }

  async function check(file: string): Promise<void> {
    const ref = await gatecot(readFileSync(file, 'utf8'));
    expect(ref.tokens.length).toBe(1 + 8 * (ref.circuit.nInputs + ref.circuit.ops.length));
    for (const [name, r] of runners(path, ['--circuit', file])) {
      expect(r.status, name).toBe(0);
      expect(r.tokens, name).toEqual(ref.tokens);
      expect(r.outputs, name).toBe(ref.direct);
      expect(r.direct, name).toBe(ref.direct);
    }
  }

  it('c17 with its inputs folded in (gatecot convert --bits 10110)', async () => {
    const file = join(dir, 'c17.cvp');
    const conv = await cli('convert', shared('iscas85/c17.bench'), '-o', file, '--bits', '10110');
    expect(conv.code, conv.stderr).toBe(0);
    await check(file);
    // the folded text gives the prompt gatecot builds for c17 and the bits
    const r = readCircuitFile(shared('iscas85/c17.bench'));
    if (!r.ok) throw r.error;
    const bits = Uint8Array.from('10110', Number);
    const folded = parseCircuitText(readFileSync(file, 'utf8'), { format: 'cvp' });
    expect(Array.from(promptOf(bindModel(m, r.value), bits))).toEqual(Array.from(promptOf(bindModel(m, folded), new Uint8Array(0))));
  });

  for (const [gates, seed] of [[64, 1], [40, 2], [17, 3], [3, 4]] as const) {
    it(`cvp-instance --gates ${gates} --seed ${seed}`, async () => {
      const file = join(dir, `inst-${gates}-${seed}.cvp`);
      writeFileSync(file, writeCvp(generate('cvp-instance', { gates: String(gates), seed: String(seed) })));
      await check(file);
    });
  }

  for (const [inputs, gates, seed] of [[6, 58, 1], [4, 30, 2], [8, 20, 3], [2, 10, 4]] as const) {
    it(`random ${inputs} inputs, ${gates} gates (every type), seed ${seed}, outputs as '# output' lines`, async () => {
      const c = generate('random', { inputs: String(inputs), gates: String(gates), seed: String(seed), mix: MIX, outputs: '3' });
      const [bits] = sampleInputs(c.nInputs, 1, BigInt(seed));
      const file = join(dir, `random-${seed}.cvp`);
      writeFileSync(file, writeCvp(c, bits));
      expect(readFileSync(file, 'utf8')).toMatch(/^# output /);
      await check(file);
    });
  }

  it('a miscompiled model (AND computes OR): the runners report the difference and exit 1', () => {
    const bad = writeModel(compileUniform(8, { fault: 'swap-gate' }), 'uniform-8-swap');
    const file = join(dir, 'and.cvp');
    writeFileSync(file, 'TRUE NA NA 1 FALSE NA NA 2 AND 1 2 3\n');
    for (const [name, r] of runners(bad, ['--circuit', file])) {
      expect(r.status, name).toBe(1);
      expect([r.outputs, r.direct], name).toEqual(['1', '0']);
    }
  });

  it('bad input: one-line error, exit 2', () => {
    const file = join(dir, 'forward.cvp');
    writeFileSync(file, 'TRUE NA NA 1 AND 1 2 2\n');
    for (const [cmd, script] of [[process.execPath, RUN_MJS], ...(hasNumpy ? [['python3', RUN_PY]] : [])] as const) {
      for (const args of [['--circuit', file], ['--bits', '10'], []]) {
        const r = spawnSync(cmd, [script, path, ...args], { encoding: 'utf8' });
        expect(r.status, `${script} ${args.join(' ')}`).toBe(2);
        expect(r.stderr.trim().split('\n'), `${script} ${args.join(' ')}`).toHaveLength(1);
      }
    }
  });
});

describe('docs/model-format.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'model-format.md'), 'utf8');
  const EXAMPLE = 'TRUE NA NA 1\nFALSE NA NA 2\nAND 1 2 3\nNOT 3 NA 4\nOR 4 1 5\n';

  it("the worked example's ids are gatecot's", async () => {
    const bench = 'INPUT(x0)\nINPUT(x1)\nOUTPUT(g3)\ng1 = AND(x0, x1)\ng2 = NOT(g1)\ng3 = OR(g2, x0)\n';
    expect(doc).toContain(`$ cat ex.bench\n${bench}`);
    expect(writeCvp(parseCircuitText(bench, { format: 'bench', name: 'ex' }), [1, 0])).toBe(EXAMPLE);
    expect(doc).toContain(`$ cat ex.cvp\n${EXAMPLE}`);
    const m = compileUniform(64);
    const model = writeModel(m, 'u64');
    const exFile = join(dir, 'ex.cvp');
    writeFileSync(exFile, EXAMPLE);
    for (const args of [['prompt', model, '--circuit', exFile], ['run', model, '--circuit', exFile, '--show-cot']]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(doc).toContain(`$ gatecot ${args.join(' ').replace(model, 'u64.safetensors').replace(exFile, 'ex.cvp')}\n${r.stdout}`);
    }
    const bound = bindModel(m, parseCircuitText(EXAMPLE, { format: 'cvp' }));
    const [seq] = await new CpuEngine(m, 'f32').generate([promptOf(bound, new Uint8Array(0))], bound.seq.cotLength);
    const ids = (label: string) => /^(?:prompt|CoT) ids: +(.*)$/m.exec(doc.slice(doc.indexOf(`${label} ids:`)))![1]!.split(' ').map(Number);
    expect(ids('prompt')).toEqual(Array.from(seq!.slice(0, 21)));
    expect(ids('CoT')).toEqual(Array.from(seq!.slice(21)));
  });

  it.runIf(hasNumpy)('the numpy sketch runs a positional, a uniform and a looped model', async () => {
    const blocks = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((x) => x[1]!);
    expect(blocks).toHaveLength(1);
    const c = loadShared('iscas85/c17.bench');
    const pos = compile(c, { cot: '4tok' });
    const posPath = writeModel(pos, 'c17-sketch');
    const uniPath = writeModel(compileUniform(16), 'uniform-16');
    const loopedPath = writeModel(compileLatent(c, 'looped'), 'c17-looped-sketch');
    const cvpFile = join(dir, 'example.cvp');
    writeFileSync(cvpFile, EXAMPLE);
    const script = join(dir, 'sketch.py');
    writeFileSync(script, `${blocks[0]}
import sys
t, meta = load(sys.argv[1]); print(json.dumps(run_positional(t, meta, "10110")))
t, meta = load(sys.argv[2]); print(json.dumps(run_uniform(t, meta, open(sys.argv[3]).read())))
t, meta = load(sys.argv[4]); v = meta["vocab"]
for bits, loops in (("10110", None), ("00000", None), ("10110", 1)):
    prompt = [e if isinstance(e, int) else v.index(bits[int(e[1:])]) for e in meta["prompt"]]
    print(json.dumps(latent_answer(t, meta, prompt, loops)))
`);
    const r = spawnSync('python3', [script, posPath, uniPath, cvpFile, loopedPath], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const [p, u] = lines.slice(0, 2).map((l) => JSON.parse(l) as [number[], string]);
    // the looped model: c17's outputs with its 3 loops; with 1 loop the deeper output is wrong for this input
    expect(lines.slice(2).map((l) => JSON.parse(l) as string)).toEqual([bitString(evalOutputsOne(c, Uint8Array.from('10110', Number))), bitString(evalOutputsOne(c, new Uint8Array(5))), '11']);
    const bits = Uint8Array.from('10110', Number);
    const [posSeq] = await new CpuEngine(pos, 'f32').generate([promptOf(bindModel(pos), bits)], pos.meta.cot_length);
    expect(p).toEqual([Array.from(posSeq!), bitString(evalOutputsOne(c, bits))]);
    const uni = readModelFile(uniPath);
    const bound = bindModel(uni, parseCircuitText(EXAMPLE, { format: 'cvp' }));
    const [uniSeq] = await new CpuEngine(uni, 'f32').generate([promptOf(bound, new Uint8Array(0))], bound.seq.cotLength);
    expect(u).toEqual([Array.from(uniSeq!), '1']);
  });
});
