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
import { AUTO_CODES, codesWithin, headRadius, type Radius } from '../runtime/sparse-attention/radius.js';
import { planHeads } from '../runtime/sparse-attention/structure.js';
import { prepare } from '../runtime/cpu/prepared.js';
import { parseArith } from '../runtime/arith.js';
import { loadShared, shared } from './shared.js';
import { cli } from './cli-helpers.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function random(gates: number, inputs: number, seed: number, locality = '0.5'): Circuit {
  return generate('random', { gates: String(gates), inputs: String(inputs), seed: String(seed), locality });
}

/** Dense and sparse argmax over the reference sequences of `inputs`, from the first CoT prediction on. */
function compare(m: Model, c: Circuit, inputs: Uint8Array[], radius: Radius) {
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

  it('auto radius: omitted keys below e^-18 of the top one, within the lookup budget', () => {
    expect(headRadius('auto', 10, 20)).toBe(0);
    expect(headRadius('auto', 5, 20)).toBe(1);
    expect(headRadius('auto', 2.5, 20)).toBe(3);
    expect(headRadius('auto', 0.05, 8)).toBe(8);
    expect(codesWithin(20, headRadius('auto', 0.05, 20))).toBeLessThanOrEqual(AUTO_CODES);
    expect(headRadius(2, 10, 20)).toBe(2);
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
      for (const radius of ['auto', 1] as Radius[]) {
        it(`${name}, ${cot}, radius ${radius}`, () => {
          const c = make();
          const r = compare(compile(c, { cot }), c, sampleInputs(c.nInputs, samples, 3n), radius);
          expect(r.differ).toBe(0);
          expect(r.wrong).toBe(0);
          expect(r.report.undecided).toBe(0);
          // the dense run's logits are enclosed within 1e-3 (in fact pinned to the sparse ones)
          expect(r.report.bound).toBeLessThan(1e-3);
          expect(r.report.minSlack).toBeGreaterThan(0.49);
          expect(r.report.keysScored / r.report.queries).toBeLessThan(radius === 'auto' ? 1.01 : 1 + 2 * c.ops.length.toString(2).length + 8);
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

describe('one engine, many calls (its steppers are reused)', () => {
  it('forward, forward on other inputs, generate: each the dense result', () => {
    const c = random(80, 6, 13);
    const m = compile(c, { cot: '4tok' });
    const b = bindModel(m);
    const eng = new SparseEngine(m);
    const dense = new CpuEngine(m, 'f32');
    for (const seed of [1n, 2n, 3n]) {
      const seqs = referenceSequences(b, sampleInputs(6, 2, seed));
      expect(eng.forwardSync(seqs).argmax).toEqual(dense.forwardSync(seqs).argmax);
    }
    const prompts = sampleInputs(6, 2, 9n).map((x) => promptOf(b, x));
    expect(eng.generateSync(prompts, b.seq.cotLength)).toEqual(dense.generateSync(prompts, b.seq.cotLength));
    expect(eng.report().undecided).toBe(0);
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
  it('positional weak-scale fault, radius 1: positions undecided, run densely, the wrong tokens reported', async () => {
    const c = random(60, 8, 10);
    const m = compile(c, { cot: '4tok', fault: 'weak-scale' });
    const eng = new SparseEngine(m, 'f32', { radius: 1 });
    const sparse = await verifyModel(bindModel(m), eng, sampleInputs(8, 2, 1n));
    const dense = await verifyModel(bindModel(m), new CpuEngine(m, 'f32'), sampleInputs(8, 2, 1n));
    expect(dense.ok).toBe(false);
    expect(sparse.mismatches).toBe(dense.mismatches);
    expect(eng.report().undecided).toBeGreaterThan(0);
    expect(eng.report().denseRerun.positions).toBe(eng.report().undecided);
  });

  it('positional weak-scale fault, auto radius: the widest radius (every code here), the same wrong tokens', async () => {
    const c = random(60, 8, 10);
    const m = compile(c, { cot: '4tok', fault: 'weak-scale' });
    const eng = new SparseEngine(m);
    const sparse = await verifyModel(bindModel(m), eng, sampleInputs(8, 2, 1n));
    const dense = await verifyModel(bindModel(m), new CpuEngine(m, 'f32'), sampleInputs(8, 2, 1n));
    expect(eng.report().headRadius).toEqual([m.meta.pos_bits, m.meta.pos_bits]);
    expect(dense.mismatches).toBeGreaterThan(0);
    expect(sparse.mismatches).toBe(dense.mismatches);
  });

  it('a small scale the dense model survives: sparse agrees, deciding by the bound only where it can', () => {
    const c = random(400, 16, 11);
    const m = compile(c, { cot: '4tok', scale: 2 });
    const r = compare(m, c, sampleInputs(16, 3, 2n), 0);
    expect(r.report.headRadius).toEqual([0, 0]);
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

describe('the command line', () => {
  const c432 = shared('iscas85/c432.bench');
  it('verify --attention sparse --json reports the radius, the bound, the margins and the verdict', async () => {
    const r = await cli('verify', c432, '--attention', 'sparse', '--radius', '0', '--samples', '2', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { ok: boolean; attention: string; positions_checked: number; sparse: Record<string, unknown> };
    expect(j.ok).toBe(true);
    expect(j.attention).toBe('sparse');
    expect(j.sparse.radius).toBe(0);
    expect(j.sparse.verdict).toBe('certified');
    expect(j.sparse.undecided).toBe(0);
    expect(j.sparse.positions).toBe(j.positions_checked);
    expect(j.sparse.smallest_margin).toBe(0.5);
    expect(typeof j.sparse.bound).toBe('number');
    expect((j.sparse.heads as unknown[]).length).toBe(2);
  });

  it('verify --attention sparse says so in one line; without the flag attention stays dense', async () => {
    const sparse = await cli('verify', c432, '--attention', 'sparse', '--samples', '1');
    expect(sparse.code).toBe(0);
    expect(sparse.stdout).toMatch(/sparse attention \(radius auto \(0\)\)/);
    expect(sparse.stdout).toMatch(/^sparse attention, radius auto \(0\): logit-gap error bound .*, smallest margin 0\.500, 0 of 2592 positions undecided; certified/m);
    const dense = await cli('verify', c432, '--samples', '1', '--json');
    expect((JSON.parse(dense.stdout) as { attention: string; sparse?: unknown }).attention).toBe('dense');
    expect((JSON.parse(dense.stdout) as { sparse?: unknown }).sparse).toBeUndefined();
  });

  it('a weak key scale: positions undecided and run densely, the wrong tokens reported, exit 1', async () => {
    const r = await cli('verify', c432, '--attention', 'sparse', '--radius', '1', '--inject-fault', 'weak-scale', '--samples', '1', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as { mismatches: number; sparse: { undecided: number; verdict: string; dense_rerun: { positions: number } } };
    expect(j.mismatches).toBeGreaterThan(0);
    expect(j.sparse.undecided).toBeGreaterThan(0);
    expect(j.sparse.dense_rerun.positions).toBe(j.sparse.undecided);
    expect(j.sparse.verdict).toBe('mismatch');
  });

  it('refuses what it cannot do, in one line', async () => {
    for (const [args, msg] of [
      [['--radius', '1'], /--radius goes with --attention sparse/],
      [['--attention', 'sparse', '--backend', 'webgpu'], /runs on the CPU/],
      [['--attention', 'sparse', '--arith', 'fixed:2'], /runs f32/],
      [['--attention', 'fast'], /--attention must be dense or sparse/],
      [['--attention', 'sparse', '--radius', '40'], /the radius must be auto or an integer from 0 to 31, got '40'/],
    ] as [string[], RegExp][]) {
      const r = await cli('verify', c432, '--samples', '0', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('run --attention sparse writes the chain of thought the dense model writes', async () => {
    const sparse = await cli('run', c432, '--bits', '1'.repeat(36), '--attention', 'sparse', '--show-cot');
    const dense = await cli('run', c432, '--bits', '1'.repeat(36), '--show-cot');
    expect(sparse.code).toBe(0);
    expect(sparse.stdout).toBe(dense.stdout);
  });

  it('fuzz --attention sparse runs every check on the sparse engine; a weak scale is found', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gatecot-sparse-fuzz-'));
    const ok = await cli('fuzz', '--attention', 'sparse', '--count', '6', '--gates', '1..40', '--out', out);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/sparse attention \(radius auto\): 6 cases, .* 0 failing cases .* on the CPU with sparse attention/);
    const bad = await cli('fuzz', '--attention', 'sparse', '--count', '20', '--gates', '10..60', '--inject-fault', 'weak-scale', '--max-failures', '1', '--no-shrink', '--json', '--out', out);
    expect(bad.code).toBe(1);
    const start = JSON.parse(bad.stdout.split('\n')[0]!) as { options: { attention: string; radius: string } };
    expect(start.options).toMatchObject({ attention: 'sparse', radius: 'auto' });
    const finding = bad.stdout.split('\n').map((l) => (l ? (JSON.parse(l) as { event: string; files?: { report: string } }) : undefined)).find((e) => e?.event === 'finding');
    // the reproducer runs the sparse engine too
    expect(readFileSync(finding!.files!.report, 'utf8')).toMatch(/gatecot verify \S+ --cot \w+ --arith f32 --inject-fault weak-scale --attention sparse/);
  });
});
