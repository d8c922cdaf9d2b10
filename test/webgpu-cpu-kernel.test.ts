// The attention kernel for CPU adapters (runtime/webgpu/shaders/flash-cpu.ts) and how the
// engine picks it: queries per invocation by head width (plan.ts cpuQpi), the kernel per
// adapter, llvmpipe's vector width from the CPU's features (gpu.ts chooseLavapipeWidth), the
// generated code's shape; then, with an adapter, token-for-token and logit agreement with the
// CPU reference for odd query counts per invocation, softmax blocks, shared heads with several
// rows per group, heads with per-input keys, and key segments (a forced small binding).

import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../circuits/gen/index.js';
import { compile, compileUniform, type Model } from '../compiler/index.js';
import { bindModel } from '../model/index.js';
import { CpuEngine, referenceSequences, sampleInputs } from '../runtime/index.js';
import { WebGpuEngine, openGpu, type WebGpuEngineOptions } from '../runtime/webgpu/index.js';
import { chooseLavapipeWidth } from '../runtime/webgpu/gpu.js';
import { layoutOf } from '../runtime/webgpu/layout.js';
import { CPU_KERNEL_UNROLL, DEFAULT_TUNING, cpuQpi, planPass } from '../runtime/webgpu/plan.js';
import { CPU_PV_INLINE_MAX, CPU_SKIP_MIN_VALUES, cpuPv, cpuSkip, cpuValuesAligned, flashCpuShader } from '../runtime/webgpu/shaders/flash-cpu.js';
import { gpuOrSkip } from './fixtures/gpu.js';

const LONG = 900_000;

/** Adapter limits for the plan tests (no adapter needed). */
const lim = { maxBindingBytes: 1 << 27, maxBufferBytes: 1 << 30, maxWorkgroupStorage: 1 << 14, maxInvocations: 256, maxWorkgroupsPerDim: 65535, maxStorageBuffersPerStage: 8, uniformAlign: 256 };

describe('llvmpipe vector width', () => {
  const avx512 = 'processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl\n';
  const avx2 = 'processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n';

  it('512 bits where the CPU has AVX-512 F/BW/DQ/VL, set in the environment', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(chooseLavapipeWidth(env, () => avx512)).toBe('512');
    expect(env.LP_NATIVE_VECTOR_WIDTH).toBe('512');
  });

  it("Mesa's default elsewhere, when the user set a width, or when asked to keep it", () => {
    const env: NodeJS.ProcessEnv = {};
    expect(chooseLavapipeWidth(env, () => avx2)).toBeUndefined();
    expect(chooseLavapipeWidth(env, () => '')).toBeUndefined();
    expect(env.LP_NATIVE_VECTOR_WIDTH).toBeUndefined();
    expect(chooseLavapipeWidth({ LP_NATIVE_VECTOR_WIDTH: '256' }, () => avx512)).toBe('256');
    const keep: NodeJS.ProcessEnv = { GATECOT_LAVAPIPE_WIDTH: '256' };
    expect(chooseLavapipeWidth(keep, () => avx512)).toBeUndefined();
    expect(keep.LP_NATIVE_VECTOR_WIDTH).toBeUndefined();
  });
});

describe('queries per invocation of the CPU kernel', () => {
  it('the most (a power of two up to 8) within the unroll budget, fewer for wide heads', () => {
    expect(cpuQpi(28 + 1)).toBe(8); // a positional retrieval head, one input
    expect(cpuQpi(28 + 16)).toBe(4); // the same head sharing its scores among 16 inputs
    expect(cpuQpi(36 + 20)).toBe(4); // the uniform model's layer-0 heads
    expect(cpuQpi(32 + 36)).toBe(4); // its widest per-input head (description)
    expect(cpuQpi(32 + 1)).toBe(8); // its operand head
    expect(cpuQpi(32 + 40)).toBe(2);
    expect(cpuQpi(CPU_KERNEL_UNROLL + 1)).toBe(1);
    for (const w of [1, 29, 44, 56, 68, 129, 300]) expect(cpuQpi(w) * w <= CPU_KERNEL_UNROLL || cpuQpi(w) === 1).toBe(true);
  });

  it('the plan gives each head of the uniform model its own count; a set qpi applies to all', () => {
    const ml = layoutOf(compileUniform(64), 'f32');
    const plan = planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'cpu');
    plan.heads.forEach((hs, l) => hs.forEach((hp, h) => expect(hp.qpi).toBe(cpuQpi(ml.layers[l]!.heads[h]!.dk4 + hp.nb * ml.layers[l]!.heads[h]!.dv))));
    expect(new Set(plan.heads.flat().map((h) => h.qpi)).size).toBeGreaterThan(1);
    const fixed = planPass(ml, lim, 1, 100, { ...DEFAULT_TUNING, qpi: 2 }, 'cpu');
    expect(fixed.heads.flat().every((h) => h.qpi === 2)).toBe(true);
    expect(planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'subgroup').heads.flat().every((h) => h.qpi === 4)).toBe(true);
  });
});

