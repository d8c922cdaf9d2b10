// Slow (about 3 minutes on lavapipe, most of it llvmpipe compiling): `npm run test:slow`. The CPU
// attention kernel on the uniform model's heads (per-input keys, wide values, each head its own
// queries per lane) at the lane count gatecot picks for the machine (16 where the CPU has
// AVX-512: this file does not take the 8 lanes that vitest.config.ts sets), against the CPU
// reference: every argmax, every logit within 1e-4 relative.
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from '../../circuits/gen/index.js';
import { compileUniform } from '../../compiler/index.js';
import { bindModel } from '../../model/index.js';
import { referenceSequences, sampleInputs } from '../../runtime/index.js';
import { WebGpuEngine } from '../../runtime/webgpu/index.js';
import { gpuOrSkip } from '../fixtures/gpu.js';
import { agree } from '../fixtures/webgpu-agree.js';

const ctx = await gpuOrSkip('WebGPU CPU-kernel wide heads', { wantF16: true, machineWidth: true });
afterAll(() => ctx?.destroy());
const suite = ctx?.subgroupSize ? describe : describe.skip;

suite('the CPU kernel on the uniform model', () => {
  it('per-input heads and wide values, each head its own queries per lane', async () => {
    const m = compileUniform(64);
    const cc = generate('random', { gates: '30', inputs: '6', seed: '5', locality: '0.5' });
    const b = bindModel(m, cc);
    const seqs = referenceSequences(b, sampleInputs(cc.nInputs, 2, 4n).slice(0, 2));
    // The kernel the engine picks by default on this adapter is the CPU kernel; agree() runs it.
    const eng = await WebGpuEngine.create(m, 'f32', { context: ctx! });
    expect(eng.attentionKernel()).toBe('cpu');
    eng.dispose();
    await agree(ctx!, m, seqs, [], { generate: false });
  }, 1_800_000);
});
