// check-cert on uniform models: per-circuit certificates (c17 and a random circuit with every gate
// type, f32 and fixed:2) and all-circuits certificates (capacity 16 and 64, fixed:2). Honest
// certificates are accepted; forged ones (fresh digest) are rejected: a margin above the truth, a
// flipped claim or verdict, a wrong model or circuit hash, another circuit's certificate, an
// altered capacity, a faulty model certified as sound. The checker's own forward pass is compared
// with the CPU reference logit by logit; the CLI refuses a missing or misplaced --circuit.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCircuit, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compileUniform } from '../compiler/index.js';
import { bindModel, modelToBytes, type Model } from '../model/index.js';
import { certificateDigest, checkArith, recheck, recheckAllCircuits, recheckUniformCircuit } from '../proofs/check/index.js';
import { DenseNet } from '../proofs/check/dense.js';
import { sequenceOf } from '../proofs/check/uniform.js';
import { certify, certifyAllCircuits } from '../proofs/index.js';
import { CpuStepper, parseArith, prepare, referenceSequences } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared } from './shared.js';

type Cert = Record<string, unknown> & { claims: { claim: string; holds: boolean; evidence: Record<string, unknown> }[]; margins?: number[] };

/** A copy of the certificate edited by `edit`, with a fresh digest (a careful forger). */
function forge(cert: object, edit: (c: Cert) => void): Cert {
  const c = JSON.parse(JSON.stringify(cert)) as Cert;
  edit(c);
  c.digest = certificateDigest(c);
  return c;
}

const claim = (c: Cert, name: string) => c.claims.find((x) => x.claim === name)!;
const problems = (r: { problems: string[] }) => r.problems.join(' | ');

const c17 = loadShared('iscas85/c17.bench');
const every = 'AND=4,OR=4,XOR=2,NAND=2,NOR=2,XNOR=1,NOT=2,BUF=1,CONST0=1,CONST1=1';
const random = generate('random', { inputs: '5', gates: '28', seed: '5', mix: every });
const u16 = compileUniform(16);
const u64 = compileUniform(64);

const cases: [string, Model, Circuit][] = [
  ['c17', u16, c17],
  ['random (5 inputs, 28 gates, every type)', u64, random],
];

