// The WebGPU engine on latent models (compiler/looped: looped, looped-cot, deep) against the CPU
// reference, f32: the argmax at every position of every input (all 2^n of c17 and of a random
// 8-input circuit) and the logits, and verify against direct evaluation; loop-count overrides
// 1..depth-1 (which must fail verify, as on the CPU), around the own count and 1000; `auto` loop counts
// per input equal to the CPU's, and LoopsDidNotSettle past the limit on a model that never
// settles; the residual stream split over several chunks and key/value segments; a deep chain of
// depth 100 compiles no more pipelines than one of depth 10 (layers of one shape share them);
// decoding with a deep model (layers of one shape share the step kernel) equals the CPU's; bad
// loop settings fail as on the CPU. Without an adapter these tests are skipped with a notice
// (CI=true: a missing adapter fails the suite).

import { afterAll, describe, expect, it } from 'vitest';
import { parseCircuitText, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { bindCompiled, circuitDepth, compile, type LatentKind } from '../compiler/index.js';
import { LoopCountError, type Model } from '../model/index.js';
import { CpuEngine, LoopsDidNotSettle, allInputs, createEngine, promptOf, verifyModel, type LoopSetting } from '../runtime/index.js';
import { WebGpuEngine, openGpu, type WebGpuEngineOptions } from '../runtime/webgpu/index.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { loadShared } from './shared.js';

const ctx = await gpuOrSkip('WebGPU latent-model tests');
afterAll(() => ctx?.destroy());
const suite = ctx ? describe : describe.skip;

const KINDS: LatentKind[] = ['looped', 'looped-cot', 'deep'];

const circuits: [string, () => Circuit][] = [
  ['c17', () => loadShared('iscas85/c17.bench')],
  ['random 60 gates, 8 inputs', () => generate('random', { gates: '60', inputs: '8', seed: '3' })],
];

/** A chain of n NOT/BUF gates after one input (depth n). */
function chain(n: number): Circuit {
  const lines = ['INPUT(x)'];
  for (let i = 1; i <= n; i++) lines.push(`g${i} = ${i % 2 ? 'NOT' : 'BUFF'}(${i === 1 ? 'x' : `g${i - 1}`})`);
  lines.push(`OUTPUT(g${n})`);
  return parseCircuitText(lines.join('\n') + '\n', { format: 'bench' });
}

/** The first (sequence, position) whose argmax differs, or undefined. */
function firstDiff(a: Int32Array[], b: Int32Array[]): string | undefined {
  for (let s = 0; s < a.length; s++) for (let i = 0; i < a[s]!.length; i++) if (a[s]![i] !== b[s]![i]) return `sequence ${s}, position ${i}: ${a[s]![i]} vs ${b[s]![i]}`;
  return undefined;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, s) => x.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[s]![i]!)))));
  return m;
}

/** GPU vs CPU with one loop setting: argmax everywhere, logits, and auto's loop counts. */
async function agree(m: Model, prompts: Int32Array[], loops?: LoopSetting, engine: WebGpuEngineOptions = {}): Promise<WebGpuEngine> {
  const o = loops !== undefined ? { loops } : {};
  const want = await new CpuEngine(m, 'f32', o).forward(prompts, { logits: true });
  const eng = await WebGpuEngine.create(m, 'f32', { context: ctx!, ...engine, ...o });
  try {
    const got = await eng.forward(prompts, { logits: true });
    expect(firstDiff(got.argmax, want.argmax), `loops ${loops ?? 'own'}`).toBeUndefined();
    expect(maxAbsDiff(got.logits!, want.logits!)).toBeLessThanOrEqual(1e-4);
    expect(got.loops).toEqual(want.loops);
  } catch (e) {
    eng.dispose();
    throw e;
  }
  return eng;
}

