// Benchmark (not a test): bit-sliced direct evaluation of bristol/sha256.txt over 4096 input
// vectors, in gate·vectors per second on one core: the WebAssembly SIMD kernel (what
// evalBitsliced runs), the JavaScript evaluator it replaced, and, where cc is present, a plain
// C bit-sliced evaluator (bench/c/bitsliced.c, -O3 -march=native, 8 uint64 words per wire per
// pass) on the same circuit and inputs, whose outputs must equal ours word for word.
// Usage: npm run bench:eval [-- FILE [VECTORS]] [--rounds R] [--reps N] [--all (keep every wire)]
// Each round times N calls of each evaluator (the JavaScript one N/10) and keeps the best, so
// that on a shared machine some calls run undisturbed.

import { loadavg } from 'node:os';
import { evalBitsliced, evalBitslicedJs, outputWires, readCircuitFile } from '../circuits/index.js';
import { wasmEvalAvailable } from '../circuits/wasm/evaluator.js';
import { Rng } from '../circuits/gen/prng.js';
import { ccVersion, compileC } from './cc.js';
import { runCEval, writeCInput } from './c-eval.js';
import { arg, flag, sharedPath } from './paths.js';

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !['--rounds', '--reps'].includes(all[i - 1] ?? ''));
const file = positional[0] ?? sharedPath('bristol/sha256.txt');
const vectors = Number(positional[1] ?? 4096);
const rounds = Number(arg('rounds') ?? 3);
const reps = Number(arg('reps') ?? 40);
const r = readCircuitFile(file);
if (!r.ok) {
  console.error(r.error.message);
  process.exit(2);
}
const c = r.value;
const W = Math.ceil(vectors / 32);
const T = c.ops.length;
const rng = new Rng(1n);
const inputs = Uint32Array.from({ length: c.nInputs * W }, () => rng.nextU32());
const keep = flag('all') ? Array.from({ length: c.nInputs + T }, (_, i) => i) : outputWires(c);

/** Best wall time in seconds of `reps` calls. */
function best(reps: number, f: () => void): number {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

const sameWords = (x: Uint32Array, y: Uint32Array): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
const rate = (s: number): number => (T * W * 32) / s;
const e = (x: number): string => x.toExponential(2);

const cc = ccVersion();
const bin = cc ? compileC('bitsliced') : new Error('no C compiler (cc) on the PATH');
if (!(bin instanceof Error)) writeCInput(bin, c, inputs, W, keep);

console.log(`date ${new Date().toISOString()}; node ${process.version}; ${cc ?? 'no cc'}; load average at start ${loadavg()[0]!.toFixed(2)}`);
console.log(`circuit ${c.name}: ${T} gates, ${W * 32} vectors, ${keep.length} wires kept; best of ${rounds} rounds of ${reps} calls (each round: wasm, JS, C switch, C runs; the C program reuses its result array)`);
if (!wasmEvalAvailable()) console.log('WebAssembly SIMD is not available here: evalBitsliced runs the JavaScript evaluator');

const want = evalBitslicedJs(c, inputs, W, keep);
const got = evalBitsliced(c, inputs, W, keep);
if (!sameWords(got, want)) {
  console.error('the WebAssembly and JavaScript evaluators disagree');
  process.exit(1);
}
const reused = new Uint32Array(want.length);
const t = { wasm: Infinity, wasmReused: Infinity, js: Infinity, cSwitch: Infinity, cRuns: Infinity };
let cSame = true;
for (let round = 0; round < rounds; round++) {
  t.wasm = Math.min(t.wasm, best(reps, () => evalBitsliced(c, inputs, W, keep)));
  t.wasmReused = Math.min(t.wasmReused, best(reps, () => evalBitsliced(c, inputs, W, keep, reused)));
  t.js = Math.min(t.js, best(Math.max(1, Math.round(reps / 10)), () => evalBitslicedJs(c, inputs, W, keep, reused)));
  if (bin instanceof Error) continue;
  for (const mode of ['switch', 'runs'] as const) {
    const res = runCEval(bin, mode, reps);
    cSame &&= sameWords(res.out, want);
    if (mode === 'switch') t.cSwitch = Math.min(t.cSwitch, res.seconds);
    else t.cRuns = Math.min(t.cRuns, res.seconds);
  }
}
if (!(bin instanceof Error)) bin.done();

const line = (what: string, s: number): string => `${what}: ${(s * 1000).toFixed(2)} ms, ${e(rate(s))} gate·vectors/s`;
console.log(line('wasm SIMD (evalBitsliced), result array reused', t.wasmReused));
console.log(line('wasm SIMD (evalBitsliced), a new result array each call', t.wasm));
console.log(line('JavaScript (evalBitslicedJs), result array reused', t.js) + ` (wasm is ${(t.js / t.wasmReused).toFixed(1)}x faster)`);
if (bin instanceof Error) {
  console.log(`C reference skipped: ${bin.message}`);
} else {
  if (!cSame) {
    console.error('the C reference disagrees with the JavaScript evaluator');
    process.exit(1);
  }
  console.log(line('C plain, a switch per gate (cc -O3 -march=native, 8 uint64 words per gate, result array reused)', t.cSwitch));
  console.log(line('C, runs of one op (the kernel\'s scheme)', t.cRuns));
  const pct = (x: number, y: number): string => `${((100 * x) / y).toFixed(0)}%`;
  console.log(`C outputs equal ours word for word; wasm / C plain = ${pct(t.cSwitch, t.wasmReused)} (goal >= 50%; ${pct(t.cSwitch, t.wasm)} with a new result array each call); wasm / C runs = ${pct(t.cRuns, t.wasmReused)}`);
}
console.log(`load average at end ${loadavg()[0]!.toFixed(2)} (the machine may be shared)`);
