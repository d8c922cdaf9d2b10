// check-cert's own outward enclosure (proofs/check/outward.ts) of f32 certificates made with
// --rounding outward: honest certificates of c17 and c432 (4tok and gate CoT) re-check with the
// checker's own least outward margin reported; margins raised above the truth are rejected; a
// claim that all inputs hold stands only where the checker's own bounds are all positive (a model
// at the edge, key scale 1.40296, where round-to-nearest holds and the enclosure does not); the
// --scale 1e10 model, whose certificate fails only because the certifier's enclosure overflows,
// re-checks consistently. The enclosure itself is checked against real leads: the CPU reference in
// f32 and f64 and the WebGPU engine (tiled online softmax) when an adapter exists.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCircuitText, type Circuit } from '../circuits/index.js';
import { compile, type CotFormat } from '../compiler/index.js';
import { bindModel, modelFromBytes, modelToBytes, type Model, type PositionalMeta } from '../model/index.js';
import { certificateDigest, checkArith, recheck, recomputeMargins } from '../proofs/check/index.js';
import { outwardMargins } from '../proofs/check/outward.js';
import { certify } from '../proofs/index.js';
import { CpuEngine, type Engine } from '../runtime/index.js';
import { WebGpuEngine } from '../runtime/webgpu/index.js';
import { cli } from './cli-helpers.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { realLeads } from './fixtures/leads.js';
import { loadShared, shared } from './shared.js';

const gpu = await gpuOrSkip('WebGPU leads against the checker\'s outward enclosure');
afterAll(() => gpu?.destroy());

type Cert = Record<string, unknown> & { claims: { claim: string; holds: boolean; evidence: Record<string, unknown>; failure?: unknown }[]; margins: (number | null)[]; verdict: boolean };

const model = (c: Circuit, cot: CotFormat, scale?: number): Model => modelFromBytes(modelToBytes(compile(c, { cot, ...(scale !== undefined ? { scale } : {}) })));
const circuitOf = (m: Model): Circuit => parseCircuitText((m.meta as PositionalMeta).circuit, { format: 'gc', name: (m.meta as PositionalMeta).circuit_name });
const certOf = (m: Model): Cert => JSON.parse(JSON.stringify(certify(bindModel(m), 'f32'))) as Cert;
const allInputs = (c: Cert) => c.claims.find((x) => x.claim === 'all inputs')!;
const least = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);

/** A copy of the certificate edited by `edit`, with a fresh digest (a careful forger). */
function forge(cert: Cert, edit: (c: Cert) => void): Cert {
  const c = JSON.parse(JSON.stringify(cert)) as Cert;
  edit(c);
  c.digest = certificateDigest(c);
  return c;
}

/** A forger's all-inputs claim: `margins` recorded, the claim and verdict true, the evidence consistent. */
const claimAll = (margins: number[]) => (f: Cert) => {
  f.margins = margins;
  f.claims.forEach((x) => {
    x.holds = true;
    delete x.failure;
  });
  allInputs(f).evidence.min_margin = least(margins);
  f.verdict = true;
};

const c17 = loadShared('iscas85/c17.bench');
const c432 = loadShared('iscas85/c432.bench');

