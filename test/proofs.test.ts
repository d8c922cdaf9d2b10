// The theorem's claims as executable checks: each claim's own test, the all-inputs certificate
// on real circuits, miscompiles caught, and the independent certificate checker.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../circuits/gen/index.js';
import { compile, compileUniform, modelFromBytes, modelToBytes, type CotFormat, type Fault } from '../compiler/index.js';
import { certContext, certify, exactDiv, exactExp, gateClaim, modelHash, structureClaim, type Certificate } from '../proofs/index.js';
import { certificateDigest, recheck } from '../proofs/check/index.js';
import { runScaling } from '../report/scaling.js';
import { allInputs, CpuEngine, fixedArith, referenceSequences, floatArith, parseArith, prepare, verifyModel } from '../runtime/index.js';
import { loadShared, shared } from './shared.js';
import { bindModel, circuitOfModel, type PositionalMeta } from '../model/index.js';


const claim = (c: Certificate, name: string) => c.claims.find((x) => x.claim === name)!;

describe('exact rounding (the paper\'s [exp] and [/])', () => {
  it('decides exp against the grid midpoints', () => {
    const f2 = fixedArith(2);
    expect(exactExp(f2, 0)).toEqual({ value: 1, decided: true });
    expect(exactExp(f2, -3.75).value).toBe(0); // 0.0235 -> 0
    expect(exactExp(f2, -1).value).toBe(0.25); // 0.3679 -> 0.25 (0.375 is the midpoint)
    expect(exactExp(f2, -0.75).value).toBe(0.5); // 0.4724 -> 0.5
    expect(exactExp(f2, 2).value).toBe(3.75); // saturates
    expect(exactExp(floatArith(8, 1), -20).value).toBe(2 ** -29); // 2.06e-9: between 2^-29 and 1.5·2^-29, nearer the first
  });
  it('decides divisions exactly, ties toward the smaller magnitude', () => {
    const f2 = fixedArith(2);
    expect(exactDiv(f2, 1, 1)).toBe(1);
    expect(exactDiv(f2, 0.125 * 2, 2)).toBe(0); // 0.125 is a tie between 0 and 0.25
    expect(exactDiv(f2, 0.75, 2)).toBe(0.25); // 0.375: tie -> 0.25
    expect(exactDiv(f2, 1, 3)).toBe(0.25); // 0.333 -> 0.25
    expect(exactDiv(f2, 3.75, 0.25)).toBe(3.75); // saturates
  });
});

describe('claim 1: structure', () => {
  it('holds at every size with d_model = 3k + 9 / 3k + 11', () => {
    for (const T of [10, 1000, 20000]) {
      const c = generate('random', { gates: String(T), inputs: '8' });
      for (const cot of ['gate', '4tok'] as CotFormat[]) {
        const r = structureClaim(compile(c, { cot }));
        expect(r.holds).toBe(true);
        expect(r.evidence.d_model).toBe(r.evidence.d_formula);
        expect(r.evidence.layers).toBe(1);
      }
    }
  });
  it('fails on a non-finite weight', () => {
    const m = compile(generate('random', { gates: '10', inputs: '4' }), { cot: 'gate' });
    m.layers[0]!.ff.w1[3] = NaN;
    expect(structureClaim(m).holds).toBe(false);
  });
});

describe('claim 2: retrieval lemma', () => {
  const c = generate('random', { gates: '200', inputs: '12', seed: '3' });
  it('fixed:2: the rounded exp is exactly 1 on every target and 0 elsewhere, checked exactly', () => {
    for (const method of ['fast', 'exhaustive'] as const) {
      const cert = certify(bindModel(compile(c, { cot: '4tok' })), 'fixed:2', { method });
      const r = claim(cert, 'retrieval lemma');
      expect(r.holds).toBe(true);
      expect(r.evidence.exact_one_hot).toBe(true);
      expect(r.evidence.max_weight_elsewhere).toBe(0);
      expect(r.evidence.exact_mismatches).toBe(0);
      expect(r.evidence.exact_values_checked).toBeGreaterThan(0);
    }
  });
  it('f32: the target weight and the mass elsewhere are bounded', () => {
    const r = claim(certify(bindModel(compile(c, { cot: 'gate' })), 'f32'), 'retrieval lemma');
    expect(r.holds).toBe(true);
    expect(r.evidence.min_target_weight as number).toBeGreaterThan(0.999);
    expect(r.evidence.max_weight_elsewhere as number).toBeLessThan(1e-3);
  });
});

