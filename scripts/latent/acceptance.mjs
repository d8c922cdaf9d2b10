// The acceptance run of the latent models (issue "Looped transformers"): looped, looped-cot and
// deep models of every ISCAS-85 circuit, the 64-bit Bristol circuits, random circuits and the four
// task families, verified against direct evaluation (the argmax at EVERY wire position) on the
// CPU reference (f32 and fixed:2) and, when given --webgpu, on the WebGPU engine (f32). A dense
// looped run costs about passes x heads x S^2/2 x inputs multiply-adds (S = wires + 1; passes =
// depth, or the gate count for looped-cot); a row above --budget (default 2e10) is reported as
// skipped with its cost, never silently dropped.
// Usage (after npm run build): node scripts/latent/acceptance.mjs [--webgpu | --webgpu-only] [--budget X] [--fixed-budget X] [--only NAME,..] [--kinds looped,deep,looped-cot] [--arith f32,fixed:2]
// The cost is an upper bound for looped and deep models: their position-only heads' softmax weights
// are computed once per score group and reused by every pass (runtime/cpu/score-groups.ts), so
// only the weighted sums over the values are paid per pass.
// The CPU f32 rows run on the fast f32 kernel (createEngine's default: the reference's numbers bit
// for bit), the fixed:2 rows on the CPU reference.
import { bristol, iscas85 } from '../lib/shared-circuits.mjs';
import { generate } from '../../dist/circuits/gen/index.js';
import { circuitDepth, compileLatent } from '../../dist/compiler/index.js';
import { bindCompiled } from '../../dist/model/index.js';
import { createEngine, sampleInputs, verifyModel } from '../../dist/runtime/index.js';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const budget = Number(opt('--budget', '2e10'));
// --fixed-budget X: the budget of the fixed:2 rows (default: --budget). fixed:s runs on the CPU
// reference's rounded loop, one rounding per multiply-add, some 20x slower than the fast f32 kernel.
const fixedBudget = Number(opt('--fixed-budget', String(budget)));
const only = opt('--only', undefined)?.split(',');
const webgpu = args.includes('--webgpu') || args.includes('--webgpu-only');
const cpuRows = !args.includes('--webgpu-only');
const circuits = [
  ...iscas85(),
  ...bristol(['adder64', 'sub64', 'neg64', 'zero_equal', 'mult64', 'mult2_64', 'divide64', 'udivide64']),
  generate('random', { gates: '300', inputs: '24', seed: '1' }),
  generate('random', { gates: '1000', inputs: '64', seed: '2', locality: '0.5' }),
  generate('random', { gates: '500', inputs: '40', seed: '3', mix: 'AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1', outputs: '16' }),
  generate('modadd', { count: '16' }),
  generate('s5', { count: '4' }),
  generate('s5', { count: '8', tree: 'true' }),
  generate('itersq', { p: '101', k: '2' }),
  ...Array.from({ length: 10 }, (_, i) => generate('cvp-instance', { gates: String(20 * (i + 1)), seed: String(i + 1) })),
].filter((c) => !only || only.includes(c.name));

const KINDS = opt('--kinds', 'looped,deep,looped-cot').split(',');
const ARITHS = opt('--arith', 'f32,fixed:2').split(',');
const runs = [
  ...(cpuRows ? [['cpu', 'f32', 4], ['cpu', 'fixed:2', 2]].filter(([, a]) => ARITHS.includes(a)) : []),
  ...(webgpu ? [['webgpu', 'f32', 16]] : []),
];
let checks = 0;
let fails = 0;
let skipped = 0;
for (const c of circuits) {
  const W = c.nInputs + c.ops.length;
  const D = circuitDepth(c);
  for (const kind of KINDS) {
    const passes = kind === 'looped-cot' ? c.ops.length : D;
    const heads = kind === 'looped-cot' ? 3 : 2;
    for (const [backend, arith, samples] of runs) {
      const inputs = sampleInputs(c.nInputs, samples, 1n);
      const cost = passes * heads * ((W + 1) ** 2 / 2) * inputs.length;
      const label = `${c.name} (${c.nInputs} inputs, ${c.ops.length} gates, depth ${D}) ${kind} ${backend} ${arith}`;
      const limit = arith.startsWith('fixed') ? fixedBudget : budget;
      if (cost > limit) {
        skipped++;
        console.log(`skip ${label}: ${cost.toExponential(1)} multiply-adds of dense attention > budget ${limit.toExponential(0)}`);
        continue;
      }
      const m = compileLatent(c, kind);
      const { engine } = await createEngine(m, backend, arith);
      try {
        const r = await verifyModel(bindCompiled(m, c), engine, inputs);
        checks++;
        if (!r.ok) fails++;
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${label}: ${r.inputs_tested} inputs, ${r.positions_checked} wire positions, ${r.mismatches} mismatches, ${passes} ${kind === 'deep' ? 'layers' : 'loops'}, ${r.seconds.toFixed(1)} s${r.first ? ` — ${r.first.gateLabel}` : ''}`);
      } finally {
        engine.dispose();
      }
    }
  }
}
console.log(`${checks} checks, ${fails} failed, ${skipped} skipped over the budget`);
process.exit(fails ? 1 : 0);
