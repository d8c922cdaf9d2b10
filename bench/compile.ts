// Benchmark (not a test): parse and compile bristol/sha256.txt (4tok and gate CoT), with time and
// memory, to show compile time and memory grow linearly with the circuit.
// Usage: npm run bench:compile [-- FILE]

import { readCircuitFile } from '../circuits/index.js';
import { compile, modelToBytes, type CotFormat } from '../compiler/index.js';
import { sharedPath } from './paths.js';

const file = process.argv[2] ?? sharedPath('bristol/sha256.txt');
const mb = (x: number) => (x / 2 ** 20).toFixed(0);
let t0 = performance.now();
const r = readCircuitFile(file);
if (!r.ok) {
  console.error(r.error.message);
  process.exit(2);
}
const c = r.value;
console.log(`parse ${file}: ${c.ops.length} gates in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
for (const cot of ['gate', '4tok'] as CotFormat[]) {
  const before = process.memoryUsage();
  t0 = performance.now();
  const m = compile(c, { cot });
  const tc = (performance.now() - t0) / 1000;
  const after = process.memoryUsage();
  t0 = performance.now();
  const bytes = modelToBytes(m);
  const ts = (performance.now() - t0) / 1000;
  const weights = m.posEmb.byteLength + m.tokEmb.byteLength + m.unembed.byteLength;
  console.log(
    `${cot.padEnd(4)}: S ${m.meta.seq_len}, d_model ${m.d}: compile ${tc.toFixed(2)} s (goal < 5 s), serialize ${ts.toFixed(2)} s, ` +
      `weights ${mb(weights)} MiB, file ${mb(bytes.length)} MiB, heap +${mb(after.heapUsed - before.heapUsed)} MiB, ` +
      `array buffers +${mb(after.arrayBuffers - before.arrayBuffers)} MiB, rss ${mb(after.rss)} MiB`,
  );
}