describe('claim 3: gate lemma', () => {
  const m = compile(generate('random', { gates: '20', inputs: '4' }), { cot: '4tok' });
  it('every gate type on all four input pairs, with and without fetching error', () => {
    // the interval proof ignores that the four minterm units cannot all be off at once, so it
    // needs 6ε < 0.5 (the margin): ε = 0.05 passes in f32 and fixed:2
    for (const [a, eps] of [['f32', 0.05], ['fixed:2', 0.05], ['float:8,1', 0]] as const) {
      const pm = prepare(m, parseArith(a));
      expect(gateClaim(pm, 0).holds).toBe(true);
      expect(gateClaim(pm, eps).holds).toBe(true);
    }
  });
  it('fails when the fetched bits can be far off, and under fixed:1', () => {
    expect(gateClaim(prepare(m, parseArith('f32')), 0.6).holds).toBe(false);
    const r = gateClaim(prepare(m, parseArith('fixed:1')), 0);
    expect(r.holds).toBe(false);
    expect(r.failure!.detail).toMatch(/\(\d, \d\)/);
  });
});

describe('claim 4: all inputs (the certificate)', () => {
  it('agrees with exhaustive verification on a small circuit (2^10 inputs)', async () => {
    const c = generate('random', { gates: '80', inputs: '10', seed: '6' });
    const m = compile(c, { cot: '4tok' });
    const cert = certify(bindModel(m), 'f32');
    expect(cert.verdict).toBe(true);
    expect((await verifyModel(bindModel(m), new CpuEngine(m, 'f32'), allInputs(10))).ok).toBe(true);
    expect(cert.margins.every((x) => x !== null && x > 0)).toBe(true);
  });
  const iscas = readdirSync(shared('iscas85')).filter((f) => f.endsWith('.bench'));
  for (const f of iscas) {
    it(`ISCAS ${f}: f32 and fixed:2`, () => {
      const c = loadShared(`iscas85/${f}`);
      for (const arith of ['f32', 'fixed:2']) {
        const cert = certify(bindModel(compile(c, { cot: 'gate' })), arith);
        expect(cert.verdict, JSON.stringify(cert.claims.filter((x) => !x.holds))).toBe(true);
      }
    });
  }
  it('ISCAS c7552 with the 4-token CoT, f32 and fixed:2', () => {
    const c = loadShared('iscas85/c7552.bench');
    const m = compile(c, { cot: '4tok' });
    for (const arith of ['f32', 'fixed:2']) expect(certify(bindModel(m), arith).verdict).toBe(true);
  });
  for (const f of ['adder64', 'sub64', 'neg64', 'zero_equal']) {
    it(`Bristol ${f}: f32 and fixed:2, both CoT formats`, () => {
      const c = loadShared(`bristol/${f}.txt`);
      for (const cot of ['gate', '4tok'] as CotFormat[]) {
        const m = compile(c, { cot });
        for (const arith of ['f32', 'fixed:2']) expect(certify(bindModel(m), arith).verdict).toBe(true);
      }
    });
  }
});

describe('claim 4 on the 64-bit Bristol multipliers and dividers', () => {
  for (const f of ['mult64', 'mult2_64', 'divide64', 'udivide64']) {
    it(`Bristol ${f}: f32 and fixed:2 (gate CoT; 4tok in docs/proofs.md)`, () => {
      const c = loadShared(`bristol/${f}.txt`);
      const m = compile(c, { cot: 'gate' });
      for (const arith of ['f32', 'fixed:2']) {
        const cert = certify(bindModel(m), arith);
        expect(cert.verdict, JSON.stringify(cert.claims.filter((x) => !x.holds))).toBe(true);
        expect(Math.min(...cert.margins.map((x) => x ?? -1))).toBeGreaterThan(0.4);
      }
    });
  }
});

