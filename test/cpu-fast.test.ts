// The CPU backend's fast f32 kernel (runtime/cpu/fast/) against the CPU reference in f32 and
// against direct evaluation. The fast path claims the reference's numbers bit for bit (the same
// f32 operations in the same order), so the stated bound on the logits is 0: every logit of every
// position is compared with Object.is (NaN and the sign of zero included), every argmax too.
import { describe, expect, it } from 'vitest';
import { evalOutputsOne, type Circuit } from '../circuits/index.js';
import { generate as genCircuit } from '../circuits/gen/index.js';
import { compile, compileLatent, compileUniform, compileUniformLooped, type CotFormat, type LatentKind } from '../compiler/index.js';
import { bindModel, type Bound, type Model } from '../model/index.js';
import { CpuEngine, createEngine, outputsOfSequence, promptOf, referenceSequences, sampleInputs, verifyModel } from '../runtime/index.js';
import { parseArith, kernelsFor } from '../runtime/index.js';
import { expBounds, f32Above, f32Below, rowWeights } from '../runtime/cpu/fast/attention.js';
import { pad8 } from '../runtime/cpu/fast/forward.js';
import { FastCpuEngine } from '../runtime/cpu/fast/engine.js';
import { kernelModule } from '../runtime/cpu/fast/kernels.js';
import { FastRuntime } from '../runtime/cpu/fast/pool.js';
import type { LoopSetting } from '../runtime/engine.js';
import { loadShared } from './shared.js';

const random = (gates: number, inputs: number, seed: number): Circuit => generateRandom(gates, inputs, seed);
function generateRandom(gates: number, inputs: number, seed: number): Circuit {
  return genCircuit('random', { gates: String(gates), inputs: String(inputs), seed: String(seed), locality: '0.5' });
}

/** Every logit and argmax of the fast path equals the reference's, bit for bit. */
function sameForward(m: Model, seqs: Int32Array[], loops?: LoopSetting, threads = 2): void {
  const opts = loops !== undefined ? { loops } : {};
  const ref = new CpuEngine(m, 'f32', opts).forwardSync(seqs, { logits: true });
  const fast = new FastCpuEngine(m, { ...opts, threads }).forwardSync(seqs, { logits: true });
  expect(fast.loops).toEqual(ref.loops);
  seqs.forEach((_, b) => {
    expect(Array.from(fast.argmax[b]!)).toEqual(Array.from(ref.argmax[b]!));
    const a = fast.logits![b]!;
    const r = ref.logits![b]!;
    expect(a.length).toBe(r.length);
    let differ = 0;
    for (let x = 0; x < a.length; x++) if (!Object.is(a[x], r[x])) differ++;
    expect(differ).toBe(0);
  });
}

/** Generation: the fast path's tokens are the reference's, and the outputs direct evaluation's. */
function sameGeneration(b: Bound, inputs: Uint8Array[]): void {
  const prompts = inputs.map((x) => promptOf(b, x));
  const ref = new CpuEngine(b.model, 'f32').generateSync(prompts, b.seq.cotLength);
  const fast = new FastCpuEngine(b.model, { threads: 2 }).generateSync(prompts, b.seq.cotLength);
  fast.forEach((s, k) => {
    expect(Array.from(s)).toEqual(Array.from(ref[k]!));
    expect(Array.from(outputsOfSequence(b, s))).toEqual(Array.from(evalOutputsOne(b.circuit, inputs[k]!)));
  });
}

