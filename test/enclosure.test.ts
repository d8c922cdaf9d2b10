// The outward-rounded f32 enclosure (proofs/enclosure.ts): its per-position margins are lower
// bounds on the lead of the right token's logit over every other, for every input, in every
// binary32 evaluation it covers. Checked here against three real evaluations that differ in
// rounding and summation order: the CPU reference in f32 and in f64, and the WebGPU engine
// (tiled online softmax, its own summation order) when an adapter exists.

import { afterAll, describe, expect, it } from 'vitest';
import type { Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, type CotFormat, type Model } from '../compiler/index.js';
import { certContext, certify, enclosureSweep, fastSweep } from '../proofs/index.js';
import type { Engine } from '../runtime/index.js';
import { CpuEngine, referenceSequences, sampleInputs } from '../runtime/index.js';
import { WebGpuEngine } from '../runtime/webgpu/index.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { loadShared } from './shared.js';
import { bindModel } from '../model/index.js';

const gpu = await gpuOrSkip('WebGPU enclosure test');
afterAll(() => gpu?.destroy());

/** Least lead of the reference token at each CoT position over the inputs, from real logits. */
async function leads(m: Model, c: Circuit, engine: Engine, n: number): Promise<Float64Array> {
  const b = bindModel(m);
  const seqs = referenceSequences(b, sampleInputs(c.nInputs, n, 5n).slice(0, n));
  const { logits } = await engine.forward(seqs, { logits: true });
  const V = m.vocab.length;
  const P = b.seq.promptLength;
  const out = new Float64Array(b.seq.seqLen - P).fill(Infinity);
  seqs.forEach((seq, b) => {
    for (let p = P - 1; p < seq.length - 1; p++) {
      const want = seq[p + 1]!;
      let rival = -Infinity;
      for (let v = 0; v < V; v++) if (v !== want) rival = Math.max(rival, logits![b]![p * V + v]!);
      out[p - (P - 1)] = Math.min(out[p - (P - 1)]!, logits![b]![p * V + want]! - rival);
    }
  });
  return out;
}

const cases: [string, () => Circuit, CotFormat][] = [
  ['c432 4tok', () => loadShared('iscas85/c432.bench'), '4tok'],
  ['random 400 gates, gate CoT', () => generate('random', { gates: '400', inputs: '24', seed: '31' }), 'gate'],
];

describe('outward-rounded f32 enclosure', () => {
  for (const [name, load, cot] of cases) {
    it(`${name}: the margins bound the real leads in f32, f64 and on WebGPU, and lie below the nearest-rounding margins`, async () => {
      const c = load();
      const m = compile(c, { cot });
      const ctx = certContext(bindModel(m), 'f32');
      const enc = enclosureSweep(ctx);
      expect(enc.supported).toBe(true);
      expect(enc.failure).toBeUndefined();
      const nearest = fastSweep(ctx).margins;
      for (let k = 0; k < enc.margins.length; k++) {
        expect(enc.margins[k]).toBeGreaterThan(0.4);
        expect(enc.margins[k]).toBeLessThanOrEqual(nearest[k]! + 1e-12);
      }
      const engines: Engine[] = [new CpuEngine(m, 'f32'), new CpuEngine(m, 'f64')];
      if (gpu) engines.push(await WebGpuEngine.create(m, 'f32', { context: gpu }));
      for (const e of engines) {
        const lead = await leads(m, c, e, 16);
        // logits come back as float32: allow their storage rounding
        for (let k = 0; k < enc.margins.length; k++) expect(lead[k]!, `${e.backend} ${e.arith} position ${k}`).toBeGreaterThanOrEqual(enc.margins[k]! - 1e-6);
      }
      for (const e of engines) e.dispose();
    });
  }
  it('certify --arith f32 records the outward margins and says so; nearest on request', () => {
    const c = generate('random', { gates: '120', inputs: '10', seed: '8' });
    const m = compile(c, { cot: '4tok' });
    const out = certify(bindModel(m), 'f32');
    const near = certify(bindModel(m), 'f32', { rounding: 'nearest' });
    const claim = (x: typeof out) => x.claims.find((k) => k.claim === 'all inputs')!;
    expect(claim(out).evidence.rounding).toBe('outward');
    expect(claim(near).evidence.rounding).toBe('nearest');
    expect(out.verdict && near.verdict).toBe(true);
    out.margins.forEach((x, k) => expect(x!).toBeLessThanOrEqual(near.margins[k]!));
    expect(certify(bindModel(m), 'fixed:2').claims.find((k) => k.claim === 'all inputs')!.evidence.rounding).toBe('exact');
  });
  it('a weak attention scale fails the enclosure with the position named', () => {
    const c = generate('random', { gates: '60', inputs: '8', seed: '3' });
    const m = compile(c, { cot: 'gate', fault: 'weak-scale' });
    const enc = enclosureSweep(certContext(bindModel(m), 'f32'));
    expect(enc.failure?.position).toBeGreaterThanOrEqual(m.meta.prompt.length - 1);
  });
});
