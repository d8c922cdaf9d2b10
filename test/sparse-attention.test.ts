// Certified sparse attention (runtime/sparse-attention) against the dense CPU reference: the same
// argmax at every position of random and ISCAS circuits (positional gate and 4tok, uniform),
// bit-identical runs when the radius covers every code, and weak models caught (positions
// undecided and run densely, or wrong), never passed on the bound alone.
import { describe, expect, it } from 'vitest';
import type { Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, type CotFormat } from '../compiler/index.js';
import { bindModel, type Model } from '../model/index.js';
import { CpuEngine, SparseEngine, promptOf, referenceSequences, sampleInputs, verifyModel } from '../runtime/index.js';
import { radiusMasks } from '../runtime/sparse-attention/code-index.js';
import { planHeads } from '../runtime/sparse-attention/structure.js';
import { prepare } from '../runtime/cpu/prepared.js';
import { parseArith } from '../runtime/arith.js';
import { loadShared } from './shared.js';

function random(gates: number, inputs: number, seed: number, locality = '0.5'): Circuit {
  return generate('random', { gates: String(gates), inputs: String(inputs), seed: String(seed), locality });
}

/** Dense and sparse argmax over the reference sequences of `inputs`, from the first CoT prediction on. */
function compare(m: Model, c: Circuit, inputs: Uint8Array[], radius: number) {
  const b = bindModel(m, m.meta.mode === 'uniform' ? c : undefined);
  const seqs = referenceSequences(b, inputs);
  const from = b.seq.promptLength - 1;
  const dense = new CpuEngine(m, 'f32').forwardSync(seqs).argmax;
  const eng = new SparseEngine(m, 'f32', { radius });
  const sparse = eng.forwardSync(seqs, { argmaxFrom: from, argmaxTo: seqs[0]!.length - 1 }).argmax;
  let differ = 0;
  let wrong = 0;
  seqs.forEach((s, k) => {
    for (let p = from; p < s.length - 1; p++) {
      if (dense[k]![p] !== sparse[k]![p]) differ++;
      if (sparse[k]![p] !== s[p + 1]) wrong++;
    }
  });
  return { differ, wrong, report: eng.report() };
}

describe('the index', () => {
  it('enumerates every mask of at most r bits once', () => {
    const m = radiusMasks(6, 2);
    expect(m.length).toBe(1 + 6 + 15);
    expect(new Set(m).size).toBe(m.length);
    for (const x of m) expect(x.toString(2).replace(/0/g, '').length).toBeLessThanOrEqual(2);
    expect(radiusMasks(3, 9).length).toBe(8);
  });
});

describe('head plans from the weights', () => {
  it('indexes both heads of a positional model, with λ and the position code', () => {
    const m = compile(random(40, 6, 1), { cot: '4tok', scale: 7 });
    const plans = planHeads(prepare(m, parseArith('f32'))).flat();
    expect(plans.map((p) => p.kind)).toEqual(['index', 'index']);
    expect(plans.every((p) => p.lambda === 7 && p.codeRows.length === m.meta.pos_bits && p.shared && p.exactInputs)).toBe(true);
  });

  it('indexes every head of a uniform model; the content heads read codes that layers write', () => {
    const m = compile(random(20, 4, 2), { mode: 'uniform' });
    const plans = planHeads(prepare(m, parseArith('f32'))).flat();
    expect(plans.every((p) => p.kind === 'index')).toBe(true);
    expect(plans.filter((p) => p.dynamicBits > 0).map((p) => p.name)).toEqual(['next', 'operand']);
    expect(plans.filter((p) => p.shared).length).toBe(4);
  });

  it('runs a head densely, with the reason, when a key row mixes coordinates', () => {
    const m = compile(random(10, 3, 3), { cot: 'gate' });
    const h = m.layers[0]!.heads[1]!;
    h.wk[0] = 0.5; // key row 0 now reads coordinate 0 ('one') beside its code bit
    const plans = planHeads(prepare(m, parseArith('f32'))).flat();
    expect(plans[0]!.kind).toBe('index');
    expect(plans[1]!.kind).toBe('dense');
    expect(plans[1]!.reason).toMatch(/reads 2 coordinates/);
  });
});