describe('the kernels', () => {
  it('the emitted module validates and its scores equal the scalar f32 sums', () => {
    kernelModule();
    const rt = new FastRuntime(1);
    const A = rt.arena;
    const dk = 5;
    const n = 24;
    const kt = A.alloc(dk * n);
    const q = A.alloc(4 * dk);
    const out = A.alloc(4 * n);
    const mx = A.alloc(16);
    let seed = 7;
    const rnd = () => Math.fround(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 3);
    for (let x = 0; x < dk * n; x++) A.f32[kt + x] = rnd();
    for (let x = 0; x < 4 * dk; x++) A.f32[q + x] = rnd();
    A.f32.fill(-Infinity, mx, mx + 16);
    A.kernels.scores4(4 * q, dk, 4 * kt, n, n, 4 * out, n, 4 * mx);
    for (let r = 0; r < 4; r++) {
      let m = -Infinity;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let t = 0; t < dk; t++) acc = Math.fround(acc + Math.fround(A.f32[q + t * 4 + r]! * A.f32[kt + t * n + j]!));
        expect(A.f32[out + r * n + j]).toBe(acc);
        if (acc > m) m = acc;
      }
      expect(Math.max(...A.f32.subarray(mx + 4 * r, mx + 4 * r + 4))).toBe(m);
    }
  });

  it('softmax kernel: the reference softmax on random rows around the exp cut-off', () => {
    const rt = new FastRuntime(1);
    const A = rt.arena;
    const zero = kernelsFor(parseArith('f32')).expZeroBelow;
    const n = 203;
    const sc = rt.scratch(pad8(n + 8));
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let rep = 0; rep < 20; rep++) {
      const m = Math.fround(rnd() * 10 - 5);
      for (let j = 0; j < n; j++) A.f32[sc.s + j] = j === 17 ? m : Math.fround(m + zero - 2 + rnd() * 4 * (rep % 2 ? 1 : 30));
      // the reference's loop (stepper.ts softmax, f32): every key
      const e = Array.from({ length: n }, (_, j) => {
        const x = Math.fround(A.f32[sc.s + j]! - m);
        return x < zero ? 0 : Math.fround(Math.exp(x));
      });
      const Z = e.reduce((z, x) => Math.fround(z + x), 0);
      const want = e.flatMap((x, j) => (x !== 0 ? [[j, Math.fround(x / Z)]] : [])).filter(([, p]) => p !== 0);
      const k = rowWeights(A, sc, sc.s, n - 1, m, expBounds(zero));
      const got = Array.from({ length: k }, (_, c) => [A.i32[sc.cj + c]!, A.f32[sc.cp + c]!]).filter(([, p]) => p !== 0);
      expect(got).toEqual(want);
      expect(A.f32[sc.z]).toBe(Z);
    }
  });

  it('f32 thresholds bracket the reference bound', () => {
    for (const x of [-104.97, -3.3, 0.1, -1e-45, 7]) {
      const lo = f32Below(x);
      const hi = f32Above(x);
      expect(lo).toBeLessThanOrEqual(x);
      expect(hi).toBeGreaterThanOrEqual(x);
      expect(Math.fround(lo)).toBe(lo);
      expect(Math.fround(hi)).toBe(hi);
      expect(hi === lo || hi > lo).toBe(true);
    }
    expect(expBounds(-Infinity)).toEqual({ thr: -Infinity, zeroUp: -Infinity });
  });
});

describe('positional models: bit for bit the reference, and direct evaluation', () => {
  const cases: [string, () => Circuit, CotFormat][] = [
    ['c17 4tok', () => loadShared('iscas85/c17.bench'), '4tok'],
    ['c432 gate', () => loadShared('iscas85/c432.bench'), 'gate'],
    ['c432 4tok', () => loadShared('iscas85/c432.bench'), '4tok'],
    ['random 300 gates 4tok', () => random(300, 12, 3), '4tok'],
  ];
  for (const [name, circuit, cot] of cases) {
    it(`${name}: forward (B = 3) and generation`, async () => {
      const c = circuit();
      const m = compile(c, { cot });
      const b = bindModel(m);
      const inputs = sampleInputs(c.nInputs, 3, 5n).slice(0, 3);
      sameForward(m, referenceSequences(b, inputs));
      sameGeneration(b, inputs.slice(0, 2));
      const rep = await verifyModel(b, new FastCpuEngine(m, { threads: 2 }), inputs);
      expect(rep.mismatches).toBe(0);
      expect(rep.positions_checked).toBe(3 * b.seq.cotLength);
    });
  }

  it('a weak key scale makes both paths wrong in the same places (the fast path hides nothing)', async () => {
    const c = loadShared('iscas85/c432.bench');
    const m = compile(c, { cot: '4tok', scale: 0.5 });
    const b = bindModel(m);
    const inputs = sampleInputs(c.nInputs, 2, 9n).slice(0, 2);
    sameForward(m, referenceSequences(b, inputs));
    const fast = await verifyModel(b, new FastCpuEngine(m), inputs);
    const ref = await verifyModel(b, new CpuEngine(m, 'f32'), inputs);
    expect(fast.mismatches).toBeGreaterThan(0);
    expect(fast.mismatches).toBe(ref.mismatches);
  });

  it('non-finite activations: the same NaN and infinities as the reference', () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { cot: '4tok' });
    const seqs = referenceSequences(bindModel(m), sampleInputs(c.nInputs, 2, 1n).slice(0, 2));
    // an infinite coordinate in one position's embedding reaches scores and values
    const pos = Float32Array.from(m.posEmb);
    for (let x = 0; x < m.d; x++) pos[9 * m.d + x] = x % 3 === 0 ? Infinity : x % 3 === 1 ? -Infinity : pos[9 * m.d + x]!;
    sameForward({ ...m, posEmb: pos }, seqs);
  });
});

