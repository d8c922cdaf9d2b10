// Benchmark (not a test): the machine's f32 peak (bench/machine-peak.ts): an FMA loop in C with
// independent accumulators, on 1 thread and one per core, AVX-512 where -march=native has it
// and an AVX2 build beside it. Caches the figure in bench/.cache/peak.json for other benches.
// Usage: npm run bench:peak [-- --iters N --reps R]

import { loadavg } from 'node:os';
import { arg } from './paths.js';
import { PEAK_CACHE, measureAndCachePeak } from './machine-peak.js';

const load0 = loadavg()[0]!;
const p = measureAndCachePeak({ iters: Number(arg('iters') ?? 50_000_000), reps: Number(arg('reps') ?? 3) });
if (p instanceof Error) {
  console.log(`${p.message}; skipped`);
} else {
  const f = (x: number): string => x.toFixed(1);
  console.log(`cc: ${p.cc}; cpu: ${p.cpu}; ${p.cores} cores; load average ${load0.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`);
  for (const b of p.builds) {
    console.log(`cc ${b.flags.join(' ')}: ${b.vectorFloats} floats per vector`);
    for (const r of b.runs) {
      console.log(`  ${r.threads} thread${r.threads > 1 ? 's' : ''}: ${f(r.wallGflops)} GFLOP/s by wall time; by each thread's CPU time ${r.cpuGflopsPerThread.map(f).join(', ')} GFLOP/s`);
    }
  }
  console.log(`f32 peak: ${f(p.gflops)} GFLOP/s (${p.cores} cores x the best per-thread rate by CPU time; wall-time figures are lowered by other jobs on a shared machine)`);
  console.log(`cached in ${PEAK_CACHE}; GATECOT_PEAK_GFLOPS overrides it`);
}
