// Certified sparse attention against the dense CPU reference, same machine, same run.
//   npm run bench:sparse [-- --samples 2 --sha-radius auto,1 --fuzz-count 60 --rounds 3 --circuits c880,c6288 --uniform c432 --no-sha --no-fuzz --no-pass]
// 1. SHA-256 with the 4-token CoT: `gatecot verify bristol/sha256.txt --attention sparse` as a
//    process (parse, compile, bind and the pass: what a user waits for), wall and CPU seconds.
// 2. fuzz campaigns: `gatecot fuzz --backend cpu` and `gatecot fuzz --attention sparse`, the same
//    seed and cases, each as a process, interleaved for --rounds rounds; the best cases/s of each
//    (the campaign's own figure, startup excluded) and their ratio.
// 3. one verify pass (teacher forcing, 18 inputs) of ISCAS circuits on both engines, in process.
// The machine is shared: every figure is printed with the load average when it was taken.

import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CotFormat } from '../compiler/index.js';
import { bindModel } from '../model/index.js';
import { CpuEngine, FastCpuEngine, SparseEngine, referenceSequences, sampleInputs, type Engine } from '../runtime/index.js';
import { arg, flag, loadShared, sharedPath } from './paths.js';

const bin = resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'bin', 'gatecot.js');
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

interface Proc {
  wall: number;
  cpu: number;
  stdout: string;
  code: number;
}

/** Runs gatecot in a child process, timing it (CPU seconds from the child's rusage via /proc is not portable: `time`). */
function gatecot(args: string[]): Proc {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  const times = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { wall, cpu: times ? Number(times[1]) + Number(times[2]) : NaN, stdout: r.stdout ?? '', code: r.status ?? -1 };
}

function sha256Row(samples: number, radius: string): void {
  const before = load();
  const p = gatecot(['verify', sharedPath('bristol/sha256.txt'), '--attention', 'sparse', '--radius', radius, '--samples', String(samples), '--json']);
  const j = JSON.parse(p.stdout) as { ok: boolean; mismatches: number; inputs_tested: number; positions_checked: number; seconds: number; sparse: Record<string, unknown> };
  console.log(`SHA-256 4tok verify --attention sparse --radius ${radius}: ${j.inputs_tested} inputs, ${j.positions_checked} positions, ${j.mismatches} mismatches, ok ${j.ok}`);
  console.log(`  process: wall ${p.wall.toFixed(1)} s, CPU ${p.cpu.toFixed(1)} s; the pass: ${j.seconds.toFixed(1)} s; load ${before} -> ${load()}`);
  const s = j.sparse;
  console.log(`  radius ${String(s.radius)}, bound ${String(s.bound)}, smallest margin ${String(s.smallest_margin)}, undecided ${String(s.undecided)}, omitted mass ${String(s.omitted_mass)}, keys/query ${String(s.keys_per_query)}, verdict ${String(s.verdict)}`);
}

function fuzzRate(args: string[]): { rate: number; cases: number; seconds: number; cpu: number } {
  const p = gatecot(['fuzz', ...args, '--json']);
  const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const s = lines.find((e) => e.event === 'summary')!;
  const cases = Number(s.cases);
  const seconds = Number(s.seconds);
  if (Number(s.failed_cases) !== 0) throw new Error(`fuzz ${args.join(' ')}: ${String(s.failed_cases)} failing cases`);
  return { rate: cases / seconds, cases, seconds, cpu: p.cpu };
}

