// The ONNX export run by onnxruntime (--backend ort) against the CPU reference and direct
// evaluation, for every mode: positional (4tok, gate), uniform (with a bound cvp circuit),
// looped, looped-cot, deep and uniform looped. ORT's argmax must equal the CPU reference's at
// EVERY position (f32), and the answers must be the circuit's. Also: the Loop node (not
// unrolled), the `loops` input, metadata_props and weights read back, external data, and the
// bad-input lines.
//
// onnxruntime-node is an optional dependency installed by `npm ci`; where it cannot load, these
// tests fail with its install line (set GATECOT_SKIP_ORT=1 to skip them on a platform without it).

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalMany, evalOutputsOne, parseCircuitText, writeCircuit, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, compileUniform, compileUniformLooped, type CompileOptions } from '../compiler/index.js';
import { bindModel, decodeOnnx, encodeSafetensors, exportOnnx, modelFromOnnx, modelToBytes, onnxMetadataJson, OnnxSizeError, storedMetaJson, type Bound, type Model } from '../model/index.js';
import { CpuEngine, loadOrt, OrtEngine, OrtUnavailableError, outputsOfSequence, promptOf, referenceSequences, sampleInputs } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, shared } from './shared.js';

const skipOrt = process.env.GATECOT_SKIP_ORT === '1';
/** A protobuf int64 (protobufjs decodes them as Long objects) as a number. */
const num = (x: unknown): number => (typeof x === 'number' ? x : (x as { toNumber(): number }).toNumber());
if (skipOrt) console.log('GATECOT_SKIP_ORT=1: the onnxruntime tests are skipped');

/** Byte-for-byte equality (the same safetensors file: every weight and the metadata). */
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

const c17 = (): Circuit => loadShared('iscas85/c17.bench');
const adder = (): Circuit => generate('adder', { width: '3' });
const cvpInstance = (): Circuit => parseCircuitText(writeCircuit(generate('cvp-instance', { gates: '12', seed: '5' }), 'cvp') as string, { file: 'inst.cvp', format: 'cvp' });

interface Case {
  name: string;
  model: () => Model;
  circuit: () => Circuit;
}

const positional = (c: () => Circuit, opts: CompileOptions) => () => compile(c(), opts);

const CASES: Case[] = [
  { name: 'c17, 4tok', model: positional(c17, { cot: '4tok' }), circuit: c17 },
  { name: 'c17, gate CoT', model: positional(c17, { cot: 'gate' }), circuit: c17 },
  { name: 'c432, 4tok', model: positional(() => loadShared('iscas85/c432.bench'), { cot: '4tok' }), circuit: () => loadShared('iscas85/c432.bench') },
  { name: 'adder, 4tok', model: positional(adder, { cot: '4tok' }), circuit: adder },
  { name: 'adder, gate CoT', model: positional(adder, { cot: 'gate' }), circuit: adder },
  { name: 'uniform (capacity 24), a cvp instance', model: () => compileUniform(24), circuit: cvpInstance },
  { name: 'uniform (capacity 16), c17', model: () => compileUniform(16), circuit: c17 },
  { name: 'c432, looped', model: positional(() => loadShared('iscas85/c432.bench'), { latent: 'looped' }), circuit: () => loadShared('iscas85/c432.bench') },
  { name: 'adder, looped-cot', model: positional(adder, { latent: 'looped-cot' }), circuit: adder },
  { name: 'c17, deep', model: positional(c17, { latent: 'deep' }), circuit: c17 },
  { name: 'uniform looped (capacity 16), c17', model: () => compileUniformLooped(16), circuit: c17 },
];

function bound(k: Case): Bound {
  const m = k.model();
  return m.meta.mode === 'uniform' ? bindModel(m, k.circuit()) : bindModel(m);
}

/** The engines' options for a bound model: a uniform looped model runs its circuit's depth. */
function loopsOf(b: Bound): { loops?: number } {
  return b.seq.loops !== undefined ? { loops: b.seq.loops } : {};
}

