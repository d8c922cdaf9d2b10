// Benchmark (not a test): parse and compile bristol/sha256.txt (gate and 4tok CoT), with time and
// memory, then random circuits of growing size to show that compile time and memory grow
// linearly with the circuit. Usage: npm run bench:compile [-- FILE]

import { readCircuitFile } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile } from '../compiler/index.js';
import { modelToBytes, type CotFormat, type Model, type PositionalMeta } from '../model/index.js';
import { sharedPath } from './paths.js';

const mib = (x: number) => (x / 2 ** 20).toFixed(0);
const weightBytes = (m: Model) => m.posEmb.byteLength + m.tokEmb.byteLength + m.unembed.byteLength;

const file = process.argv[2] ?? sharedPath('bristol/sha256.txt');
let t0 = performance.now();
const r = readCircuitFile(file);
if (!r.ok) {
  console.error(r.error.message);
  process.exit(2);
}
const c = r.value;
console.log(`parse ${file}: ${c.ops.length} gates in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
for (const cot of ['gate', '4tok'] as CotFormat[]) {
  t0 = performance.now();
  const m = compile(c, { cot });
  const tc = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const bytes = modelToBytes(m);
  const ts = (performance.now() - t0) / 1000;
  console.log(
    `${cot.padEnd(4)}: S ${(m.meta as PositionalMeta).seq_len}, d_model ${m.d}: compile ${tc.toFixed(2)} s (goal < 5 s), serialize ${ts.toFixed(2)} s, ` +
      `weights ${mib(weightBytes(m))} MiB, file ${mib(bytes.length)} MiB, rss ${mib(process.memoryUsage().rss)} MiB`,
  );
}

console.log('\nrandom circuits, 4tok CoT: time and memory per gate stay flat (linear growth)');
console.log('gates      S          compile s  µs/gate  weights MiB  bytes/gate');
for (const T of [1_000, 10_000, 100_000, 400_000]) {
  const circuit = generate('random', { gates: String(T), inputs: '64', seed: '1' });
  t0 = performance.now();
  const m = compile(circuit, { cot: '4tok' });
  const t = (performance.now() - t0) / 1000;
  const w = weightBytes(m);
  console.log(`${String(T).padEnd(10)} ${String((m.meta as PositionalMeta).seq_len).padEnd(10)} ${t.toFixed(3).padEnd(10)} ${((t * 1e6) / T).toFixed(2).padEnd(8)} ${mib(w).padEnd(12)} ${(w / T).toFixed(0)}`);
}