describe('the generated kernel', () => {
  const hl = { dk4: 8, dv: 3, shared: true };

  it('unrolls queries and key blocks as configured, with no barrier and no workgroup memory', () => {
    const s = flashCpuShader('f32', hl, { nb: 2, qpi: 2, tk: 64, sg: 8, kb: 4, v4: false });
    expect(s.label).toBe('flash-cpu(dk4 8, dv 3, nb 2, qpi 2, sg 8, kb 4, shared)');
    expect(s.code).not.toMatch(/workgroupBarrier|var<workgroup>/);
    // Two queries per lane, two blocks of four keys per step of eight, in both key loops.
    expect(s.code.match(/let mx = /g)?.length).toBe(2 * 2 * 2);
    expect(s.code.match(/subgroupBroadcast\(mk0\.x, 7u\)/g)?.length).toBe(2);
    expect(s.code).toContain('var a1_5');
    expect(s.code).not.toContain('var a2_');
  });

  it("a wide head's P·V runs blocked: per value component the block's products meet the accumulator once", () => {
    expect(cpuPv(1, 8)).toBe('inline'); // a positional retrieval head: 8 accumulators
    expect(cpuPv(2, 8)).toBe('inline');
    expect(cpuPv(20, 8)).toBe('blocked'); // the uniform model's layer-0 heads
    expect(cpuPv(36, 4)).toBe('blocked'); // its description head
    expect(CPU_PV_INLINE_MAX).toBe(16);
    const cfg = { nb: 1, qpi: 2, tk: 64, sg: 8, kb: 4, v4: false } as const;
    const inline = flashCpuShader('f32', { dk4: 2, dv: 3, shared: false }, cfg);
    const blocked = flashCpuShader('f32', { dk4: 2, dv: 3, shared: false }, { ...cfg, pv: 'blocked' });
    expect(blocked.label).toBe('flash-cpu(dk4 2, dv 3, nb 1, qpi 2, sg 8, kb 4, pv blocked)');
    // Inline: one accumulator update per key, value and query, plus a rescale per block.
    // Blocked: one update (rescale and block sum together) per value and query and block.
    const blocks = 2 * 2; // two blocks of four keys per step of eight, in both key loops
    expect(inline.code.match(/a\d_\d = a\d_\d \+ p \* v/g)?.length).toBe(blocks * 4 * 3 * 2);
    expect(blocked.code.match(/a\d_\d = a\d_\d \* sc\d \+ u\d_\d;/g)?.length).toBe(blocks * 3 * 2);
    expect(blocked.code.match(/u0_2 = u0_2 \+ p0_\d+ \* v\d+_2;/g)?.length).toBe(blocks * 3);
    // Each value component of each key is broadcast once, for all queries of the lane.
    expect(blocked.code.match(/let v\d+_\d = subgroupBroadcast\(mv\d, \d+u\);/g)?.length).toBe(blocks * 4 * 3);
  });

  it('the plan runs P·V blocked where a lane\'s accumulators exceed the inline limit, or as the tuning says', () => {
    const ml = layoutOf(compileUniform(64), 'f32');
    const plan = planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'cpu');
    const forms = plan.heads.flat().map((h) => h.pv);
    plan.heads.forEach((hs, l) => hs.forEach((hp, h) => expect(hp.pv).toBe(cpuPv(hp.nb * ml.layers[l]!.heads[h]!.dv, hp.qpi))));
    expect(forms).toContain('blocked');
    expect(forms).toContain('inline');
    expect(planPass(ml, lim, 1, 100, { ...DEFAULT_TUNING, pv: 'inline' }, 'cpu').heads.flat().every((h) => h.pv === 'inline')).toBe(true);
    expect(planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'tiled').heads.flat().every((h) => h.pv === 'inline')).toBe(true);
  });

  it('reads values as vec4s only where every key\'s group of values is aligned', () => {
    expect(cpuValuesAligned(2, 1, 1, 16, 16)).toBe(true); // positional head 1, 16 inputs
    expect(cpuValuesAligned(2, 1, 1, 1, 1)).toBe(false); // the same head, one input
    expect(cpuValuesAligned(64, 36, 28, 1, 1)).toBe(true); // uniform model, layer 1
    expect(cpuValuesAligned(64, 36, 28, 1, 3)).toBe(true);
    expect(cpuValuesAligned(6, 2, 4, 1, 1)).toBe(false); // head placed at an odd vec4 offset
    const s = flashCpuShader('f32', { dk4: 8, dv: 8, shared: false }, { nb: 1, qpi: 1, tk: 64, sg: 8, kb: 8, v4: true });
    expect(s.code).toContain('var<storage, read> Vc: array<T4>');
    expect(s.code.match(/let mv4_\d+ = Vc\[/g)?.length).toBe(2 * 2); // 8 values = 2 vec4s, both key loops
  });

  it('tests each block for exactly-zero weights in heads of at least 8 values, and walks keys as configured', () => {
    expect(cpuSkip(1)).toBe(false); // a positional retrieval head
    expect(cpuSkip(CPU_SKIP_MIN_VALUES - 1)).toBe(false);
    expect(cpuSkip(CPU_SKIP_MIN_VALUES)).toBe(true);
    expect(cpuSkip(34)).toBe(true); // the uniform model's description head
    const cfg = { nb: 1, qpi: 2, tk: 64, sg: 8, kb: 4, v4: false } as const;
    const plain = flashCpuShader('f32', { dk4: 2, dv: 3, shared: false }, cfg);
    const skip = flashCpuShader('f32', { dk4: 2, dv: 3, shared: false }, { ...cfg, pv: 'blocked', skip: true, walk: 'backward' });
    expect(skip.label).toBe('flash-cpu(dk4 2, dv 3, nb 1, qpi 2, sg 8, kb 4, pv blocked, skip, backward)');
    expect(plain.code).not.toContain('subgroupAll');
    // One test per block (two per step, both key loops), over both queries of the lane; the
    // values are loaded inside it, so a block left out loads none.
    expect(skip.code.match(/if \(!subgroupAll\(bm0 < m0 - DEAD && bm1 < m1 - DEAD\)\) \{\n    let mv0 = /g)?.length).toBe(2 * 2);
    expect(skip.code).toContain('const DEAD: T = 104.0;');
    expect(flashCpuShader('f16', { dk4: 2, dv: 3, shared: false }, { ...cfg, skip: true }).code).toContain('const DEAD: T = 104.0h;');
    // exp(-DEAD) is below half of f32's least subnormal: it rounds to 0, as every weight of a left-out block.
    expect(Math.fround(Math.exp(-104))).toBe(0);
    // Backward: the diagonal stretch first, then the older keys newest first.
    expect(plain.code.indexOf('t0 = P.kStart')).toBeLessThan(plain.code.indexOf('t0 = kFull'));
    expect(skip.code.indexOf('t0 = kFull')).toBeLessThan(skip.code.indexOf('t1 = kFull; t1 > P.kStart; t1 -= 8u'));
  });

  it("the plan walks backward for the heads whose contract puts their targets just behind the query, and tests wide heads' blocks", () => {
    const ml = layoutOf(compileUniform(64), 'f32');
    const plan = planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'cpu');
    // Layer 0: group slots 0..2 and the previous group's last token; layers 1, 2 match ids.
    expect(plan.heads.map((hs) => hs.map((h) => h.walk))).toEqual([['backward', 'backward', 'backward', 'backward'], ['forward', 'forward'], ['forward']]);
    plan.heads.forEach((hs, l) => hs.forEach((hp, h) => expect(hp.skip).toBe(cpuSkip(hp.nb * ml.layers[l]!.heads[h]!.dv))));
    expect(plan.heads[2]![0]!.skip).toBe(false); // the operand head carries one value
    expect(plan.heads[1]![0]!.skip).toBe(true);
    const pos = planPass(layoutOf(compile(generate('random', { gates: '20', inputs: '4', seed: '1' }), { cot: '4tok' }), 'f32'), lim, 1, 100, DEFAULT_TUNING, 'cpu');
    expect(pos.heads.flat().every((h) => h.walk === 'forward' && !h.skip)).toBe(true);
    const forced = planPass(ml, lim, 1, 100, { ...DEFAULT_TUNING, skip: 'on', walk: 'backward' }, 'cpu');
    expect(forced.heads.flat().every((h) => h.skip && h.walk === 'backward')).toBe(true);
    expect(planPass(ml, lim, 1, 100, DEFAULT_TUNING, 'tiled').heads.flat().every((h) => !h.skip && h.walk === 'forward')).toBe(true);
  });

  it('refuses a softmax block that does not divide the subgroup', () => {
    expect(() => flashCpuShader('f32', hl, { nb: 1, qpi: 1, tk: 64, sg: 8, kb: 3, v4: false })).toThrow(/divide/);
  });
});

