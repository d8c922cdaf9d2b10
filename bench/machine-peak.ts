// The machine's f32 peak, for reporting rates as a share of it: an FMA loop in C (bench/c/peak.c,
// cc -O3 -march=native) on 1 thread and on one thread per core. Each thread times itself by
// its own CPU time too, which other jobs on a shared machine do not lower; the peak is that
// per-thread rate times the cores. GATECOT_PEAK_GFLOPS overrides; a measurement is cached in
// bench/.cache/peak.json (delete it, or run `npm run bench:peak`, to measure again).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { checkoutRoot, ccVersion, compileC, runExe } from './cc.js';

export const PEAK_CACHE = join(checkoutRoot(), 'bench', '.cache', 'peak.json');

export interface PeakRun {
  threads: number;
  wallGflops: number;
  /** Per thread: its flops over its own CPU time. */
  cpuGflopsPerThread: number[];
}

export interface PeakBuild {
  flags: string[];
  vectorFloats: number;
  runs: PeakRun[];
}

export interface Peak {
  /** cores × the best per-thread rate by CPU time (GFLOP/s). */
  gflops: number;
  cores: number;
  cc: string;
  cpu: string;
  measuredAt: string;
  loadAverage: number;
  builds: PeakBuild[];
}

/** One line of peak.c's output: the rates by wall time and by each thread's CPU time. */
export function parsePeakLine(line: string): PeakRun & { vectorFloats: number } {
  const t = line.trim().split(/\s+/);
  const at = (key: string): number => Number(t[t.indexOf(key) + 1]);
  const threads = at('threads');
  const flops = at('flops');
  const cpu = t.slice(t.indexOf('cpu_s') + 1, t.indexOf('cpu_s') + 1 + threads).map(Number);
  return { threads, wallGflops: flops / at('wall_s') / 1e9, cpuGflopsPerThread: cpu.map((s) => flops / threads / s / 1e9), vectorFloats: at('vector_floats') };
}

/** One build of peak.c, run `reps` times at 1 and `cores` threads; the best of each. */
function measureBuild(extra: string[], cores: number, iters: number, reps: number): PeakBuild | Error {
  const bin = compileC('peak', ['-pthread', ...extra]);
  if (bin instanceof Error) return bin;
  try {
    const counts = cores > 1 ? ['1', String(cores)] : ['1'];
    const best = new Map<number, PeakRun>();
    let vectorFloats = 0;
    for (let r = 0; r < reps; r++) {
      for (const line of runExe(bin.exe, [String(iters), ...counts]).trim().split('\n')) {
        const run = parsePeakLine(line);
        vectorFloats = run.vectorFloats;
        const prev = best.get(run.threads);
        best.set(run.threads, {
          threads: run.threads,
          wallGflops: Math.max(prev?.wallGflops ?? 0, run.wallGflops),
          cpuGflopsPerThread: run.cpuGflopsPerThread.map((g, i) => Math.max(prev?.cpuGflopsPerThread[i] ?? 0, g)),
        });
      }
    }
    return { flags: bin.flags, vectorFloats, runs: [...best.values()] };
  } finally {
    bin.done();
  }
}

/**
 * Measures the peak: the -march=native build, and on x86 a build without AVX-512 for
 * comparison. Undefined (with the reason) where there is no C compiler.
 */
export function measurePeak(opts: { iters?: number; reps?: number } = {}): Peak | Error {
  const cc = ccVersion();
  if (!cc) return new Error('no C compiler (cc) on the PATH: the f32 peak is not measured');
  const cores = availableParallelism();
  const iters = opts.iters ?? 50_000_000;
  const reps = opts.reps ?? 3;
  const native = measureBuild([], cores, iters, reps);
  if (native instanceof Error) return native;
  const builds = [native];
  if (process.arch === 'x64' && native.vectorFloats === 16) {
    const avx2 = measureBuild(['-mno-avx512f'], cores, iters, reps);
    if (!(avx2 instanceof Error)) builds.push(avx2);
  }
  const perThread = Math.max(...builds.flatMap((b) => b.runs.flatMap((r) => r.cpuGflopsPerThread)));
  return { gflops: perThread * cores, cores, cc, cpu: cpus()[0]?.model ?? 'unknown', measuredAt: new Date().toISOString(), loadAverage: loadavg()[0]!, builds };
}

/** Measures the peak and caches it in PEAK_CACHE. */
export function measureAndCachePeak(opts: { iters?: number; reps?: number } = {}): Peak | Error {
  const p = measurePeak(opts);
  if (p instanceof Error) return p;
  mkdirSync(dirname(PEAK_CACHE), { recursive: true });
  writeFileSync(PEAK_CACHE, JSON.stringify(p, null, 2) + '\n');
  return p;
}

/**
 * The machine's f32 peak in GFLOP/s and where it came from: GATECOT_PEAK_GFLOPS, the cache,
 * or a measurement now (cached); undefined where none of these is available.
 */
export function machinePeakGflops(): { gflops: number; source: string } | undefined {
  const env = process.env.GATECOT_PEAK_GFLOPS;
  if (env && Number(env) > 0) return { gflops: Number(env), source: 'GATECOT_PEAK_GFLOPS' };
  if (existsSync(PEAK_CACHE)) {
    const p = JSON.parse(readFileSync(PEAK_CACHE, 'utf8')) as Peak;
    if (p.gflops > 0) return { gflops: p.gflops, source: `bench/.cache/peak.json, measured ${p.measuredAt}` };
  }
  const p = measureAndCachePeak();
  return p instanceof Error ? undefined : { gflops: p.gflops, source: `measured now (${p.cores} cores)` };
}
