// The WebGPU engine against the CPU reference (test/fixtures/webgpu-agree.ts): token-for-token
// agreement and logits within 1e-4 relative at every position (teacher forcing), and identical
// generated sequences, on ISCAS-85 and random circuits chosen to cover the kernels' shapes (one
// and several layers of the CoT formats, narrow and wide heads, shared and per-input keys), both
// CoT formats; f16 against the CPU's f16 emulation; the uniform model bound to c17 and a random
// circuit; buffer splitting under a forced small binding limit; the workgroup-memory and the
// subgroup attention kernels; batches larger than one score-sharing group; and a synthetic model
// with two layers, heads that are not position-only, and odd head sizes. Every ISCAS-85 circuit
// in both formats, larger random circuits and the uniform model at capacity 256 in f32 and f16 run
// in `npm run test:slow` (test/slow/webgpu-sweep.test.ts): on lavapipe each new kernel shape
// costs seconds of LLVM compilation, which made this file alone 18 minutes.
// Without an adapter these tests are skipped with a notice, except with CI=true, where a
// missing adapter fails the suite.

import { afterAll, describe, expect, it } from 'vitest';
import { compile, compileUniform, type CotFormat, type Model } from '../compiler/index.js';
import { promptOf, referenceSequences, sampleInputs } from '../runtime/index.js';
import { openGpu } from '../runtime/webgpu/index.js';
import { layoutOf } from '../runtime/webgpu/layout.js';
import { DEFAULT_TUNING, planPass } from '../runtime/webgpu/plan.js';
import { agree as agreeCtx, agreeOn as agreeOnCtx, random, type AgreeOptions } from './fixtures/webgpu-agree.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { loadShared } from './shared.js';
import { bindModel } from '../model/index.js';
import type { Circuit } from '../circuits/index.js';

const LONG = 900_000;

const ctx = await gpuOrSkip('WebGPU tests', { wantF16: true });
afterAll(() => ctx?.destroy());
const suite = ctx ? describe : describe.skip;
const agree = (m: Model, seqs: Int32Array[], prompts: Int32Array[], o: AgreeOptions = {}): Promise<void> => agreeCtx(ctx!, m, seqs, prompts, o);
const agreeOn = (c: Circuit, cot: CotFormat, n: number, o: AgreeOptions = {}): Promise<void> => agreeOnCtx(ctx!, c, cot, n, o);

suite('WebGPU = CPU reference on ISCAS-85 circuits (f32)', () => {
  const cases: [string, CotFormat][] = [['c17', 'gate'], ['c17', '4tok'], ['c432', '4tok'], ['c880', 'gate'], ['c880', '4tok'], ['c2670', 'gate'], ['c6288', 'gate']];
  for (const [name, cot] of cases) {
    it(`${name} ${cot}: verify and generate`, async () => {
      // Two inputs: the CPU reference's cost is the attention scores, shared by a batch.
      await agreeOn(loadShared(`iscas85/${name}.bench`), cot, 2);
    }, LONG);
  }
});

suite('WebGPU = CPU reference on random circuits (f32)', () => {
  for (const [T, n, seed, loc, cot] of [[700, 40, 3, '1', 'gate'], [700, 40, 3, '1', '4tok'], [1200, 64, 4, '0', 'gate']] as const) {
    it(`${T} gates, ${n} inputs, ${cot}`, async () => agreeOn(random(T, n, seed, loc), cot, 3), LONG);
  }
});

suite('WebGPU = CPU reference on the uniform model (the circuit in the prompt)', () => {
  // Capacity 64 and two inputs, as test/webgpu-cpu-kernel.test.ts: the same kernel shapes, so
  // Mesa's shader cache compiles them once for both files.
  const m = compileUniform(64);
  const cases: [string, () => Circuit][] = [
    ['c17', () => loadShared('iscas85/c17.bench')],
    ['a random 40-gate circuit', () => random(40, 8, 7)],
  ];
  for (const [name, make] of cases) {
    it(`${name}, 2 inputs: verify and generate (f32)`, async () => {
      const b = bindModel(m, make());
      const inputs = sampleInputs(b.circuit.nInputs, 2, 5n).slice(0, 2);
      await agree(m, referenceSequences(b, inputs), inputs.map((x) => promptOf(b, x)));
    }, LONG);
  }
});

