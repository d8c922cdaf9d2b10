// Latent models (issue 14): looped, looped-cot and deep, no CoT. Every value is checked against
// direct evaluation of the circuit (verifyLatent reads the argmax at EVERY wire's position); the
// lemmas of the construction (exact values that do not drift, one gate per loop, depth loops
// suffice and depth - 1 do not) each have a test; the layer-by-layer executor is checked against
// the token-by-token stepper on a CoT model.
import { describe, expect, it } from 'vitest';
import { evalMany, Op, wireDepths, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { circuitDepth, compile, compileLatent, compileUniform, latentWidth, positionBits, type LatentKind } from '../compiler/index.js';
import { scoreGroups } from '../runtime/cpu/score-groups.js';
import { appliedLayers, bindCompiled, bindModel, ModelFileError, modelFromBytes, modelToBytes } from '../model/index.js';
import { allInputs, CpuEngine, forwardLayerMajor, parseArith, prepare, promptOf, referenceSequences, sampleInputs, verifyModel, CpuStepper } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, shared } from './shared.js';

const KINDS: LatentKind[] = ['looped', 'looped-cot', 'deep'];

/** x -> NOT^n x (depth n): the longest possible dependency chain. */
function chain(n: number): Circuit {
  const ops = new Uint8Array(n).fill(Op.NOT);
  const a = Int32Array.from({ length: n }, (_, g) => g);
  return { name: `not_chain_${n}`, inputs: [{ name: 'x', width: 1 }], outputs: [{ name: 'y', wires: [n] }], nInputs: 1, ops, a, b: new Int32Array(n).fill(-1) };
}

async function verify(c: Circuit, kind: LatentKind, arith: string, inputs: Uint8Array[], loops?: number | 'auto') {
  const m = compileLatent(c, kind);
  return verifyModel(bindCompiled(m, c), new CpuEngine(m, arith, loops !== undefined ? { loops } : {}), inputs);
}

describe('latent constructions verify against direct evaluation', () => {
  const c17 = loadShared('iscas85/c17.bench');
  for (const kind of KINDS) {
    for (const arith of ['f32', 'fixed:2']) {
      it(`${kind} c17, ${arith}, all 32 inputs`, async () => {
        const r = await verify(c17, kind, arith, allInputs(5));
        expect(r.mismatches).toBe(0);
        expect(r.positions_checked).toBe(32 * 11);
      });
    }
  }
  const cases: [string, Circuit][] = [
    ['random 80 gates, all ten types', generate('random', { gates: '80', inputs: '10', seed: '7', mix: 'AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1', outputs: '6' })],
    ['modadd', generate('modadd', { count: '4' })],
    ['s5 tree', generate('s5', { count: '2', tree: 'true' })],
    ['itersq', generate('itersq', { p: '7', k: '1' })],
    ['cvp instance (no inputs)', generate('cvp-instance', { gates: '40', seed: '3' })],
  ];
  for (const [name, c] of cases) {
    it(`${name}: looped, looped-cot and deep, f32 and fixed:2`, async () => {
      const inputs = sampleInputs(c.nInputs, 6, 5n);
      for (const kind of KINDS) for (const arith of ['f32', 'fixed:2']) expect((await verify(c, kind, arith, inputs)).mismatches, `${kind} ${arith}`).toBe(0);
    });
  }
});