async function ort(m: Model, opts: { loops?: number; limit?: number } = {}): Promise<OrtEngine> {
  return OrtEngine.create(m, { ...opts, threads: 1 });
}

describe.skipIf(skipOrt)('ONNX export run by onnxruntime: every position equals the CPU reference, f32', () => {
  it('onnxruntime-node loads (an optional dependency: npm ci installs it)', async () => {
    await expect(loadOrt()).resolves.toBeDefined();
  });

  for (const k of CASES) {
    it(k.name, async () => {
      const b = bound(k);
      const n = b.circuit.nInputs;
      const inputs = sampleInputs(n, 4, 7n);
      const seqs = b.seq.readout === 'argmax' ? inputs.map((x) => promptOf(b, x)) : referenceSequences(b, inputs);
      const cpu = await new CpuEngine(b.model, 'f32', loopsOf(b)).forward(seqs, { logits: true });
      const engine = await ort(b.model, loopsOf(b));
      try {
        const got = await engine.forward(seqs, { logits: true });
        // every position, every input: the same argmax as the CPU reference
        got.argmax.forEach((a, i) => expect(Array.from(a), `input ${i}`).toEqual(Array.from(cpu.argmax[i]!)));
        let worst = 0;
        got.logits!.forEach((l, i) => l.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - cpu.logits![i]![j]!) / Math.max(1, Math.abs(x))))));
        expect(worst).toBeLessThan(1e-4);
        const want = evalMany(b.circuit, inputs);
        if (b.seq.readout === 'argmax') {
          // latent: the argmax AT each wire's position is its value
          got.argmax.forEach((a, i) => {
            const one = b.model.vocab.indexOf('1');
            expect(Array.from(b.seq.valuePos, (p) => (a[p] === one ? 1 : 0))).toEqual(Array.from(want[i]!.subarray(0, b.seq.valuePos.length)));
          });
        } else {
          // teacher forcing: the argmax at p is the reference token at p + 1 over the whole CoT
          const P = b.seq.promptLength;
          got.argmax.forEach((a, i) => expect(Array.from(a.subarray(P - 1, -1))).toEqual(Array.from(seqs[i]!.subarray(P))));
          // greedy generation through onnxruntime (one graph run per step) writes the same sequence
          if (b.seq.seqLen <= 200) {
            const k = inputs.length - 1; // all-ones (a circuit without inputs has only the empty one)
            const gen = await engine.generate([promptOf(b, inputs[k]!)], b.seq.cotLength);
            expect(Array.from(gen[0]!)).toEqual(Array.from(seqs[k]!));
            expect(Array.from(outputsOfSequence(b, gen[0]!))).toEqual(Array.from(evalMany(b.circuit, [inputs[k]!], b.circuit.outputs.flatMap((o) => o.wires))[0]!));
          }
        }
      } finally {
        engine.dispose();
      }
    });
  }

  it('the loops input is honoured: one loop of a deep circuit is wrong, as on the CPU', async () => {
    const b = bound(CASES.find((k) => k.name === 'c432, looped')!);
    const inputs = sampleInputs(b.circuit.nInputs, 4, 3n);
    const prompts = inputs.map((x) => promptOf(b, x));
    const one = await ort(b.model, { loops: 1 });
    try {
      const got = await one.forward(prompts);
      const cpu = await new CpuEngine(b.model, 'f32', { loops: 1 }).forward(prompts);
      got.argmax.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(cpu.argmax[i]!)));
      const want = evalMany(b.circuit, inputs, b.circuit.outputs.flatMap((o) => o.wires));
      const wrong = got.argmax.filter((a, i) => !outputsOfSequence(b, a).every((v, j) => v === want[i]![j])).length;
      expect(wrong).toBeGreaterThan(0);
    } finally {
      one.dispose();
    }
  });

  it("the exported file's loops default (an initializer) runs the model's own count when not fed", async () => {
    const b = bound(CASES.find((k) => k.name === 'c432, looped')!);
    const inputs = sampleInputs(b.circuit.nInputs, 2, 5n);
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(exportOnnx(b.model).bytes, { executionProviders: ['cpu'], logSeverityLevel: 3, intraOpNumThreads: 1 });
    const L = b.seq.seqLen;
    const ids = BigInt64Array.from(inputs.flatMap((x) => Array.from(promptOf(b, x), BigInt)));
    const out = await session.run({ token_ids: new ort.Tensor('int64', ids, [inputs.length, L]) });
    const cpu = await new CpuEngine(b.model).forward(inputs.map((x) => promptOf(b, x)));
    const toks = out.tokens!.data as BigInt64Array;
    cpu.argmax.forEach((a, i) => expect(Array.from(toks.subarray(i * L, (i + 1) * L), Number)).toEqual(Array.from(a)));
  });

  it('opsets 17, 18 and 19, with a fixed batch: the same tokens', async () => {
    const b = bound(CASES.find((k) => k.name === 'adder, looped-cot')!);
    const inputs = sampleInputs(b.circuit.nInputs, 0, 1n);
    const L = b.seq.seqLen;
    const ids = BigInt64Array.from(inputs.flatMap((x) => Array.from(promptOf(b, x), BigInt)));
    const want = (await new CpuEngine(b.model).forward(inputs.map((x) => promptOf(b, x)))).argmax.flatMap((a) => Array.from(a));
    const ort = await loadOrt();
    for (const opset of [17, 18, 19]) {
      const session = await ort.InferenceSession.create(exportOnnx(b.model, { opset, batch: inputs.length }).bytes, { executionProviders: ['cpu'], logSeverityLevel: 3, intraOpNumThreads: 1 });
      const out = await session.run({ token_ids: new ort.Tensor('int64', ids, [inputs.length, L]) });
      expect(Array.from(out.tokens!.data as BigInt64Array, Number), `opset ${opset}`).toEqual(want);
    }
  });

  it('a graph over the size limit runs from a temporary file with external data', async () => {
    const b = bound(CASES[0]!);
    const seqs = referenceSequences(b, sampleInputs(b.circuit.nInputs, 2, 1n));
    const engine = await ort(b.model, { limit: 1000 });
    try {
      expect(engine.externalData).toBe(true);
      const got = await engine.forward(seqs);
      const cpu = await new CpuEngine(b.model).forward(seqs);
      got.argmax.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(cpu.argmax[i]!)));
    } finally {
      engine.dispose();
    }
  });
});