describe('check-cert re-derives the f32 outward enclosure', () => {
  for (const [name, c, cot] of [['c17 4tok', c17, '4tok'], ['c17 gate', c17, 'gate'], ['c432 4tok', c432, '4tok'], ['c432 gate', c432, 'gate']] as const) {
    it(`${name}: the honest certificate re-checks, the checker's own least outward margin is positive and reported`, () => {
      const m = model(c, cot);
      const cert = certOf(m);
      expect(allInputs(cert).evidence.rounding).toBe('outward');
      expect(cert.verdict).toBe(true);
      const t0 = performance.now();
      const r = recheck(cert, m);
      const seconds = (performance.now() - t0) / 1000;
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.outwardMinMargin).toBeGreaterThan(0.45);
      expect(r.outwardMinMargin!).toBeLessThanOrEqual(r.minMargin!);
      expect(r.certMinMargin).toBe(least(cert.margins as number[]));
      expect(r.summary).toContain(`${r.outwardMinMargin} by the checker's own outward enclosure`);
      expect(r.summary).toContain('the all-inputs claim stands on the checker\'s own bounds');
      // the checker's bounds lie below the exact round-to-nearest margins, position by position
      const own = outwardMargins(m, circuitOf(m));
      const near = recomputeMargins(m, circuitOf(m), checkArith('f32'));
      own.margins.forEach((x, k) => expect(x).toBeLessThanOrEqual(near.margins[k]!));
      console.log(`${name}: S ${(m.meta as PositionalMeta).seq_len}, least margin: nearest ${r.minMargin}, checker's outward ${r.outwardMinMargin}, certificate ${r.certMinMargin}; re-check ${seconds.toFixed(2)} s`);
      expect(seconds).toBeLessThan(20);
    });
  }

  it('rejects margins raised above the truth (fresh digest), and a claim the checker\'s own bounds do not support', () => {
    const m = model(c432, 'gate');
    const cert = certOf(m);
    const near = recomputeMargins(m, circuitOf(m), checkArith('f32')).margins;
    // one margin just above the exact round-to-nearest margin
    const raised = forge(cert, (f) => {
      f.margins[40] = near[40]! + 1e-6;
    });
    expect(recheck(raised, m).problems.join(' ')).toMatch(/position \d+: the certificate records margin [\d.]+, but at most [\d.]+ holds/);
    // every margin raised, the evidence made consistent
    const all = forge(cert, claimAll(near.map((x) => x + 0.01)));
    expect(recheck(all, m).ok).toBe(false);
    // the evidence's figures are bounds too: no weight elsewhere is less than the exact weight there
    const weights = forge(cert, (f) => (allInputs(f).evidence.outward_max_weight_elsewhere = 0));
    expect(recheck(weights, m).problems.join(' ')).toMatch(/the outward evidence bounds the weight elsewhere by 0, below the exact [\d.e-]+/);
  });

  it('a model at the edge: round to nearest holds everywhere, the outward enclosure does not; a forged all-inputs claim is rejected', () => {
    // key scale 1.40296: the attention is far from one-hot, every round-to-nearest margin is
    // positive (least 2.7e-5), and the checker's outward bound at one position is -2.7e-5
    const m = model(c17, '4tok', 1.40296);
    const c = circuitOf(m);
    const near = recomputeMargins(m, c, checkArith('f32')).margins;
    const own = outwardMargins(m, c);
    expect(least(near)).toBeGreaterThan(0);
    expect(least(near)).toBeLessThan(1e-4);
    expect(least(own.margins)).toBeLessThan(0);
    expect(own.failure?.detail).toMatch(/^position \d+ \(writing position \d+\): '.+' has logit >= /);
    // the honest certificate says the claim fails: consistent (its looser margins are warnings)
    const cert = certOf(m);
    expect(cert.verdict).toBe(false);
    const honest = recheck(cert, m);
    expect(honest.problems).toEqual([]);
    expect(honest.ok).toBe(true);
    expect(honest.outwardMinMargin).toBeLessThan(0);
    // a forger records the exact round-to-nearest margins (none above the truth) and claims all inputs
    const forged = forge(cert, claimAll(near));
    const problems = recheck(forged, m).problems.join(' ');
    expect(problems).toMatch(/the all-inputs claim holds in the certificate, but the checker's own outward enclosure gives no positive bound at \d+ position\(s\), first position \d+/);
  });

  it('--scale 1e10: the certifier\'s enclosure overflows (verdict false), the certificate re-checks consistently, and the checker\'s own enclosure holds', () => {
    const m = model(c17, '4tok', 1e10);
    const cert = certOf(m);
    expect(cert.verdict).toBe(false);
    expect(allInputs(cert).holds).toBe(false);
    expect(cert.margins.every((x) => x === null)).toBe(true); // not finite numbers: written as null
    const r = recheck(cert, m);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.certMinMargin).toBeNull();
    // the scores are ~6e10 apart, their binary32 rounding ~1e4: the checker's own bounds are positive
    expect(r.outwardMinMargin).toBeGreaterThan(0.49);
    expect(r.warnings?.join(' ')).toMatch(/does not claim all inputs, but the checker's own outward enclosure bounds every position's margin below by 0\.49/);
    // so an all-inputs claim with margins no higher than the checker's own bounds is true, and stands
    const own = outwardMargins(m, circuitOf(m)).margins;
    expect(recheck(forge(cert, claimAll(own)), m).ok).toBe(true);
    // erased margins need a failing claim that says why
    const unexplained = forge(cert, (f) => delete allInputs(f).failure);
    expect(recheck(unexplained, m).problems.join(' ')).toMatch(/position \d+: the certificate records no margin/);
  });

  it('check-cert prints the checker\'s own least outward margin with the certificate\'s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecot-outward-'));
    const file = join(dir, 'c17.safetensors');
    const certFile = join(dir, 'c17.cert.json');
    expect((await cli('compile', shared('iscas85/c17.bench'), '-o', file)).code).toBe(0);
    expect((await cli('certify', file, '-o', certFile)).code).toBe(0);
    const ok = await cli('check-cert', certFile, file);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^check-cert: OK: .*least margin: 0\.5 round to nearest .*, 0\.49\d+ by the checker's own outward enclosure of every binary32 evaluation order, 0\.49\d+ in the certificate/);
    // a forged certificate (raised margins, fresh digest) is refused with exit 1
    const cert = JSON.parse(readFileSync(certFile, 'utf8')) as Cert;
    writeFileSync(certFile, JSON.stringify(forge(cert, claimAll(cert.margins.map(() => 0.6)))));
    const bad = await cli('check-cert', certFile, file);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/REJECTED[\s\S]*the certificate records margin 0\.6, but at most 0\.5 holds/);
  });
});

describe('the checker\'s outward enclosure bounds real evaluations', () => {
  for (const [name, c, cot, scale] of [['c17 4tok', c17, '4tok', undefined], ['c17 4tok, key scale 1.6 (soft attention)', c17, '4tok', 1.6], ['c432 gate', c432, 'gate', undefined]] as const) {
    it(`${name}: every outward bound is at most the real lead in f32 and f64 on the CPU and on WebGPU`, async () => {
      const m = model(c, cot, scale);
      const own = outwardMargins(m, circuitOf(m));
      expect(own.failure).toBeUndefined();
      const engines: Engine[] = [new CpuEngine(m, 'f32'), new CpuEngine(m, 'f64')];
      if (gpu) engines.push(await WebGpuEngine.create(m, 'f32', { context: gpu }));
      for (const e of engines) {
        const lead = await realLeads(m, c, e, c.nInputs <= 5 ? 32 : 16);
        // logits come back as float32: allow their storage rounding
        own.margins.forEach((x, k) => expect(lead[k]!, `${e.backend} ${e.arith} position ${k}`).toBeGreaterThanOrEqual(x - 1e-6));
      }
      for (const e of engines) e.dispose();
    });
  }
});
