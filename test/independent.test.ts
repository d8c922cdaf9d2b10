// A model written by `gatecot compile` and run by scripts written only from
// docs/model-format.md (no gatecot code: plain JS, and Python + numpy) reproduces gatecot's tokens.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCircuitFile } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, modelToBytes, type CotFormat } from '../compiler/index.js';
import { CpuEngine, promptOf, sampleInputs } from '../runtime/index.js';
import { repoRoot, shared } from './shared.js';
import { bindModel } from '../model/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gatecot-indep-'));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;
if (!hasNumpy) console.log('independent.test: python3 with numpy not found: the Python runner is skipped (the JS runner still runs)');

function runScript(cmd: string, script: string, model: string, bits: string): { tokens: number[]; outputs: string } {
  const r = spawnSync(cmd, [join(repoRoot, 'scripts', 'independent', script), model, '--bits', bits], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const [t, o] = r.stdout.trim().split('\n');
  return { tokens: t!.replace(/^tokens: /, '').split(' ').map(Number), outputs: o!.replace(/^outputs: /, '') };
}

const circuits = [
  ['c432', () => { const r = readCircuitFile(shared('iscas85/c432.bench')); if (!r.ok) throw r.error; return r.value; }],
  ['multiplier4', () => generate('multiplier', { width: '4' })],
  ['random', () => generate('random', { gates: '150', inputs: '12', seed: '5', mix: 'AND=2,OR=2,XOR=2,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1' })],
] as const;

describe('independent runners reproduce gatecot', () => {
  for (const [name, make] of circuits) {
    for (const cot of ['gate', '4tok'] as CotFormat[]) {
      it(`${name} ${cot}`, async () => {
        const c = make();
        const m = compile(c, { cot });
        const path = join(dir, `${name}-${cot}.safetensors`);
        writeFileSync(path, modelToBytes(m));
        const inputs = sampleInputs(c.nInputs, 1, 9n);
        const ours = await new CpuEngine(m, 'f32').generate(inputs.map((x) => promptOf(bindModel(m), x)), m.meta.cot_length);
        inputs.forEach((x, b) => {
          const bits = Array.from(x).join('');
          const js = runScript(process.execPath, 'run.mjs', path, bits);
          expect(js.tokens).toEqual(Array.from(ours[b]!));
          if (hasNumpy) expect(runScript('python3', 'run.py', path, bits).tokens).toEqual(Array.from(ours[b]!));
        });
      });
    }
  }
});
