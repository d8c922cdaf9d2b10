// Benchmark (not a test): `gatecot trace c7552.bench --bits B --html OUT`, the viewer on a real
// circuit (issue 16: 29 s and 468 MB before; goal: under 5 s). Runs the command in a fresh
// process (the way a user does), reports its wall time, its CPU time and its peak memory (the
// child's own getrusage, written at exit by rusage-hook.ts), the page's size; and, for the
// floor, `gatecot run` of the same input: the model's generation alone, which every trace
// repeats (one dense forward pass over all 16 376 positions), with the same measures.
// Usage: npm run bench:viewer [-- RUNS]   (best of RUNS, default 2); GATECOT_BENCH_CLI=path/to/
// bin/gatecot.js measures another checkout's build (an older commit: before and after, same run).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from './paths.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const cli = process.env.GATECOT_BENCH_CLI ?? join(root, 'bin', 'gatecot.js');
const hook = join(here, 'rusage-hook.js');
const circuit = sharedPath('iscas85/c7552.bench');
// 207 input bits, a fixed pseudo-random pattern
const bits = Array.from({ length: 207 }, (_, i) => ((i * 2654435761) >>> 13) & 1).join('');
const runs = Number(process.argv[2] ?? 2);

interface Measure {
  wallS: number;
  cpuS: number;
  maxRssMB: number;
}

function measure(args: string[]): Measure {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-bench-viewer-'));
  const usage = join(dir, 'usage.json');
  try {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', hook, cli, ...args], { env: { ...process.env, GATECOT_RUSAGE: usage }, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wallS = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`gatecot ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const u = JSON.parse(readFileSync(usage, 'utf8')) as { userCPUTime: number; systemCPUTime: number; maxRSS: number };
    return { wallS, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMB: u.maxRSS / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function best(args: () => string[]): Measure {
  const all = Array.from({ length: runs }, () => measure(args()));
  return all.reduce((a, b) => (b.wallS < a.wallS ? b : a));
}

const out = mkdtempSync(join(tmpdir(), 'gatecot-bench-page-'));
const page = join(out, 'c7552.html');
const load0 = loadavg()[0]!;
const trace = best(() => ['trace', circuit, '--bits', bits, '--html', page, '--force']);
const pageMB = statSync(page).size / 1e6;
const run = best(() => ['run', circuit, '--bits', bits]);
rmSync(out, { recursive: true, force: true });
const load1 = loadavg()[0]!;
const row = (what: string, m: Measure, extra: string) =>
  `| ${what} | ${m.wallS.toFixed(1)} s | ${m.cpuS.toFixed(1)} s | ${m.maxRssMB.toFixed(0)} MB | ${extra} |`;
console.log(`${cli}: c7552 (207 inputs, 4042 gates, 16 376 positions), ${cpus().length} CPUs, load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}, best of ${runs}`);
console.log('| command | wall | CPU | max RSS | |\n| --- | --- | --- | --- | --- |');
console.log(row('trace --html', trace, `page ${pageMB.toFixed(1)} MB; goal < 5 s wall${trace.wallS < 5 ? '' : ' (MISSED)'}`));
console.log(row('run (the generation alone: the floor)', run, 'every trace runs this forward pass'));