describe('check-cert: per-circuit certificates of a uniform model', () => {
  for (const [name, m, c] of cases) {
    for (const arith of ['f32', 'fixed:2']) {
      it(`accepts the honest ${arith} certificate of ${name} and rejects forgeries`, () => {
        const cert = certify(bindModel(m, c), arith) as unknown as Cert;
        expect(cert.verdict).toBe(true);
        const ok = recheckUniformCircuit(cert, m, c);
        expect(problems(ok)).toBe('');
        expect(ok.summary).toMatch(new RegExp(`all 2\\^${c.nInputs} inputs`));
        const raised = forge(cert, (x) => (x.margins![3] = x.margins![3]! + 0.25));
        expect(problems(recheckUniformCircuit(raised, m, c))).toMatch(/the certificate records margin .*, but the re-check finds/);
        const flipped = forge(cert, (x) => (claim(x, 'all inputs').holds = false));
        expect(problems(recheckUniformCircuit(flipped, m, c))).toMatch(/the verdict true does not follow from the claims|all-inputs claim says false/);
        const both = forge(cert, (x) => {
          claim(x, 'all inputs').holds = false;
          x.verdict = false;
        });
        expect(problems(recheckUniformCircuit(both, m, c))).toMatch(/the all-inputs claim says false, but every recorded margin is positive/);
        const verdict = forge(cert, (x) => (x.verdict = false));
        expect(problems(recheckUniformCircuit(verdict, m, c))).toMatch(/the verdict false does not follow/);
        const model = forge(cert, (x) => (x.model_hash = '0'.repeat(64)));
        expect(problems(recheckUniformCircuit(model, m, c))).toMatch(/the certificate is for model 000000000000/);
        const hash = forge(cert, (x) => (x.circuit_hash = 'f'.repeat(64)));
        expect(problems(recheckUniformCircuit(hash, m, c))).toMatch(/the certificate is for circuit ffffffffffff/);
        const edited = { ...cert, verdict: true, seconds: 1 };
        expect(problems(recheckUniformCircuit(edited, m, c))).toMatch(/altered after it was written/);
      });
    }
  }

  it("rejects another circuit's certificate, and an exact margin below the truth; recheck() needs the circuit", () => {
    const cert = certify(bindModel(u64, c17), 'fixed:2') as unknown as Cert;
    expect(recheck(cert, u64, c17).ok).toBe(true);
    expect(problems(recheck(cert, u64))).toMatch(/re-checked with its circuit/);
    expect(problems(recheckUniformCircuit(cert, u64, random))).toMatch(/the certificate is for circuit/);
    const lowered = forge(cert, (x) => (x.margins![2] = 0.25));
    expect(problems(recheckUniformCircuit(lowered, u64, c17))).toMatch(/records margin 0.25, the exact re-check/);
  });

  it('rejects a retrieval claim the dense attention contradicts, and a capacity that is not the model\'s', () => {
    // Key scale 10 (the default, 64, makes every f32 weight elsewhere exactly 0): the weight
    // elsewhere is about e^-20, and a certificate that records 0 understates it.
    const soft = compileUniform(16, { scale: 10 });
    const cert = certify(bindModel(soft, c17), 'f32') as unknown as Cert;
    const weight = forge(cert, (x) => (claim(x, 'retrieval lemma').evidence.max_weight_elsewhere = 0));
    expect(problems(recheckUniformCircuit(weight, soft, c17))).toMatch(/the certificate records at most 0 of weight elsewhere, the re-check \d/);
    // At the default scale the recorded bound is below f32's least subnormal (e^-128 per key, so
    // every such weight rounds to 0), and the re-check agrees with it.
    const oneHot = certify(bindModel(u16, c17), 'f32') as unknown as Cert;
    expect(claim(oneHot, 'retrieval lemma').evidence.max_weight_elsewhere).toBeLessThan(2 ** -150);
    expect(problems(recheckUniformCircuit(oneHot, u16, c17))).toBe('');
    const cap = forge(oneHot, (x) => (x.capacity = 17));
    expect(problems(recheckUniformCircuit(cap, u16, c17))).toMatch(/capacity 17/);
  });

  it('says when it samples the inputs instead of running all of them', () => {
    const cert = certify(bindModel(u64, random), 'fixed:2') as unknown as Cert;
    const r = recheckUniformCircuit(cert, u64, random, { maxExhaustive: 8, sample: 6 });
    expect(problems(r)).toBe('');
    expect(r.summary).toMatch(/SAMPLED: 6 of the 2\^5 inputs/);
  });

  it('accepts the honest NOT CERTIFIED certificate of a faulty model and rejects it forged as CERTIFIED', () => {
    // AND computes OR: c17 (NAND only) still runs right, but the gate lemma fails; the random
    // circuit (with AND gates) goes wrong
    const bad = compileUniform(64, { fault: 'swap-gate' });
    for (const c of [c17, random]) {
      const cert = certify(bindModel(bad, c), 'fixed:2') as unknown as Cert;
      expect(cert.verdict).toBe(false);
      expect(claim(cert, 'gate lemma').holds).toBe(false);
      expect(claim(cert, 'all inputs').holds).toBe(c === c17);
      expect(problems(recheckUniformCircuit(cert, bad, c))).toBe('');
      const forged = forge(cert, (x) => {
        for (const cl of x.claims) cl.holds = true;
        x.margins = x.margins!.map((y) => Math.max(y ?? 0.5, 0.5));
        x.verdict = true;
      });
      const p = problems(recheckUniformCircuit(forged, bad, c));
      expect(p).toMatch(/the gate-lemma claim holds in the certificate, but the re-check finds: AND on operand bits 1, 0: position 23 does not write '0'/);
      if (c === random) expect(p).toMatch(/records margin 0.5, but the re-check finds -?\d/);
    }
  });

  it("computes the CPU reference's logits exactly on the reference sequences (f32, fixed:2)", () => {
    const b = bindModel(u16, c17);
    for (const a of ['f32', 'fixed:2']) {
      const net = new DenseNet(u16, checkArith(a));
      for (const x of [0, 13, 31]) {
        const bits = Uint8Array.from({ length: 5 }, (_, k) => (x >> k) & 1);
        const tokens = sequenceOf(c17, u16.vocab, bits);
        expect(Array.from(tokens)).toEqual(Array.from(referenceSequences(b, [bits])[0]!));
        const pass = net.run(tokens);
        const st = new CpuStepper(prepare(u16, parseArith(a)), 1, tokens.length);
        const ref = new Float64Array(u16.vocab.length);
        for (let p = 0; p < tokens.length; p++) {
          st.step(p, [tokens[p]!], ref);
          expect(Array.from(net.logits(pass, p), (v) => v + 0)).toEqual(Array.from(ref, (v) => v + 0)); // +0 for -0
        }
      }
    }
  });
});

