// Slow (minutes): `npm run test:slow`. The paper-exact fixed:2 verification of a 5000-gate
// random circuit with the 4-token CoT (S = 20017) on the CPU reference.
import { expect, it } from 'vitest';
import { generate } from '../../circuits/gen/index.js';
import { compile } from '../../compiler/index.js';
import { CpuEngine, sampleInputs, verifyModel } from '../../runtime/index.js';
import { bindModel } from '../../model/index.js';

it('5000 gates, 4tok, fixed:2', async () => {
  const c = generate('random', { gates: '5000', inputs: '16', seed: '5000', locality: '0.5' });
  const m = compile(c, { cot: '4tok' });
  const r = await verifyModel(bindModel(m), new CpuEngine(m, 'fixed:2'), sampleInputs(16, 1, 5n));
  expect(r.ok).toBe(true);
}, 1_800_000);