describe('the loop', () => {
  it('loops = depth; the deep model has depth stored layers; looped-cot loops once per gate', () => {
    const c = loadShared('iscas85/c432.bench');
    const D = circuitDepth(c);
    expect(D).toBe(Math.max(...wireDepths(c)));
    expect(compileLatent(c, 'looped').meta.loop).toMatchObject({ start: 0, end: 1, count: D, count_is: 'depth' });
    expect(compileLatent(c, 'looped-cot').meta.loop).toMatchObject({ count: c.ops.length, count_is: 'gates' });
    const deep = compileLatent(c, 'deep');
    expect(deep.layers.length).toBe(D);
    expect(deep.meta.loop).toBeUndefined();
    expect(appliedLayers(compileLatent(c, 'looped').meta, 5)).toEqual([0, 0, 0, 0, 0]);
  });

  it('with depth - 1 loops a circuit of depth D fails on some input and the report names the output', async () => {
    const c = loadShared('iscas85/c17.bench');
    const r = await verify(c, 'looped', 'f32', allInputs(5), circuitDepth(c) - 1);
    expect(r.ok).toBe(false);
    expect(r.first?.readAt).toBe('argmax');
    expect(r.first?.output).toBeGreaterThanOrEqual(0);
    expect(r.first?.gateLabel).toMatch(/^output \d+ \(G\d+gat; \d+ wrong output value/);
    // The same count for looped-cot stops before the last gate.
    const rc = await verify(c, 'looped-cot', 'f32', allInputs(5), c.ops.length - 1);
    expect(rc.ok).toBe(false);
  });

  it('a chain of depth 500 with loops = depth is exact (f32 and fixed:2), and 499 loops are not enough', async () => {
    const c = chain(500);
    const both = [new Uint8Array([0]), new Uint8Array([1])];
    for (const arith of ['f32', 'fixed:2']) expect((await verify(c, 'looped', arith, both)).mismatches, arith).toBe(0);
    expect((await verify(c, 'looped', 'f32', both, 499)).first?.output).toBe(0);
  }, 120_000);

  it('a small circuit looped 10^4 times keeps its values exactly, and its residual stream is a fixed point', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compileLatent(c, 'looped');
    const some = sampleInputs(5, 2, 3n);
    for (const arith of ['f32', 'fixed:2']) {
      expect((await verifyModel(bindCompiled(m, c), new CpuEngine(m, arith, { loops: 10_000 }), some)).mismatches, arith).toBe(0);
    }
    // The logits after 10^4 loops are bit for bit those after depth loops (nothing drifts).
    const b = bindCompiled(m, c);
    const prompts = some.map((x) => promptOf(b, x));
    const at = (loops: number) => forwardLayerMajor(prepare(m, parseArith('f32'), { loops }), prompts, { logits: true }).logits!;
    expect(at(10_000)).toEqual(at(circuitDepth(c)));
  });

  it('loops auto stops once an iteration changes nothing: at most depth (looped), exactly the gate count (looped-cot)', async () => {
    const c = generate('random', { gates: '60', inputs: '8', seed: '3' });
    const r = await verify(c, 'looped', 'f32', sampleInputs(8, 14, 1n), 'auto');
    expect(r.ok).toBe(true);
    expect(r.loops).toBeGreaterThan(0);
    expect(r.loops).toBeLessThanOrEqual(circuitDepth(c));
    const m = compileLatent(c, 'looped-cot');
    const b = bindCompiled(m, c);
    const res = new CpuEngine(m, 'f32', { loops: 'auto' }).forwardSync(sampleInputs(8, 2, 1n).map((x) => promptOf(b, x)));
    expect(res.loops).toEqual([c.ops.length, c.ops.length, c.ops.length, c.ops.length]);
  });
});

/** forwardLayerMajor's logits equal the token-by-token stepper's, bit for bit, at every position. */
function expectLayerMajorIsStepper(pm: ReturnType<typeof prepare>, seqs: Int32Array[]): void {
  const lm = forwardLayerMajor(pm, seqs, { logits: true });
  const st = new CpuStepper(pm, seqs.length, seqs[0]!.length);
  const V = pm.V;
  const lg = new Float64Array(seqs.length * V);
  for (let i = 0; i < seqs[0]!.length; i++) {
    st.step(i, seqs.map((s) => s[i]!), lg);
    seqs.forEach((_, b) => expect(Array.from(lm.logits![b]!.subarray(i * V, (i + 1) * V))).toEqual(Array.from(Float32Array.from(lg.subarray(b * V, (b + 1) * V)))));
  }
}

describe('the layer-by-layer executor', () => {
  it('gives the token-by-token stepper\'s logits bit for bit on a CoT model (the order of passes changes no rounded value)', () => {
    const c = loadShared('iscas85/c17.bench');
    for (const arith of ['f32', 'fixed:2']) {
      const m = compile(c, { cot: '4tok' });
      const pm = prepare(m, parseArith(arith));
      const seqs = referenceSequences(bindCompiled(m, c), sampleInputs(5, 3, 2n));
      expectLayerMajorIsStepper(pm, seqs);
    }
  });
  it("a deep model's equal position-only heads share one set of softmax weights across its layers, and its logits stay bit for bit the stepper's", () => {
    const c = loadShared('iscas85/c432.bench');
    const m = compileLatent(c, 'deep');
    for (const arith of ['f32', 'fixed:2']) {
      const pm = prepare(m, parseArith(arith));
      const heads = pm.distinct.flatMap((L) => L.heads);
      const positionOnly = heads.filter((h) => h.positionOnly).length;
      const { group, count } = scoreGroups(pm.distinct);
      // D layers x 2 position-only heads, two score groups (the fetch of each operand).
      expect(pm.distinct.length).toBe(circuitDepth(c));
      expect(positionOnly).toBe(2 * pm.distinct.length);
      expect(count).toBe(2);
      expect(group.every((g) => g.every((x) => x !== undefined))).toBe(true);
      const seqs = referenceSequences(bindCompiled(m, c), sampleInputs(c.nInputs, 3, 5n));
      expectLayerMajorIsStepper(pm, seqs);
    }
  });
  it('heads with different W_Q or W_K fall in different score groups; heads that are not position-only in none', () => {
    const pm = prepare(compile(loadShared('iscas85/c17.bench'), { cot: 'gate' }), parseArith('f32'));
    const { group, count } = scoreGroups(pm.layers);
    expect(count).toBe(pm.layers[0]!.heads.filter((h) => h.positionOnly).length);
    expect(new Set(group[0]!.filter((g) => g !== undefined)).size).toBe(count);
    const uni = prepare(compileUniform(8), parseArith('f32'));
    const g = scoreGroups(uni.layers);
    uni.layers.forEach((L, l) => L.heads.forEach((h, i) => expect(g.group[l]![i] === undefined).toBe(!h.positionOnly)));
  });
});