describe('uniform models (input-dependent heads, a large vocabulary)', () => {
  it('capacity 64 on random circuits: forward and generation', () => {
    const uni = compileUniform(64);
    for (const seed of [1, 2]) {
      const c = random(40, 6, seed);
      const b = bindModel(uni, c);
      const inputs = sampleInputs(c.nInputs, 2, BigInt(seed)).slice(0, 2);
      sameForward(uni, referenceSequences(b, inputs));
      sameGeneration(b, inputs);
    }
  });
});

describe('latent models (looped, looped-cot, deep, uniform-looped)', () => {
  const c = random(30, 5, 4);
  const kinds: LatentKind[] = ['looped', 'looped-cot', 'deep'];
  for (const kind of kinds) {
    it(`${kind}: the model's own loop count and auto`, async () => {
      const m = compileLatent(c, kind);
      const b = bindModel(m);
      const inputs = sampleInputs(c.nInputs, 3, 2n).slice(0, 3);
      const prompts = inputs.map((x) => promptOf(b, x));
      sameForward(m, prompts);
      if (m.meta.loop) sameForward(m, prompts, 'auto');
      const rep = await verifyModel(b, new FastCpuEngine(m), inputs);
      expect(rep.mismatches).toBe(0);
    });
  }

  it('uniform-looped (capacity 64), at the circuit depth', () => {
    const m = compileUniformLooped(64);
    const b = bindModel(m, c);
    const prompts = sampleInputs(c.nInputs, 2, 3n).slice(0, 2).map((x) => promptOf(b, x));
    sameForward(m, prompts, b.seq.loops);
  });
});

describe('selection', () => {
  const m = compile(loadShared('iscas85/c17.bench'), { cot: '4tok' });
  it('cpu + f32 runs the fast kernel unless the reference is asked for; other arithmetics run the reference', async () => {
    expect((await createEngine(m, 'cpu', 'f32')).engine.description).toMatch(/^CPU fast f32 kernel/);
    expect((await createEngine(m, 'cpu', 'f32', { cpuKernel: 'reference' })).engine.description).toBe('CPU reference (f32)');
    expect((await createEngine(m, 'cpu', 'fixed:2')).engine.description).toBe('CPU reference (fixed:2)');
    await expect(createEngine(m, 'cpu', 'fixed:2', { cpuKernel: 'fast' })).rejects.toThrow(/fast CPU kernel runs f32 only/);
  });

  it('one thread and two give the same numbers', () => {
    const c = random(120, 8, 11);
    const mm = compile(c, { cot: '4tok' });
    const seqs = referenceSequences(bindModel(mm), sampleInputs(c.nInputs, 2, 4n).slice(0, 2));
    const one = new FastCpuEngine(mm, { threads: 1 }).forwardSync(seqs, { logits: true });
    const two = new FastCpuEngine(mm, { threads: 2 }).forwardSync(seqs, { logits: true });
    expect(two.logits!.map((x) => Array.from(x))).toEqual(one.logits!.map((x) => Array.from(x)));
  });
});
