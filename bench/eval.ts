// Benchmark (not a test): bit-sliced direct evaluation of bristol/sha256.txt over 4096 input
// vectors, in gate·vectors per second on one core. Usage: npm run bench:eval [-- FILE [VECTORS]]

import { evalBitsliced, readCircuitFile } from '../circuits/index.js';
import { Rng } from '../circuits/gen/prng.js';
import { sharedPath } from './paths.js';

const file = process.argv[2] ?? sharedPath('bristol/sha256.txt');
const vectors = Number(process.argv[3] ?? 4096);
const r = readCircuitFile(file);
if (!r.ok) {
  console.error(r.error.message);
  process.exit(2);
}
const c = r.value;
const W = Math.ceil(vectors / 32);
const rng = new Rng(1n);
const inputs = Uint32Array.from({ length: c.nInputs * W }, () => rng.nextU32());
const T = c.ops.length;
let best = Infinity;
for (let rep = 0; rep < 7; rep++) {
  const t0 = performance.now();
  evalBitsliced(c, inputs, W, c.outputs.flatMap((o) => o.wires));
  best = Math.min(best, (performance.now() - t0) / 1000);
}
const rate = (T * W * 32) / best;
console.log(`circuit ${c.name}: ${T} gates, ${W * 32} vectors, best of 7: ${(best * 1000).toFixed(1)} ms`);
console.log(`${(rate / 1e9).toFixed(2)}e9 gate·vectors/s on one core (goal >= 2e9)`);