describe('the ONNX graph', () => {
  it('a looped model is one Loop node over the shared block, not unrolled', () => {
    const c = loadShared('iscas85/c432.bench');
    const m = compile(c, { latent: 'looped' });
    expect(m.meta.loop!.count).toBeGreaterThan(10);
    const p = decodeOnnx(exportOnnx(m).bytes);
    const ops = p.graph!.node!.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Loop')).toHaveLength(1);
    expect(ops).not.toContain('Softmax');
    const loop = p.graph!.node!.find((n) => n.opType === 'Loop')!;
    expect(loop.input![0]).toBe('loops');
    const body = loop.attribute!.find((a) => a.name === 'body')!.g!;
    expect(body.node!.filter((n) => n.opType === 'Softmax')).toHaveLength(m.layers[0]!.heads.length);
    // the count is the loops initializer (the default of the graph input of the same name)
    const init = p.graph!.initializer!.find((t) => t.name === 'loops')!;
    expect(num(init.int64Data![0])).toBe(m.meta.loop!.count);
    expect(p.graph!.input!.map((i) => i.name)).toEqual(['token_ids', 'loops']);
    // the weights are stored once: the body reads the outer graph's initializers
    expect(body.initializer ?? []).toHaveLength(0);
    expect(p.graph!.initializer!.filter((t) => t.name!.endsWith('.W_Q'))).toHaveLength(m.layers[0]!.heads.length);
    // requiredLoops (what the onnxruntime engine runs): the same input, without the default
    const r = decodeOnnx(exportOnnx(m, { requiredLoops: true }).bytes);
    expect(r.graph!.input!.map((i) => i.name)).toEqual(['token_ids', 'loops']);
    expect(r.graph!.initializer!.some((t) => t.name === 'loops')).toBe(false);
  });

  it('the deep model (no loop) has one set of heads per stored layer', () => {
    const m = compile(c17(), { latent: 'deep' });
    const p = decodeOnnx(exportOnnx(m).bytes);
    expect(p.graph!.node!.filter((n) => n.opType === 'Softmax')).toHaveLength(m.layers.reduce((s, L) => s + L.heads.length, 0));
    expect(p.graph!.node!.some((n) => n.opType === 'Loop')).toBe(false);
  });

  it('opset, IR version, named initializers with doc strings, inputs and outputs', () => {
    const m = compile(c17(), {});
    const p = decodeOnnx(exportOnnx(m, { opset: 19, batch: 4 }).bytes);
    expect(num(p.opsetImport![0]!.version)).toBe(19);
    expect(num(p.irVersion)).toBe(9);
    const names = p.graph!.initializer!.map((t) => t.name);
    expect(names).toContain('embed.W_E');
    expect(names).toContain('blocks.0.attn.0.fetch_a.W_Q');
    const wo = p.graph!.initializer!.find((t) => t.name === 'blocks.0.attn.0.fetch_a.W_O')!;
    expect(wo.docString).toMatch(/Writes val_a$/);
    const wq = p.graph!.initializer!.find((t) => t.name === 'blocks.0.attn.0.fetch_a.W_Q')!;
    expect(wq.docString).toMatch(/Reads one, src_a_bits$/);
    expect(p.graph!.initializer!.find((t) => t.name === 'blocks.0.attn.0.fetch_a.W_K')!.docString).toMatch(/Reads one, pos_bits$/);
    expect(p.graph!.output!.map((o) => o.name)).toEqual(['logits', 'tokens']);
    expect(num(p.graph!.input![0]!.type!.tensorType!.shape!.dim![0]!.dimValue)).toBe(4);
    expect(p.graph!.input![0]!.type!.tensorType!.shape!.dim![1]!.dimParam).toBe('seq');
  });

  it('metadata_props hold the metadata JSON, and the weights read back exactly', () => {
    for (const m of [compile(c17(), { latent: 'looped' }), compileUniform(8)]) {
      const f = exportOnnx(m);
      expect(onnxMetadataJson(decodeOnnx(f.bytes))).toBe(storedMetaJson(m));
      const back = modelFromOnnx(f.bytes, 'm.onnx');
      expect(sameBytes(modelToBytes(back), modelToBytes(m))).toBe(true);
    }
  });

  it('external data: the large tensors go to the data file, and read back', () => {
    const m = compileUniform(8);
    const f = exportOnnx(m, { externalData: 'u.onnx.data' });
    const data = Buffer.concat(f.externalData!);
    expect(f.bytes.length).toBeLessThan(data.length);
    const p = decodeOnnx(f.bytes);
    expect(p.graph!.initializer!.find((t) => t.name === 'pos_embed.W_pos')!.externalData![0]).toEqual({ key: 'location', value: 'u.onnx.data' });
    expect(sameBytes(modelToBytes(modelFromOnnx(f.bytes, 'u.onnx', () => data)), modelToBytes(m))).toBe(true);
    expect(() => modelFromOnnx(f.bytes, 'u.onnx')).toThrow(/external file u\.onnx\.data/);
  });

  it("over protobuf's limit without external data: a size error", () => {
    expect(() => exportOnnx(compile(c17(), {}), { limit: 4096 })).toThrow(OnnxSizeError);
    expect(() => exportOnnx(compile(c17(), {}), { limit: 4096 })).toThrow(/over protobuf's .* limit .* external data file/);
  });
});

describe('gatecot export and --backend ort on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-onnx-'));
  const c17File = shared('iscas85/c17.bench');

  it.skipIf(skipOrt)('export, then verify and run the .onnx file alone with onnxruntime', async () => {
    const out = join(dir, 'c17.onnx');
    const e = await cli('export', c17File, '-o', out);
    expect(e.stderr).toBe('');
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/^wrote .*c17\.onnx: ONNX opset 17, 4tok CoT/);
    const v = await cli('verify', out, '--backend', 'ort', '--json');
    expect(v.code).toBe(0);
    const j = JSON.parse(v.stdout) as { ok: boolean; backend: string; mismatches: number; positions_checked: number };
    expect(j).toMatchObject({ ok: true, backend: 'ort', mismatches: 0 });
    expect(j.positions_checked).toBeGreaterThan(0);
    const r = await cli('run', out, '--backend', 'ort', '--bits', '10110');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(Array.from(evalOutputsOne(c17(), [1, 0, 1, 1, 0])).join(''));
  });

  it.skipIf(skipOrt)('a uniform looped model with external data runs a circuit its depth times', async () => {
    const out = join(dir, 'ul.onnx');
    const e = await cli('export', c17File, '--mode', 'uniform-looped', '-o', out, '--external-data', '--json');
    expect(e.code).toBe(0);
    const j = JSON.parse(e.stdout) as { external_data: { path: string; bytes: number }; loop: { node: string } };
    expect(j.loop.node).toBe('Loop');
    expect(existsSync(j.external_data.path)).toBe(true);
    const v = await cli('verify', out, '--circuit', c17File, '--backend', 'ort', '--json');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, loops: 3, loops_source: 'circuit depth' });
  });

  it('the ground-truth circuit_map.json comes with the ONNX file (a uniform model: with --circuit)', async () => {
    const out = join(dir, 'map-c17.onnx');
    const e = await cli('export', c17File, '-o', out, '--json');
    expect(e.code).toBe(0);
    const mapPath = join(dir, 'map-c17.circuit_map.json');
    expect(JSON.parse(e.stdout).circuit_map).toEqual({ path: mapPath, wires_mapped: 11 });
    const map = JSON.parse(readFileSync(mapPath, 'utf8')) as { wires: { wire: number }[] };
    expect(map.wires.map((w) => w.wire)).toEqual(Array.from({ length: 11 }, (_, k) => k));
    // An existing map is not overwritten without --force, and nothing else is written then.
    const again = await cli('export', c17File, '-o', join(dir, 'map-c17b.onnx'));
    expect(again.code).toBe(0);
    writeFileSync(join(dir, 'map-c17c.circuit_map.json'), 'mine');
    const clobber = await cli('export', c17File, '-o', join(dir, 'map-c17c.onnx'));
    expect(clobber.code).toBe(2);
    expect(existsSync(join(dir, 'map-c17c.onnx'))).toBe(false);
    expect(readFileSync(join(dir, 'map-c17c.circuit_map.json'), 'utf8')).toBe('mine');
    const uni = join(dir, 'uni.safetensors');
    expect((await cli('compile', '--uniform', '--max-wires', '16', '-o', uni)).code).toBe(0);
    const none = await cli('export', uni, '-o', join(dir, 'uni.onnx'));
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no circuit_map\.json: the circuit of a uniform model is in its prompt/);
    expect(existsSync(join(dir, 'uni.circuit_map.json'))).toBe(false);
    const withMap = await cli('export', uni, '-o', join(dir, 'uni2.onnx'), '--circuit', c17File);
    expect(withMap.code).toBe(0);
    expect(existsSync(join(dir, 'uni2.circuit_map.json'))).toBe(true);
  });

  it('help lists export, and export --help its options', async () => {
    expect((await cli('--help')).stdout).toMatch(/^  export \[options\] <model>/m);
    const h = await cli('export', '--help');
    expect(h.code).toBe(0);
    for (const o of ['--to <target>', '--opset <N>', '--batch <B>', '--external-data', '--force']) expect(h.stdout).toContain(o);
    expect((await cli('verify', '--help')).stdout).toMatch(/webgpu or ort \(onnxruntime-node/);
  });

  it('bad input: one line, exit 2', async () => {
    const notModel = join(dir, 'notes.txt');
    writeFileSync(notModel, 'hello\n');
    const foreign = join(dir, 'foreign.safetensors');
    writeFileSync(foreign, encodeSafetensors([['w', { shape: [1], data: Float32Array.of(1) }]], { format: 'pt' }));
    const strange = join(dir, 'strange.safetensors');
    const m = compile(c17(), {});
    writeFileSync(strange, modelToBytes({ ...m, meta: { ...m.meta, mode: 'sideways' as 'positional' } }));
    const existing = join(dir, 'existing.onnx');
    writeFileSync(existing, 'mine');
    const model = join(dir, 'c17.safetensors');
    writeFileSync(model, modelToBytes(m));
    const cases: [string[], RegExp][] = [
      [['export', notModel, '-o', join(dir, 'a.onnx')], /notes\.txt is not a gatecot model/],
      [['export', foreign, '-o', join(dir, 'a.onnx')], /no "gatecot" metadata: not a gatecot model/],
      [['export', strange, '-o', join(dir, 'a.onnx')], /unknown model mode "sideways"/],
      [['export', model, '-o', existing], /existing\.onnx exists; pass --force/],
      [['export', model, '-o', join(dir, 'a.onnx'), '--opset', '16'], /opset must be 17 to 19, got 16/],
      [['export', model, '-o', join(dir, 'a.onnx'), '--opset', '20'], /opset must be 17 to 19, got 20/],
      [['export', model, '-o', join(dir, 'a.onnx'), '--to', 'tflite'], /unknown --to 'tflite' \(expected onnx, transformerlens\)/],
      [['export', model, '-o', join(dir, 'a.onnx'), '--loops', '3'], /--loops goes with --to transformerlens, not --to onnx/],
      [['export', model, '-o', join(dir, 'tl'), '--to', 'transformerlens', '--opset', '17'], /--opset goes with --to onnx, not --to transformerlens/],
      [['export', model, '-o', join(dir, 'a.onnx'), '--batch', 'x'], /--batch must be an integer/],
      [['verify', model, '--backend', 'ort', '--arith', 'f64'], /onnxruntime backend runs f32 only, not f64/],
      [['verify', model, '--backend', 'onnx'], /--backend must be auto, cpu, webgpu or ort, got 'onnx'/],
      [['trace', model, '--bits', '00000', '--backend', 'ort'], /--backend ort \(onnxruntime\) is offered by run and verify only/],
    ];
    for (const [args, line] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(line);
    }
    expect(readFileSync(existing, 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'a.onnx'))).toBe(false);
  });

  it.skipIf(skipOrt)('--loops auto with onnxruntime: one line, exit 2', async () => {
    const model = join(dir, 'looped.safetensors');
    writeFileSync(model, modelToBytes(compile(c17(), { latent: 'looped' })));
    const r = await cli('verify', model, '--backend', 'ort', '--loops', 'auto');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gatecot: onnxruntime runs the ONNX graph a fixed number of loops/);
  });

  it('without onnxruntime-node: a one-line error that says how to install it', async () => {
    const e = await loadOrt('onnxruntime-node-not-installed-here').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(OrtUnavailableError);
    expect((e as Error).message).toMatch(/not installed.*`npm install onnxruntime-node@1\.16\.3`/);
  });
});