// At the width gatecot picks for the machine (16 lanes where the CPU has AVX-512), not the 8 lanes
// that vitest.config.ts sets for the other files: these agreement tests run the 16-lane kernels.
const ctx = await gpuOrSkip('WebGPU CPU-kernel tests', { wantF16: true, machineWidth: true });
afterAll(() => ctx?.destroy());
const suite = ctx?.subgroupSize ? describe : describe.skip;

/** Every argmax equal and every logit within 1e-4 relative (2e-3 in f16) of the CPU reference. */
async function agrees(m: Model, seqs: Int32Array[], opts: WebGpuEngineOptions, arith: 'f32' | 'f16' = 'f32'): Promise<void> {
  const want = new CpuEngine(m, arith).forwardSync(seqs, { logits: true });
  const eng = await WebGpuEngine.create(m, arith, { context: ctx!, ...opts });
  try {
    expect(eng.attentionKernel()).toBe('cpu');
    const got = await eng.forward(seqs, { logits: true });
    seqs.forEach((_, b) => {
      expect([...got.argmax[b]!]).toEqual([...want.argmax[b]!]);
      const g = got.logits![b]!;
      const w = want.logits![b]!;
      let worst = 0;
      for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i]! - w[i]!) / Math.max(1, Math.abs(w[i]!)));
      expect(worst).toBeLessThanOrEqual(arith === 'f16' ? 2e-3 : 1e-4);
    });
  } finally {
    eng.dispose();
  }
}

