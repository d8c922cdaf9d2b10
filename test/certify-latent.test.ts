// certify and check-cert for the latent models (looped, looped-cot, deep): c17 and a random
// circuit of 60 gates with every gate type, in fixed:2 (exact), f32 with the CPU reference's
// round-to-nearest order, and f32 outward (every binary32 evaluation order: holds on the small and
// the shallow models, and fails honestly where the construction's errors compound); the
// certificates agree with exhaustive verification and are re-checked independently. Faults are
// caught: a loop count of depth - 1 (in the file or as --loops), a wrong truth table, a deep model
// missing its last layer; forged certificates are rejected; the CLI exits 0, 1 and 2.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wireDepths, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compileLatent } from '../compiler/index.js';
import { bindModel, modelToBytes, type Model } from '../model/index.js';
import { certificateDigest, recheck } from '../proofs/check/index.js';
import { certify } from '../proofs/index.js';
import { CpuEngine, sampleInputs, verifyModel } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, shared } from './shared.js';

type Cert = Record<string, unknown> & { claims: { claim: string; holds: boolean; evidence: Record<string, unknown>; failure?: { position: number; detail: string } }[]; margins: (number | null)[]; settle: (number | null)[]; verdict: boolean; loops?: number };

const kinds = ['looped', 'looped-cot', 'deep'] as const;
const every = 'AND=4,OR=4,XOR=2,NAND=2,NOR=2,XNOR=1,NOT=2,BUF=1,CONST0=1,CONST1=1';
const c17 = loadShared('iscas85/c17.bench');
const random = generate('random', { inputs: '8', gates: '60', seed: '7', mix: every });

const claim = (c: Cert, name: string) => c.claims.find((x) => x.claim === name)!;
const problems = (r: { problems: string[] }) => r.problems.join(' | ');
const cert = (m: Model, arith: string, opts: { rounding?: 'outward' | 'nearest'; loops?: number } = {}) => certify(bindModel(m), arith, opts) as unknown as Cert;

/** A copy of the certificate edited by `edit`, with a fresh digest (a careful forger). */
function forge(c: object, edit: (c: Cert) => void): Cert {
  const x = JSON.parse(JSON.stringify(c)) as Cert;
  edit(x);
  x.digest = certificateDigest(x);
  return x;
}

/** When the construction finishes each wire: depth (looped, deep), gate order (looped-cot). */
function due(c: Circuit, kind: string): number[] {
  const d = Array.from(wireDepths(c));
  return kind === 'looped-cot' ? d.map((_, w) => (w < c.nInputs ? 0 : w - c.nInputs + 1)) : d;
}

