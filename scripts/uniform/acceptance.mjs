// The acceptance run of the uniform model (issue "circuit in the prompt"), in one process so that
// the model is read once and each engine compiles its kernels once: ONE file of capacity 8192
// verified against direct evaluation on every ISCAS-85 circuit, the 64-bit Bristol circuits that
// fit, random circuits, 100 CVP instances and the four task families; f32 on WebGPU (16 inputs) and
// on the CPU (the fast f32 kernel; the same inputs), the paper's fixed:2 on the CPU reference for
// circuits of at most 600 wires and by certificate (every input) above; the file's sha256 before
// and after. Usage (after npm run build): node scripts/uniform/acceptance.mjs [OUT_DIR] [--resume LOG]
// (--resume: skip the rows that an earlier run of the same file reported `ok` in LOG, so that a run
// interrupted after hours goes on where it stopped; the earlier LOG's rows count as that run's).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bristol, iscas85 } from '../lib/shared-circuits.mjs';
import { generate } from '../../dist/circuits/gen/index.js';
import { compileUniform } from '../../dist/compiler/index.js';
import { bindModel, modelFromBytes, modelToBytes } from '../../dist/model/index.js';
import { certify } from '../../dist/proofs/index.js';
import { CpuEngine, FastCpuEngine, WebGpuEngine, sampleInputs, verifyModel } from '../../dist/runtime/index.js';

const args = process.argv.slice(2);
const resumeAt = args.indexOf('--resume');
const resumeLog = resumeAt >= 0 ? args.splice(resumeAt, 2)[1] : undefined;
// --phases webgpu,cpu,fixed,cert (default all) and --cpu-max-wires N (CPU f32 rows only for
// circuits of at most N wires: the CPU reference takes about S^2 x heads per input), so that the
// phases can run as separate processes and a long run can be cut to what the machine allows.
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const phases = new Set((opt('--phases') ?? 'webgpu,cpu,fixed,cert').split(','));
const cpuMaxWires = Number(opt('--cpu-max-wires') ?? Infinity);
const cpuKernel = opt('--cpu-kernel') ?? 'fast';
const cpuSamples = opt('--cpu-samples');
// --big-samples K: random inputs (besides all-zeros and all-ones) on WebGPU for sequences over
// 8000 positions (default 14, as for the others): the uniform model's heads read the input, so
// every input costs a whole S^2 pass.
const bigSamples = Number(opt('--big-samples') ?? 14);
const done = new Set(
  resumeLog && existsSync(resumeLog)
    ? readFileSync(resumeLog, 'utf8').split('\n').filter((l) => l.startsWith('ok   ')).map((l) => rowKey(l.slice(5)))
    : [],
);
function rowKey(line) {
  const name = line.split(' ')[0];
  const m = /\) (\S+ \S+):/.exec(line) ?? /\) (fixed:\d+ certified)/.exec(line);
  return `${name} ${m ? m[1] : '?'}`;
}
const out = args[0] ?? '/tmp/gatecot-acceptance';
mkdirSync(out, { recursive: true });
const path = join(out, 'uni8192.safetensors');
if (!existsSync(path)) writeFileSync(path, modelToBytes(compileUniform(8192)));
const sha = () => createHash('sha256').update(readFileSync(path)).digest('hex');
const before = sha();
const model = modelFromBytes(readFileSync(path), path);
const circuits = [
  ...iscas85(),
  ...bristol(['adder64', 'sub64', 'neg64', 'zero_equal']),
  generate('random', { gates: '300', inputs: '24', seed: '1' }),
  generate('random', { gates: '2000', inputs: '64', seed: '2', locality: '0.5' }),
  generate('random', { gates: '3000', inputs: '100', seed: '3', mix: 'AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1', outputs: '32' }),
  generate('modadd', { count: '64' }),
  generate('s5', { count: '8' }),
  generate('itersq', { p: '101', k: '2' }),
  generate('cvp', { gates: '16' }),
  ...Array.from({ length: 100 }, (_, i) => generate('cvp-instance', { gates: String(10 + 5 * (i + 1)), seed: String(i + 1) })),
];
let runs = 0;
let fails = 0;
const report = (ok, line) => {
  runs++;
  if (!ok) fails++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
};
const wires = (c) => c.nInputs + c.ops.length;
async function verifyAll(engine, samples, which) {
  for (const c of circuits) {
    if (!which(c) || done.has(`${c.name} ${engine.arith} ${engine.backend}`)) continue;
    const b = bindModel(model, c);
    const inputs = sampleInputs(c.nInputs, typeof samples === 'function' ? samples(b.seq.seqLen) : samples, 1n);
    const r = await verifyModel(b, engine, inputs);
    report(r.ok, `${c.name} (${c.nInputs} inputs, ${c.ops.length} gates, S ${b.seq.seqLen}) ${engine.arith} ${engine.backend}: ${r.inputs_tested} inputs, ${r.positions_checked} positions, ${r.mismatches} mismatches, ${r.seconds.toFixed(1)} s`);
  }
}
if (phases.has('webgpu')) {
  const gpu = await WebGpuEngine.create(model, 'f32');
  try {
    await verifyAll(gpu, (S) => (S > 8000 ? bigSamples : 14), () => true);
  } finally {
    gpu.dispose();
  }
}
// f32 on the CPU: the fast kernel (WebAssembly SIMD and worker threads, the reference's numbers bit
// for bit: test/cpu-fast.test.ts), unless --cpu-kernel reference.
if (phases.has('cpu')) {
  const cpu = cpuKernel === 'reference' ? new CpuEngine(model, 'f32') : new FastCpuEngine(model);
  console.log(`# cpu f32 engine: ${cpu.description}`);
  // The same inputs as the WebGPU rows (16, or 2 + --big-samples over 8000 positions); --cpu-samples 0: all-zeros and all-ones only.
  await verifyAll(cpu, cpuSamples !== undefined ? Number(cpuSamples) : (S) => (S > 8000 ? bigSamples : 14), (c) => wires(c) <= cpuMaxWires);
}
if (phases.has('fixed')) await verifyAll(new CpuEngine(model, 'fixed:2'), 0, (c) => wires(c) <= 600);
for (const c of circuits.filter((x) => phases.has('cert') && wires(x) > 600 && !done.has(`${x.name} fixed:2 certified`))) {
  const cert = certify(bindModel(model, c), 'fixed:2');
  const m = cert.margins.filter((x) => x !== null);
  report(cert.verdict, `${c.name} (${c.nInputs} inputs, ${c.ops.length} gates, S ${cert.seq_len}) fixed:2 certified for every input: least margin ${Math.min(...m)} (${cert.seconds.toFixed(1)} s)`);
}
const after = sha();
console.log(`model sha256 before ${before}`);
console.log(`model sha256 after  ${after}`);
if (before !== after) report(false, 'the model file changed');
console.log(`${runs} checks, ${fails} failed${done.size ? ` (and ${done.size} rows reported ok in ${resumeLog})` : ''}`);
process.exit(fails ? 1 : 0);