describe('resources and the file', () => {
  it('d_model = 3k + 9 (looped, deep) and 4k + 11 (looped-cot), k = position bits of S = 1 + wires', () => {
    for (const c of [loadShared('iscas85/c17.bench'), loadShared('iscas85/c432.bench'), chain(1000)]) {
      const k = positionBits(1 + c.nInputs + c.ops.length);
      for (const kind of KINDS) expect(compileLatent(c, kind).d, kind).toBe(latentWidth(kind, k));
      expect(latentWidth('looped', k)).toBe(3 * k + 9);
      expect(latentWidth('looped-cot', k)).toBe(4 * k + 11);
    }
  });

  it('the file stores the block once and the loop in its metadata; it round-trips and verifies', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compileLatent(c, 'looped');
    const bytes = modelToBytes(m);
    const back = modelFromBytes(bytes, 'l.safetensors');
    expect(back.layers.length).toBe(1);
    expect(back.meta.loop).toEqual(m.meta.loop);
    expect(back.meta.readout).toBe('argmax');
    expect((await verifyModel(bindModel(back), new CpuEngine(back, 'f32'), allInputs(5))).ok).toBe(true);
    const bad = modelFromBytes(bytes);
    bad.meta.loop = { ...bad.meta.loop!, end: 3 };
    expect(() => modelFromBytes(modelToBytes(bad), 'bad.safetensors')).toThrow(ModelFileError);
    expect(() => modelFromBytes(modelToBytes(bad), 'bad.safetensors')).toThrow(/bad\.safetensors: bad loop in the metadata: layers \[0, 3\) x 3 over 1 stored layers/);
  });

  it('the readout is the model\'s: a latent model\'s answer at each wire is the argmax there, and it equals direct evaluation', () => {
    const c = generate('random', { gates: '30', inputs: '6', seed: '9' });
    const m = compileLatent(c, 'deep');
    const b = bindCompiled(m, c);
    const inputs = allInputs(6);
    const { argmax } = new CpuEngine(m, 'f32').forwardSync(inputs.map((x) => promptOf(b, x)));
    const values = evalMany(c, inputs);
    argmax.forEach((am, i) => values[i]!.forEach((v, w) => expect(am[1 + w]).toBe(v ? 1 : 0)));
  });
});

describe('command line', () => {
  const c17 = shared('iscas85/c17.bench');
  it('verify --mode looped, --loops auto, --json', async () => {
    const r = await cli('verify', c17, '--mode', 'looped', '--loops', 'auto', '--exhaustive', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, construction: 'looped', cot: 'none', loops: 3, loops_source: 'auto', model_loops: 3, model_loops_is: 'depth', layers_stored: 1, layers_applied: 3 });
  });
  it('too few loops: exit 1 and the wrong output named', async () => {
    const r = await cli('verify', c17, '--mode', 'looped', '--loops', '2', '--exhaustive');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/first: input \d+ \(bits [01]{5}\), output \d+ \(G\d+gat;/);
  });
  const bad: [string, string[], RegExp][] = [
    ['--loops 0', ['--mode', 'looped', '--loops', '0'], /^gatecot: --loops must be at least 1, got 0\n$/],
    ['a negative loop count', ['--mode', 'looped', '--loops', '-3'], /^gatecot: --loops must be at least 1, got -3\n$/],
    ['a huge loop count', ['--mode', 'looped', '--loops', '99999999'], /^gatecot: --loops 99999999 is beyond the limit of 1000000 loops\n$/],
    ['not a number', ['--mode', 'looped', '--loops', 'many'], /^gatecot: --loops must be a whole number or auto, got 'many'\n$/],
    ['--mode looped with --cot', ['--mode', 'looped', '--cot', 'gate'], /^gatecot: --mode looped writes no chain of thought: --cot does not apply\n$/],
    ['a loop count on a model without a loop', ['--loops', '3'], /^gatecot: a loop count was given, but this model has no loop/],
    ['a loop count on the deep model', ['--mode', 'deep', '--loops', '3'], /^gatecot: a loop count was given, but this model has no loop/],
    ['an unknown mode', ['--mode', 'loopy'], /^gatecot: --mode must be positional, uniform, looped, looped-cot, deep or uniform-looped, got 'loopy'\n$/],
  ];
  for (const [name, args, msg] of bad) {
    it(`${name}: exit 2, one line`, async () => {
      const r = await cli('verify', c17, ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});