describe('miscompiles are caught, with the first failing position and claim', () => {
  const c = generate('random', { gates: '150', inputs: '10', seed: '21', mix: 'AND=3,OR=2,XOR=2,NOT=1' });
  const expectations: [Fault, string][] = [
    ['weak-scale', 'retrieval lemma'],
    ['off-by-one', 'retrieval lemma'],
    ['swap-gate', 'all inputs'],
  ];
  for (const [fault, first] of expectations) {
    it(fault, () => {
      const m = compile(c, { cot: 'gate', fault });
      const cert = certify(bindModel(m), 'f32');
      expect(cert.verdict).toBe(false);
      const failed = claim(cert, first);
      expect(failed.holds).toBe(false);
      expect(failed.failure!.position).toBeGreaterThanOrEqual(cert.first_position);
      expect(claim(cert, 'all inputs').holds).toBe(false);
      // the fault is real and the report is sound: teacher-forcing all 2^10 inputs, some token is
      // wrong, and none before the first position the certificate names
      const seqs = referenceSequences(bindModel(m), allInputs(10));
      const { argmax } = new CpuEngine(m, 'f32').forwardSync(seqs);
      let firstWrong = Infinity;
      seqs.forEach((seq, b) => {
        for (let p = cert.first_position; p < seq.length - 1; p++) if (argmax[b]![p] !== seq[p + 1]) firstWrong = Math.min(firstWrong, p);
      });
      expect(firstWrong).toBeLessThan(Infinity);
      expect(firstWrong).toBeGreaterThanOrEqual(failed.failure!.position);
    });
  }
});

describe('check-cert (independent re-check)', () => {
  const c = generate('random', { gates: '120', inputs: '10', seed: '8' });
  for (const [arith, method] of [['f32', 'fast'], ['fixed:2', 'exhaustive'], ['f32', 'exhaustive']] as const) {
    it(`accepts an honest certificate (${arith}, ${method}) and rejects altered ones`, () => {
      const m = modelFromBytes(modelToBytes(compile(c, { cot: '4tok' })));
      const cert = JSON.parse(JSON.stringify(certify(bindModel(m), arith, { method }))) as Certificate & Record<string, unknown>;
      expect(recheck(cert, m).ok).toBe(true);
      // an edited margin: the digest no longer matches
      const edited = { ...cert, margins: cert.margins.map((x, i) => (i === 5 ? (x as number) + 0.25 : x)) };
      expect(recheck(edited, m).problems.join(' ')).toMatch(/altered/);
      // a forged one with a fresh digest: the recomputed margin is smaller than the recorded one
      const forged = { ...edited, digest: '' };
      forged.digest = certificateDigest(forged);
      expect(recheck(forged, m).problems.join(' ')).toMatch(/position \d+: the certificate records margin/);
      // another model
      const other = modelFromBytes(modelToBytes(compile(c, { cot: '4tok', scale: 9 })));
      expect(recheck(cert, other).problems.join(' ')).toMatch(/the certificate is for model/);
    });
  }
  it('rejects forged certificates that understate, omit or misreport (fresh digests)', () => {
    const m = modelFromBytes(modelToBytes(compile(c, { cot: 'gate' })));
    const cert = JSON.parse(JSON.stringify(certify(bindModel(m), 'f32', { method: 'fast' }))) as Certificate & Record<string, unknown>;
    const forge = (edit: (x: Certificate & Record<string, unknown>) => void) => {
      const f = JSON.parse(JSON.stringify(cert)) as Certificate & Record<string, unknown>;
      edit(f);
      f.digest = certificateDigest(f);
      return recheck(f, m).problems.join(' ');
    };
    expect(forge(() => undefined)).toBe('');
    expect(forge((f) => (f.margins[7] = 0.01))).toMatch(/position \d+: the certificate records margin 0.01, more than [\d.]+% below the exact margin/);
    expect(forge((f) => (f.claims.find((x) => x.claim === 'structure')!.evidence.d_model = 999))).toMatch(/structure evidence/);
    // round-to-nearest margins are exact up to the fast method's bound: 1% lower is already too low
    const near = JSON.parse(JSON.stringify(certify(bindModel(m), 'f32', { method: 'fast', rounding: 'nearest' }))) as Certificate & Record<string, unknown>;
    expect(recheck(near, m).ok).toBe(true);
    const lowered = { ...near, margins: near.margins.map((x, i) => (i === 4 ? (x as number) * 0.99 : x)), digest: '' };
    lowered.digest = certificateDigest(lowered);
    expect(recheck(lowered, m).problems.join(' ')).toMatch(/more than 0.1% below the exact margin/);
    expect(forge((f) => (f.claims.find((x) => x.claim === 'retrieval lemma')!.evidence.min_target_weight = 0.1))).toMatch(/least target weight of 0.1/);
    expect(
      forge((f) => {
        f.margins = f.margins.map(() => null);
        f.claims.find((x) => x.claim === 'all inputs')!.holds = false;
        f.verdict = false;
      }),
    ).toMatch(/records no margin/);
  });

  it('refuses a model whose metadata reads an output from the wrong position (certify, run, check-cert)', () => {
    const good = compile(c, { cot: '4tok' });
    const bad = modelFromBytes(modelToBytes(good));
    (bad.meta as PositionalMeta).outputs[0]! -= 1;
    expect(() => circuitOfModel(bad)).toThrow(/outputs\[0\] is \d+, the circuit needs \d+/);
    expect(circuitOfModel(modelFromBytes(modelToBytes(good))).ops.length).toBe(c.ops.length);
    // a certificate forged for the bad model (its own hash, a fresh digest) is refused by the checker
    const cert = JSON.parse(JSON.stringify(certify(bindModel(good), 'f32'))) as Certificate & Record<string, unknown>;
    const forged = { ...cert, model_hash: modelHash(bad), digest: '' };
    forged.digest = certificateDigest(forged);
    expect(recheck(forged, bad).problems.join(' ')).toMatch(/output 0 is read at position \d+, which holds .*, not wire \d+/);
  });

  it('rejects a certificate whose verdict was flipped on a failing model', () => {
    const bad = compile(c, { cot: 'gate', fault: 'swap-gate' });
    const cert = JSON.parse(JSON.stringify(certify(bindModel(bad), 'f32'))) as Certificate & Record<string, unknown>;
    expect(recheck(cert, bad).ok).toBe(true); // an honest negative certificate is consistent
    const flipped = { ...cert, verdict: true, claims: cert.claims.map((x) => ({ ...x, holds: true })), margins: cert.margins.map((x) => Math.abs(x ?? 1)), digest: '' };
    flipped.digest = certificateDigest(flipped);
    expect(recheck(flipped, bad).ok).toBe(false);
  });
});

