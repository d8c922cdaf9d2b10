// Slow (about 20 minutes on lavapipe): `npm run test:slow`. The WebGPU engine against the CPU
// reference (test/fixtures/webgpu-agree.ts) on every ISCAS-85 circuit in both CoT formats, on
// random circuits of 300 to 1200 gates, on the uniform model of capacity 256 bound to c17 (8
// inputs: the wide position-only heads share each score among fewer rows than a group), c432 and
// a random circuit, and in f16 (uniform c17; c432 and a random circuit in both formats). The
// default suite (test/webgpu.test.ts) runs a subset chosen to cover the same kernel shapes.
import { readdirSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import type { Circuit } from '../../circuits/index.js';
import { compileUniform, type CotFormat } from '../../compiler/index.js';
import { bindModel } from '../../model/index.js';
import { promptOf, referenceSequences, sampleInputs } from '../../runtime/index.js';
import { gpuOrSkip } from '../fixtures/gpu.js';
import { agree, agreeOn, random } from '../fixtures/webgpu-agree.js';
import { loadShared, shared } from '../shared.js';

const LONG = 1_800_000;
const ctx = await gpuOrSkip('WebGPU sweep', { wantF16: true });
afterAll(() => ctx?.destroy());
const suite = ctx ? describe : describe.skip;

suite('WebGPU = CPU reference on every ISCAS-85 circuit (f32)', () => {
  for (const f of readdirSync(shared('iscas85')).filter((x) => x.endsWith('.bench'))) {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      it(`${f} ${cot}`, async () => agreeOn(ctx!, loadShared(`iscas85/${f}`), cot, 2), LONG);
    }
  }
});

suite('WebGPU = CPU reference on random circuits (f32)', () => {
  for (const [T, n, seed, loc] of [[300, 20, 2, '0.5'], [700, 40, 3, '1'], [1200, 64, 4, '0']] as const) {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      it(`${T} gates, ${n} inputs, ${cot}`, async () => agreeOn(ctx!, random(T, n, seed, loc), cot, 3), LONG);
    }
  }
});

suite('WebGPU = CPU reference on the uniform model of capacity 256', () => {
  const m = compileUniform(256);
  const cases: [string, () => Circuit, number, 'f32' | 'f16'][] = [
    ['c17', () => loadShared('iscas85/c17.bench'), 8, 'f32'],
    ['c432', () => loadShared('iscas85/c432.bench'), 2, 'f32'],
    ['a random 200-gate circuit', () => random(200, 10, 7), 2, 'f32'],
    ['c17', () => loadShared('iscas85/c17.bench'), 2, 'f16'],
  ];
  for (const [name, make, n, arith] of cases) {
    it.skipIf(arith === 'f16' && !ctx?.hasF16)(`${name}, ${n} inputs, ${arith}`, async () => {
      const b = bindModel(m, make());
      const inputs = sampleInputs(b.circuit.nInputs, n, 5n).slice(0, n);
      await agree(ctx!, m, referenceSequences(b, inputs), inputs.map((x) => promptOf(b, x)), { arith });
    }, LONG);
  }
});

suite('WebGPU f16 = CPU reference in f16 emulation', () => {
  it.skipIf(!ctx?.hasF16)('c432 and a random circuit, both CoT formats', async () => {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      await agreeOn(ctx!, loadShared('iscas85/c432.bench'), cot, 3, { arith: 'f16' });
      await agreeOn(ctx!, random(400, 16, 9), cot, 2, { arith: 'f16' });
    }
  }, LONG);
});