suite('the CPU kernel = CPU reference', () => {
  const c = generate('random', { gates: '150', inputs: '9', seed: '11', locality: '0.5' });

  it('default choice on this adapter, three inputs sharing scores, three queries per lane, blocks of four keys', async () => {
    const m = compile(c, { cot: '4tok' });
    const b = bindModel(m);
    const seqs = referenceSequences(b, sampleInputs(c.nInputs, 3, 2n).slice(0, 3));
    await agrees(m, seqs, { tuning: { qpi: 3, kb: 4 } });
    const eng = await WebGpuEngine.create(m, 'f32', { context: ctx! });
    expect(eng.attentionKernel()).toBe(ctx!.isCpu ? 'cpu' : 'tiled');
    eng.dispose();
  }, LONG);

  it('key segments carried through the state buffer (forced small bindings), and f16', async () => {
    const m = compile(c, { cot: 'gate' });
    const seqs = referenceSequences(bindModel(m), sampleInputs(c.nInputs, 2, 3n).slice(0, 2));
    const small = await openGpu({ maxBindingBytes: 16 << 10, wantF16: true });
    try {
      await agrees(m, seqs, { context: small, tuning: { attention: 'cpu', qpi: 1 } });
      if (small.hasF16) await agrees(m, seqs, { context: small, tuning: { attention: 'cpu', qpi: 2 } }, 'f16');
    } finally {
      small.destroy();
    }
  }, LONG);
  it('blocks of exactly-zero weights left out, keys walked backward: the same tokens and logits', async () => {
    // Key scale 64: every weight off a head's target is exactly 0 in f32, so most blocks are
    // left out (a wrong test would drop live weights and change the logits); three inputs.
    const m = compile(c, { cot: '4tok', scale: 64 });
    const seqs = referenceSequences(bindModel(m), sampleInputs(c.nInputs, 3, 5n).slice(0, 3));
    for (const walk of ['forward', 'backward'] as const) await agrees(m, seqs, { tuning: { skip: 'on', walk, qpi: 2 } });
    await agrees(m, seqs, { tuning: { skip: 'on', walk: 'backward', qpi: 1, pv: 'blocked' } });
  }, LONG);
  // The uniform model's wide heads at 16 lanes: test/slow/webgpu-cpu-kernel-wide.test.ts (llvmpipe
  // compiles them for minutes); at 8 lanes test/webgpu.test.ts runs them with per-head counts.
});