describe('scaling', () => {
  it('constant layers and heads, d_model on the formula, the same smallest fixed-point s', () => {
    const rows = runScaling({ family: 'random', sizes: [16, 64, 256, 1024], cot: 'gate' });
    expect(new Set(rows.map((r) => r.layers * 100 + r.heads))).toEqual(new Set([102]));
    for (const r of rows) expect(r.d_model).toBe(r.d_formula);
    expect(new Set(rows.map((r) => r.min_fixed_s))).toEqual(new Set([2]));
    expect(rows.every((r) => r.min_float_s !== null)).toBe(true);
  });
  it('uniform: the same 3 layers of 4, 2, 1 heads at every capacity, d_model = 12L + 49, smallest verified fixed-point s = 2', async () => {
    const rows = await runScaling({ mode: 'uniform', sizes: [16, 64, 256] });
    expect(rows.map((r) => r.capacity)).toEqual([16, 64, 256]);
    for (const r of rows) {
      expect(r.layers).toBe(3);
      expect(r.heads_per_layer).toEqual([4, 2, 1]);
      expect(r.d_model).toBe(r.d_formula);
      expect(r.d_formula).toBe(12 * Math.ceil(Math.log2(r.capacity)) + 49);
      expect(r.vocab).toBe(r.capacity + 14);
      expect(r.pos_rows).toBe(1 + 8 * r.capacity);
      expect(r.file_bytes).toBe(modelToBytes(compileUniform(r.capacity)).length);
      expect(r.wires).toBe(r.capacity);
      expect(r.verified).toBe(true);
      expect(r.verify_mismatches).toBe(0);
      expect(r.min_fixed_s).toBe(2);
      expect(r.logit_margin).toBeGreaterThan(0);
    }
  }, 400_000); // verifies three models in fixed point on the CPU reference: minutes on 2 busy cores
  it('uniform: capacities above --verify-max are measured, not verified, and the row says so', async () => {
    const [r] = await runScaling({ mode: 'uniform', sizes: [64], verifyMax: 32, family: 'cvp-instance' });
    expect(r).toMatchObject({ capacity: 64, wires: 64, verified: null, min_fixed_s: null, logit_margin: null, note: 'not verified: N > --verify-max 32' });
    expect(r!.circuit).toBe('cvp-instance: 0 inputs + 64 gates');
  });
  it('context exposes what each position holds', () => {
    const c = generate('adder', { width: '2' });
    const ctx = certContext(bindModel(compile(c, { cot: '4tok' })), 'f32');
    expect(ctx.src[0]).toBeLessThan(0); // <bos>
    expect(ctx.src[1]).toBe(0); // input wire 0
  });
});