describe('check-cert: all-circuits certificates', () => {
  for (const [N, m] of [[16, u16], [64, u64]] as const) {
    it(`accepts the fixed:2 certificate of capacity ${N} and rejects forgeries`, () => {
      const cert = certifyAllCircuits(m, 'fixed:2') as unknown as Cert;
      expect(cert.verdict).toBe(true);
      const ok = recheckAllCircuits(cert, m);
      expect(problems(ok)).toBe('');
      expect(ok.summary).toMatch(/output layer holds/);
      const flipped = forge(cert, (x) => {
        claim(x, 'heads').holds = false;
        x.verdict = false;
      });
      expect(problems(recheckAllCircuits(flipped, m))).toMatch(/the certificate says heads does not hold; the re-check finds it holds/);
      const cap = forge(cert, (x) => (x.capacity = N * 2));
      expect(problems(recheckAllCircuits(cap, m))).toMatch(new RegExp(`capacity ${N * 2}`));
      const margin = forge(cert, (x) => (claim(x, 'output layer').evidence.min_margin = 1));
      expect(problems(recheckAllCircuits(margin, m))).toMatch(/output-layer margin of 1, the re-check 0.5/);
      const verdict = forge(cert, (x) => (x.verdict = false));
      expect(problems(recheckAllCircuits(verdict, m))).toMatch(/the verdict false does not follow/);
      expect(problems(recheckAllCircuits(cert, m === u16 ? u64 : u16))).toMatch(/the certificate is for model/);
    });
  }

  for (const [fault, failing] of [['swap-gate', 'embeddings'], ['off-by-one', 'heads'], ['weak-scale', 'heads']] as const) {
    it(`${fault}: the honest NOT CERTIFIED certificate stands; forged as CERTIFIED it is rejected (${failing})`, () => {
      const bad = compileUniform(16, { fault });
      const cert = certifyAllCircuits(bad, 'fixed:2') as unknown as Cert;
      expect(cert.verdict).toBe(false);
      expect(problems(recheckAllCircuits(cert, bad))).toBe('');
      const forged = forge(cert, (x) => {
        for (const cl of x.claims) {
          cl.holds = true;
          if (cl.claim === 'output layer') cl.evidence = { min_margin: 0.5 };
        }
        x.verdict = true;
      });
      const p = problems(recheckAllCircuits(forged, bad));
      expect(p).toMatch(new RegExp(`the certificate says ${failing} holds; the re-check finds`));
      expect(p).toMatch(/the verdict is true but the re-check finds a block lemma that fails/);
    });
  }
});

describe('gatecot check-cert with uniform models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-ccu-'));
  const model = join(dir, 'u16.safetensors');
  writeFileSync(model, modelToBytes(u16));
  const circuit = join(dir, 'c17.gc');
  writeFileSync(circuit, writeCircuit(c17, 'gc'));

  it('re-checks a per-circuit certificate (needs --circuit) and an all-circuits one (refuses --circuit)', async () => {
    const cert = join(dir, 'c17.json');
    expect((await cli('certify', model, '--circuit', circuit, '--arith', 'fixed:2', '-o', cert)).code).toBe(0);
    const ok = await cli('check-cert', cert, model, '--circuit', circuit);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^check-cert: OK: uniform model \(capacity 16\), circuit c17 .* all 2\^5 inputs/);
    const missing = await cli('check-cert', cert, model);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/give that circuit with --circuit FILE/);
    const other = join(dir, 'other.gc');
    writeFileSync(other, writeCircuit(random, 'gc'));
    const wrong = await cli('check-cert', cert, model, '--circuit', other);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/^check-cert: REJECTED\n {2}the certificate is for circuit/);

    const all = join(dir, 'all.json');
    expect((await cli('certify', model, '--all-circuits', '--arith', 'fixed:2', '-o', all)).code).toBe(0);
    const allOk = await cli('check-cert', all, model);
    expect(allOk.code).toBe(0);
    expect(allOk.stdout).toMatch(/^check-cert: OK: uniform model, capacity 16 .* every circuit of at most 16 wires/);
    const extra = await cli('check-cert', all, model, '--circuit', circuit);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/all-circuits certificate .*: give no --circuit/);
  });

  it('refuses --circuit for a positional model', async () => {
    const pos = join(dir, 'c17.safetensors');
    const cert = join(dir, 'c17p.json');
    expect((await cli('compile', circuit, '-o', pos)).code).toBe(0);
    expect((await cli('certify', pos, '-o', cert)).code).toBe(0);
    expect((await cli('check-cert', cert, pos)).code).toBe(0);
    const r = await cli('check-cert', cert, pos, '--circuit', circuit);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--circuit goes with a uniform model/);
  });
});