describe('sparse and dense agree on every token', () => {
  const cases: [string, () => Circuit, number][] = [
    ['random 300 gates', () => random(300, 20, 5), 6],
    ['random 800 gates, locality 1', () => random(800, 32, 6, '1'), 3],
    ['c432', () => loadShared('iscas85/c432.bench'), 3],
    ['c880', () => loadShared('iscas85/c880.bench'), 2],
  ];
  for (const [name, make, samples] of cases) {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      for (const radius of [0, 1]) {
        it(`${name}, ${cot}, radius ${radius}`, () => {
          const c = make();
          const r = compare(compile(c, { cot }), c, sampleInputs(c.nInputs, samples, 3n), radius);
          expect(r.differ).toBe(0);
          expect(r.wrong).toBe(0);
          expect(r.report.undecided).toBe(0);
          expect(r.report.bound).toBeGreaterThan(0);
          expect(r.report.bound).toBeLessThan(r.report.minMargin);
          expect(r.report.keysScored / r.report.queries).toBeLessThan(radius === 0 ? 1.01 : 1 + 2 * c.ops.length.toString(2).length + 8);
        });
      }
    }
  }

  it('uniform model, random circuit and c17-sized ISCAS', () => {
    for (const c of [random(60, 8, 7), loadShared('iscas85/c17.bench')]) {
      const r = compare(compile(c, { mode: 'uniform' }), c, sampleInputs(c.nInputs, 3, 5n), 1);
      expect(r.differ).toBe(0);
      expect(r.wrong).toBe(0);
      expect(r.report.undecided).toBe(0);
      // a head whose output the next layers ignore at a position (an NA operand's value) has no
      // dominant key there: its bound is the hull of the values, and still every margin holds
      expect(r.report.noDominant).toBeGreaterThan(0);
      expect(r.report.minSlack).toBeGreaterThan(0.25);
    }
  });

  it('a radius covering every code runs the dense computation itself: bound 0 everywhere', () => {
    const c = random(6, 3, 8);
    const m = compile(c, { cot: 'gate' });
    const r = compare(m, c, sampleInputs(3, 4, 1n), m.meta.pos_bits);
    expect(r.differ).toBe(0);
    expect(r.report.bound).toBe(0);
    expect(r.report.maxRho).toBe(0);
  });
});

describe('generation with sparse attention', () => {
  it('writes the dense model\'s chain of thought (positional 4tok, uniform)', async () => {
    const c = random(120, 10, 9);
    for (const m of [compile(c, { cot: '4tok' }), compile(c, { mode: 'uniform' })]) {
      const b = bindModel(m, m.meta.mode === 'uniform' ? c : undefined);
      const x = sampleInputs(c.nInputs, 1, 4n).slice(1);
      const prompts = x.map((v) => promptOf(b, v));
      const want = new CpuEngine(m, 'f32').generateSync(prompts, b.seq.cotLength);
      const eng = new SparseEngine(m);
      expect(eng.generateSync(prompts, b.seq.cotLength)).toEqual(want);
      expect(eng.report().undecided).toBe(0);
    }
  });
});

describe('a weak key scale is caught, never passed on the bound', () => {
  it('positional weak-scale fault: every position undecided, run densely, the wrong tokens reported', async () => {
    const c = random(60, 8, 10);
    const m = compile(c, { cot: '4tok', fault: 'weak-scale' });
    const eng = new SparseEngine(m);
    const sparse = await verifyModel(bindModel(m), eng, sampleInputs(8, 2, 1n));
    const dense = await verifyModel(bindModel(m), new CpuEngine(m, 'f32'), sampleInputs(8, 2, 1n));
    expect(dense.ok).toBe(false);
    expect(sparse.mismatches).toBe(dense.mismatches);
    expect(eng.report().undecided).toBeGreaterThan(0);
    expect(eng.report().denseRerun.positions).toBe(eng.report().undecided);
  });

  it('a small scale the dense model survives: sparse agrees, deciding by the bound only where it can', () => {
    const c = random(400, 16, 11);
    const m = compile(c, { cot: '4tok', scale: 2 });
    const r = compare(m, c, sampleInputs(16, 3, 2n), 0);
    expect(r.differ).toBe(0);
    expect(r.report.undecided).toBeGreaterThan(0);
    expect(r.report.undecided).toBeLessThan(r.report.positions);
  });

  it('key weights scaled down after compiling (uniform model): undecided or wrong, never silently passed', async () => {
    const c = random(30, 5, 12);
    const m = compile(c, { mode: 'uniform' });
    for (const L of m.layers) for (const h of L.heads) for (let x = 0; x < h.wk.length; x++) h.wk[x] = h.wk[x]! * 0.02;
    const b = bindModel(m, c);
    const eng = new SparseEngine(m);
    const inputs = sampleInputs(5, 2, 1n);
    const sparse = await verifyModel(b, eng, inputs);
    const dense = await verifyModel(b, new CpuEngine(m, 'f32'), inputs);
    expect(sparse.mismatches).toBe(dense.mismatches);
    expect(eng.report().undecided).toBeGreaterThan(0);
    expect(eng.report().denseRerun.sequences).toBeGreaterThan(0);
  });
});