suite('WebGPU = CPU reference on latent models (f32)', () => {
  for (const [name, make] of circuits) {
    for (const kind of KINDS) {
      it(`${name}, ${kind}: every input, verify, loop overrides and auto`, async () => {
        const c = make();
        const m = compile(c, { latent: kind });
        const b = bindCompiled(m, c);
        const inputs = allInputs(c.nInputs);
        const prompts = inputs.map((x) => promptOf(b, x));
        const eng = await agree(m, prompts);
        try {
          const r = await verifyModel(b, eng, inputs);
          expect(r.mismatches).toBe(0);
          expect(r.ok).toBe(true);
        } finally {
          eng.dispose();
        }
        if (kind === 'deep') return;
        const count = m.meta.loop!.count;
        const D = circuitDepth(c);
        // Too few loops (1..D-1: the circuit's outputs are wrong for some input, as verify
        // reports), and one fewer and one more than the own count where it is small (the CPU
        // reference is the slow side: 60 loops over 256 inputs take it seconds).
        const around = count <= 20 ? [count - 1, count + 1] : [];
        const overrides = [...new Set([...Array.from({ length: D - 1 }, (_, i) => i + 1), ...around])].filter((k) => k >= 1);
        for (const k of overrides) {
          const e = await agree(m, prompts, k);
          try {
            if (k < D) expect((await verifyModel(b, e, inputs)).ok, `loops ${k}`).toBe(false);
          } finally {
            e.dispose();
          }
        }
        const auto = await agree(m, prompts, 'auto');
        try {
          const r = await verifyModel(b, auto, inputs);
          expect(r.ok).toBe(true);
          expect(r.loops).toBeGreaterThan(0);
          expect(r.loops).toBeLessThanOrEqual(count + 1);
        } finally {
          auto.dispose();
        }
      });
    }
  }

  it('c17 looped 1000 times: the values stay exact long after they settle', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { latent: 'looped' });
    const b = bindCompiled(m, c);
    const e = await agree(m, allInputs(5).map((x) => promptOf(b, x)), 1000);
    try {
      expect((await verifyModel(b, e, allInputs(5))).ok).toBe(true);
    } finally {
      e.dispose();
    }
  });

  it('a sequence over several chunks and key/value segments: the same values and auto loop counts', async () => {
    const c = generate('random', { gates: '60', inputs: '8', seed: '3' });
    const small = await openGpu({ maxBindingBytes: 4096 });
    try {
      for (const kind of ['looped', 'looped-cot'] as const) {
        const m = compile(c, { latent: kind });
        const b = bindCompiled(m, c);
        const prompts = allInputs(c.nInputs).slice(0, 16).map((x) => promptOf(b, x));
        // Chunks of 7 positions (L = 69), then a binding limit that also splits the key cache.
        (await agree(m, prompts, 'auto', { tuning: { chunkBytes: 7 * 16 * m.d * 4 } })).dispose();
        const e = await agree(m, prompts, 'auto', { context: small });
        e.dispose();
      }
    } finally {
      small.destroy();
    }
  });

  it('a deep chain of depth 100 compiles no more pipelines than one of depth 10', async () => {
    const counts: number[] = [];
    for (const n of [10, 100]) {
      const c = chain(n);
      const m = compile(c, { latent: 'deep' });
      expect(m.layers.length).toBe(n);
      const b = bindCompiled(m, c);
      const eng = await agree(m, allInputs(1).map((x) => promptOf(b, x)));
      try {
        expect((await verifyModel(b, eng, allInputs(1))).ok).toBe(true);
        counts.push(eng.pipelineCount);
      } finally {
        eng.dispose();
      }
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[1]).toBeLessThanOrEqual(6);
  });

  it('decoding with a deep model: its layers share one step kernel, each bound to its own cache', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { latent: 'deep' });
    const b = bindCompiled(m, c);
    const prompts = allInputs(5).map((x) => promptOf(b, x).slice(0, 7));
    const want = new CpuEngine(m, 'f32').generateSync(prompts, 5);
    const eng = await WebGpuEngine.create(m, 'f32', { context: ctx! });
    try {
      expect(firstDiff(await eng.generate(prompts, 5), want)).toBeUndefined();
    } finally {
      eng.dispose();
    }
  });

  it('a model that never settles: LoopsDidNotSettle, as on the CPU', async () => {
    const m = compile(loadShared('iscas85/c17.bench'), { latent: 'looped' });
    // The block adds 1 to the last coordinate in every iteration.
    const L0 = m.layers[0]!;
    const b2 = Float32Array.from(L0.ff.b2);
    b2[m.d - 1] = 1;
    const drifting: Model = { ...m, layers: [{ ...L0, ff: { ...L0.ff, b2 } }] };
    const prompts = allInputs(5).slice(0, 3).map((x) => promptOf(bindCompiled(m, loadShared('iscas85/c17.bench')), x));
    expect(() => new CpuEngine(drifting, 'f32', { loops: 'auto' }).forwardSync(prompts)).toThrow(LoopsDidNotSettle);
    const eng = await WebGpuEngine.create(drifting, 'f32', { context: ctx!, loops: 'auto' });
    try {
      await expect(eng.forward(prompts)).rejects.toThrow(LoopsDidNotSettle);
    } finally {
      eng.dispose();
    }
  });

  it('loop settings: checked as on the CPU, passed through createEngine; no decoding with a looped model', async () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { latent: 'looped' });
    const deep = compile(c, { latent: 'deep' });
    for (const [model, loops] of [[m, 0], [m, 1.5], [m, 2e6], [deep, 2], [deep, 'auto']] as [Model, LoopSetting][]) {
      expect(() => new CpuEngine(model, 'f32', { loops })).toThrow(LoopCountError);
      await expect(WebGpuEngine.create(model, 'f32', { context: ctx!, loops })).rejects.toThrow(LoopCountError);
    }
    const b = bindCompiled(m, c);
    const prompts = allInputs(5).map((x) => promptOf(b, x));
    const want = new CpuEngine(m, 'f32', { loops: 'auto' }).forwardSync(prompts).loops;
    const { engine } = await createEngine(m, 'webgpu', 'f32', { loops: 'auto', webgpu: { context: ctx! } });
    try {
      expect(engine.backend).toBe('webgpu');
      expect((await engine.forward(prompts)).loops).toEqual(want);
      await expect(engine.generate(prompts.slice(0, 1), 1)).rejects.toThrow(/looped model/);
    } finally {
      engine.dispose();
    }
    const cpu = (await createEngine(m, 'cpu', 'f32', { loops: 'auto' })).engine;
    expect((await cpu.forward(prompts)).loops).toEqual(want);
  });
});