function fuzzRows(count: number, rounds: number): void {
  const out = mkdtempSync(join(tmpdir(), 'gatecot-bench-sparse-'));
  const common = ['--seed', '1', '--count', String(count), '--out', out];
  let dense = 0;
  let sparse = 0;
  let denseCpu = Infinity;
  let sparseCpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const before = load();
    const d = fuzzRate([...common, '--backend', 'cpu']);
    const s = fuzzRate([...common, '--attention', 'sparse']);
    dense = Math.max(dense, d.rate);
    sparse = Math.max(sparse, s.rate);
    denseCpu = Math.min(denseCpu, d.cpu);
    sparseCpu = Math.min(sparseCpu, s.cpu);
    console.log(`  round ${r + 1}: dense ${d.rate.toFixed(2)} cases/s (${d.seconds.toFixed(1)} s, process CPU ${d.cpu.toFixed(1)} s), sparse ${s.rate.toFixed(2)} cases/s (${s.seconds.toFixed(1)} s, CPU ${s.cpu.toFixed(1)} s), ratio ${(s.rate / d.rate).toFixed(2)}; load ${before}`);
  }
  // the machine is shared: the process's CPU seconds (startup included) move less with the load than wall time
  const base = gatecot(['fuzz', ...common, '--count', '1', '--attention', 'sparse', '--json']).cpu;
  console.log(`fuzz --seed 1 --count ${count} (default cases: 1..200 gates, both CoT formats): best dense ${dense.toFixed(2)}, best sparse ${sparse.toFixed(2)} cases/s, ratio ${(sparse / dense).toFixed(2)}`);
  console.log(`  per CPU second (least process CPU over the rounds, less ${base.toFixed(1)} s of one-case startup): dense ${(count / (denseCpu - base)).toFixed(2)}, sparse ${(count / (sparseCpu - base)).toFixed(2)} cases, ratio ${((denseCpu - base) / (sparseCpu - base)).toFixed(2)}`);
}

function timeForward(e: Engine & { forwardSync(s: Int32Array[], o?: object): unknown }, seqs: Int32Array[], from: number): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    e.forwardSync(seqs, { argmaxFrom: from, argmaxTo: seqs[0]!.length - 1 });
    best = Math.min(best, performance.now() - t0);
  }
  return best / 1000;
}

function passRows(names: string[], uniform: string[]): void {
  // dense: the CPU reference's loop; dense fast: the fast f32 kernel (WebAssembly SIMD, every core),
  // the default f32 CPU engine; both compute the same numbers.
  console.log('| circuit | model | S | B | dense s | dense fast s | sparse s | dense/sparse | dense fast/sparse | load |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  // JIT warm-up: both engines once on a small model before anything is timed
  const w = compile(loadShared('iscas85/c17.bench'), { cot: '4tok' });
  const ws = referenceSequences(bindModel(w), sampleInputs(5, 4, 1n));
  timeForward(new CpuEngine(w, 'f32'), ws, 0);
  timeForward(new FastCpuEngine(w), ws, 0);
  timeForward(new SparseEngine(w), ws, 0);
  const runs: [string, CotFormat | 'uniform'][] = [...names.flatMap((n) => (['gate', '4tok'] as const).map((cot): [string, CotFormat] => [n, cot])), ...uniform.map((n): [string, 'uniform'] => [n, 'uniform'])];
  for (const [name, cot] of runs) {
    const c = loadShared(`iscas85/${name}.bench`);
    {
      const m = cot === 'uniform' ? compile(c, { mode: 'uniform' }) : compile(c, { cot });
      const b = cot === 'uniform' ? bindModel(m, c) : bindModel(m);
      const seqs = referenceSequences(b, sampleInputs(c.nInputs, 16, 1n));
      const from = b.seq.promptLength - 1;
      const d = timeForward(new CpuEngine(m, 'f32'), seqs, from);
      const fe = new FastCpuEngine(m);
      const f = timeForward(fe, seqs, from);
      fe.dispose();
      const s = timeForward(new SparseEngine(m), seqs, from);
      console.log(`| ${name} | ${cot} | ${seqs[0]!.length} | ${seqs.length} | ${d.toFixed(3)} | ${f.toFixed(3)} | ${s.toFixed(3)} | ${(d / s).toFixed(1)} | ${(f / s).toFixed(1)} | ${load()} |`);
    }
  }
}

const samples = Number(arg('samples') ?? '2');
console.log(`bench:sparse, ${new Date().toISOString()}, load ${load()}`);
if (!flag('no-sha')) for (const r of (arg('sha-radius') ?? 'auto').split(',')) sha256Row(samples, r);
if (!flag('no-fuzz')) fuzzRows(Number(arg('fuzz-count') ?? '60'), Number(arg('rounds') ?? '3'));
if (!flag('no-pass')) passRows((arg('circuits') ?? 'c880,c6288').split(','), (arg('uniform') ?? 'c432').split(',').filter((x) => x));