describe('certify: latent models, all 2^n inputs at once', () => {
  for (const [name, c] of [['c17', c17], ['random (8 inputs, 60 gates, every type)', random]] as const) {
    for (const kind of kinds) {
      it(`${name}, ${kind}: certified in fixed:2 and f32 (nearest), on the construction's schedule, re-checked`, async () => {
        const m = compileLatent(c, kind);
        const outs = c.outputs.flatMap((o) => Array.from(o.wires));
        for (const [arith, rounding] of [['fixed:2', undefined], ['f32', 'nearest']] as const) {
          const x = cert(m, arith, rounding ? { rounding } : {});
          expect(x.claims.map((y) => `${y.claim}:${y.holds}`)).toEqual(['structure:true', 'retrieval lemma:true', 'gate lemma:true', 'induction:true', 'all inputs:true']);
          expect(x.verdict).toBe(true);
          expect(x.construction).toBe(kind);
          expect(x.applied_layers).toBe(kind === 'looped-cot' ? c.ops.length : Math.max(...wireDepths(c)));
          // exact values: every state a point, margin 1/2 at every wire
          expect(claim(x, 'induction').evidence.exact_states).toBe(true);
          expect(x.margins.every((y) => y === 0.5)).toBe(true);
          due(c, kind).forEach((t, w) => expect(x.settle[w] ?? Infinity).toBeLessThanOrEqual(t));
          expect(outs.every((w) => x.margins[w] === 0.5)).toBe(true);
          const r = recheck(x, m);
          expect(problems(r)).toBe('');
          expect(r.summary).toMatch(arith === 'fixed:2' ? /its own exact induction/ : /runs of the model on all 2\^\d+ inputs/);
        }
        // the same model verified input by input: every wire right
        const v = await verifyModel(bindModel(m), new CpuEngine(m, 'f32'), sampleInputs(c.nInputs, 16, 3n));
        expect(v.ok).toBe(true);
      });
    }
  }

  it('f32 outward (every binary32 evaluation order): holds for c17 and the shallow random models, fails honestly where errors compound', () => {
    for (const kind of kinds) {
      const x = cert(compileLatent(c17, kind), 'f32');
      expect(x.verdict).toBe(true);
      expect(claim(x, 'all inputs').evidence.rounding).toBe('outward');
      expect(claim(x, 'all inputs').evidence.min_margin as number).toBeGreaterThan(0.49);
    }
    for (const kind of ['looped', 'deep'] as const) expect(cert(compileLatent(random, kind), 'f32').verdict).toBe(true);
    // looped-cot's finish unit doubles an error in `done` at every gate, which faithful rounding permits
    const cot = cert(compileLatent(random, 'looped-cot'), 'f32');
    expect(cot.verdict).toBe(false);
    expect(claim(cot, 'all inputs').failure!.detail).toMatch(/--rounding nearest certifies the CPU reference's own round-to-nearest order/);
    expect(claim(cot, 'retrieval lemma').holds && claim(cot, 'gate lemma').holds).toBe(true);
    expect(problems(recheck(cot, compileLatent(random, 'looped-cot')))).toBe('');
  });

  it('c432 looped certifies in seconds (fixed:2 and f32 nearest)', () => {
    const c432 = loadShared('iscas85/c432.bench');
    const m = compileLatent(c432, 'looped');
    for (const [arith, rounding] of [['fixed:2', undefined], ['f32', 'nearest']] as const) {
      const t0 = performance.now();
      const x = cert(m, arith, rounding ? { rounding } : {});
      expect(x.verdict).toBe(true);
      expect((performance.now() - t0) / 1000).toBeLessThan(20);
    }
  });
});

describe('faults are caught', () => {
  it('a loop count of depth - 1 (in the file, or as a --loops override) does not certify; more loops do', () => {
    for (const kind of ['looped', 'looped-cot'] as const) {
      for (const c of [c17, random]) {
        const m = compileLatent(c, kind);
        const own = m.meta.loop!.count;
        const short = compileLatent(c, kind);
        short.meta.loop!.count = own - 1;
        for (const arith of c === c17 ? ['fixed:2', 'f32'] : ['fixed:2']) {
          const x = cert(short, arith, { rounding: 'nearest' });
          expect(x.verdict).toBe(false);
          expect(x.loops).toBe(own - 1);
          expect(claim(x, 'all inputs').holds).toBe(false);
          expect(claim(x, 'all inputs').failure!.detail).toMatch(new RegExp(`it is due after layer ${own} and the model applies ${own - 1} \\(${own - 1} loops are too few\\)`));
          expect(claim(x, 'induction').holds).toBe(true); // every wire due by layer own - 1 is on time
          // the honest NOT CERTIFIED certificate is re-checked as such
          expect(problems(recheck(x, short))).toBe('');
          expect(cert(m, arith, { rounding: 'nearest', loops: own - 1 }).verdict).toBe(false);
        }
        const more = cert(m, 'fixed:2', { loops: own + 5 });
        expect(more.verdict).toBe(true);
        expect(more.loops).toBe(own + 5);
        expect(problems(recheck(more, m))).toBe('');
      }
    }
  });

  it('a wrong truth table in the position embedding, and a deep model missing its last layer', () => {
    for (const kind of kinds) {
      const m = compileLatent(c17, kind);
      // c17 is all NAND: make the last gate an AND (tt[3] = 1 at its position)
      const p = c17.nInputs + c17.ops.length;
      m.posEmb[p * m.d + m.meta.basis.indexOf('tt[3]')] = 1;
      for (const arith of ['fixed:2', 'f32']) {
        const x = cert(m, arith, { rounding: 'nearest' });
        expect(x.verdict).toBe(false);
        expect(x.settle[p - 1]).toBeNull();
        expect(claim(x, 'all inputs').failure!.position).toBe(p);
        expect(problems(recheck(x, m))).toBe('');
      }
    }
    const deep = compileLatent(c17, 'deep');
    deep.layers.pop();
    deep.meta.n_layers -= 1;
    deep.meta.heads.pop();
    deep.meta.head_targets.pop();
    const x = cert(deep, 'fixed:2');
    expect(claim(x, 'structure').holds).toBe(false);
    expect(claim(x, 'all inputs').failure!.detail).toMatch(/is not established after the last layer \(2\)/);
    expect(problems(recheck(x, deep))).toBe('');
  });
});

describe('check-cert rejects forged latent certificates', () => {
  for (const arith of ['fixed:2', 'f32']) {
    it(`${arith}: a raised margin, an earlier settle layer, a flipped claim or verdict, another loop count or model`, () => {
      const m = compileLatent(c17, 'looped');
      const x = cert(m, arith, { rounding: 'nearest' });
      const out = c17.outputs[0]!.wires[0]!;
      expect(problems(recheck(forge(x, (y) => (y.margins[out] = 0.75)), m))).toMatch(arith === 'f32' ? /records final margin 0.75, but a run shows 0.5/ : /records final margin 0.75, the re-check finds 0.5/);
      expect(problems(recheck(forge(x, (y) => (y.settle[out] = y.settle[out]! - 1)), m))).toMatch(arith === 'f32' ? /its argmax is wrong after layer/ : /the re-check finds 3/);
      expect(problems(recheck(forge(x, (y) => (claim(y, 'all inputs').holds = false)), m))).toMatch(/the verdict true does not follow/);
      expect(problems(recheck(forge(x, (y) => (y.verdict = false)), m))).toMatch(/the verdict false does not follow/);
      expect(problems(recheck(forge(x, (y) => ((y.loops = 2), (y.applied_layers = 2))), m))).toMatch(/wire \d+: settle layer 3 is after the last applied layer 2/);
      expect(problems(recheck(forge(x, (y) => (y.loops = 4)), m))).toMatch(/says 3 applied layers, the model with its loop count applies 4/);
      expect(problems(recheck(forge(x, (y) => (y.construction = 'deep')), m))).toMatch(/the certificate is for a deep model, this one is looped/);
      expect(problems(recheck(forge(x, (y) => (claim(y, 'structure').evidence.d_model = 99)), m))).toMatch(/the structure claim/);
      expect(problems(recheck(x, compileLatent(c17, 'looped-cot')))).toMatch(/the certificate is for model/);
      expect(problems(recheck({ ...x, verdict: true, seconds: 0 }, m))).toMatch(/altered after it was written/);
      // a faulty model's certificate forged as sound
      const short = compileLatent(c17, 'looped');
      short.meta.loop!.count = 2;
      const bad = cert(short, arith, { rounding: 'nearest' });
      const sound = forge(bad, (y) => {
        for (const cl of y.claims) cl.holds = true;
        y.margins = y.margins.map(() => 0.5);
        y.settle = y.settle.map((s) => s ?? 2);
        y.verdict = true;
      });
      expect(problems(recheck(sound, short))).toMatch(/wire \d+: the certificate says its value is established from layer 2/);
    });
  }
});

describe('CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-certlatent-'));
  const file = (kind: string) => {
    const f = join(dir, `c17-${kind}.safetensors`);
    writeFileSync(f, modelToBytes(compileLatent(c17, kind as (typeof kinds)[number])));
    return f;
  };

  it('certify exits 0 and writes a certificate check-cert accepts (exit 0); a tampered one exits 1', async () => {
    for (const kind of kinds) {
      const f = file(kind);
      const out = join(dir, `${kind}.json`);
      const r = await cli('certify', f, '--arith', 'fixed:2', '-o', out);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`${kind} \\(no CoT, argmax readout\\)`));
      expect(r.stdout).toMatch(/induction\s+yes/);
      expect(r.stdout).toMatch(/verdict: CERTIFIED for every input/);
      const ok = await cli('check-cert', out, f);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/check-cert: OK: .*its own exact induction/);
      const c = JSON.parse(readFileSync(out, 'utf8')) as Cert;
      writeFileSync(out, JSON.stringify(forge(c, (y) => (y.margins[9] = 1))));
      const bad = await cli('check-cert', out, f);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/check-cert: REJECTED/);
    }
  });

  it('certify exits 1 with too few loops, 2 on bad loop counts and arithmetic', async () => {
    const f = file('looped');
    const few = await cli('certify', f, '--loops', '2');
    expect(few.code).toBe(1);
    expect(few.stdout).toMatch(/2 loops are too few/);
    expect((await cli('certify', f, '--loops', '3', '--arith', 'fixed:2')).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['certify', f, '--loops', 'auto'], /certify needs a fixed loop count/],
      [['certify', f, '--loops', '0'], /--loops must be at least 1/],
      [['certify', file('deep'), '--loops', '3'], /--loops applies to a looped model/],
      [['certify', shared('iscas85/c17.bench'), '--loops', '3'], /--loops applies to a looped model/],
      [['certify', f, '--arith', 'f64'], /latent models are certified in f32/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // a circuit file compiled on the fly
    const onTheFly = await cli('certify', shared('iscas85/c17.bench'), '--mode', 'looped-cot', '--arith', 'f32', '--rounding', 'nearest');
    expect(onTheFly.code).toBe(0);
  });
});