suite('WebGPU f16 = CPU reference in f16 emulation', () => {
  it.skipIf(!ctx?.hasF16)('c432, 4-token CoT', async () => {
    await agreeOn(loadShared('iscas85/c432.bench'), '4tok', 3, { arith: 'f16' });
  }, LONG);
});

suite('WebGPU kernels and batch shapes', () => {
  it('forced small storage bindings: position-embedding, key/value segments and chunks split', async () => {
    const c = loadShared('iscas85/c880.bench');
    const m = compile(c, { cot: '4tok' });
    // 32 KiB: the weights (24 KB) still fit one binding; the rest must be split.
    const maxBindingBytes = 32 << 10;
    const plan = planPass(layoutOf(m, 'f32'), { ...ctx!.limits, maxBindingBytes }, 2, m.meta.seq_len, DEFAULT_TUNING, 'tiled');
    expect(plan.kvSegs).toBeGreaterThan(2);
    expect(plan.C).toBeLessThan(m.meta.seq_len / 4);
    expect(m.meta.seq_len * m.d * 4).toBeGreaterThan(8 * maxBindingBytes); // position embedding: 9+ segments
    const small = await openGpu({ maxBindingBytes });
    try {
      await agreeOn(c, '4tok', 2, { engine: { context: small } });
    } finally {
      small.destroy();
    }
  }, LONG);

  it('the workgroup-memory tiled kernel and the subgroup kernel agree with the CPU', async () => {
    const c = loadShared('iscas85/c499.bench');
    await agreeOn(c, '4tok', 3, { engine: { tuning: { attention: 'tiled' } } });
    if (ctx!.hasF16) await agreeOn(loadShared('iscas85/c17.bench'), '4tok', 3, { arith: 'f16', engine: { tuning: { attention: 'tiled' } } });
    if (ctx!.subgroupSize) await agreeOn(c, 'gate', 3, { engine: { tuning: { attention: 'subgroup', qpi: 1 } } });
  }, LONG);

  it('a batch larger than one score-sharing group, and a batch split into passes', async () => {
    const c = loadShared('iscas85/c432.bench');
    await agreeOn(c, 'gate', 19, { engine: { tuning: { nbMax: 8 } } });
    await agreeOn(c, 'gate', 5, { engine: { maxBatch: 2 }, generate: false });
  }, LONG);

  it('two layers, per-sequence keys, heads of odd sizes (synthetic weights)', async () => {
    const c = random(60, 6, 3);
    const m = twoLayer(compile(c, { cot: '4tok' }));
    const inputs = sampleInputs(c.nInputs, 3, 1n).slice(0, 3);
    const seqs = referenceSequences(bindModel(m), inputs);
    // Random weights: compare every argmax and logit, then generation against the CPU's own.
    await agree(m, seqs, inputs.map((x) => promptOf(bindModel(m), x)).map((p) => p.slice(0, 9)));
  }, LONG);
});

/** The compiled model plus a second layer of three heads (dk 5, 3, 6; dv 2, 1, 3) and 3 FF units. */
function twoLayer(m: Model): Model {
  let s = 12345;
  const rnd = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround(((s / 2147483648) * 2 - 1) * scale);
  });
  const d = m.d;
  const heads = [[5, 2], [3, 1], [6, 3]].map(([dk, dv], i) => ({
    name: `extra${i}`, dk: dk!, dv: dv!, wq: rnd(dk! * d, 0.5), wk: rnd(dk! * d, 0.5), wv: rnd(dv! * d, 0.5), wo: rnd(d * dv!, 0.3),
  }));
  const ff = { m: 3, w1: rnd(3 * d, 0.5), b1: rnd(3, 0.2), w2: rnd(d * 3, 0.3), b2: rnd(d, 0.1), units: ['u0', 'u1', 'u2'] };
  return { ...m, layers: [...m.layers, { heads, ff }], meta: { ...m.meta, n_layers: 2, heads: [...m.meta.heads, 3] } };
}
