// `npm run bench -- --peers`: gatecot's engines against the tools a user would pick instead, on
// the same exported weights (the .safetensors file) and the same teacher-forced sequences, each
// engine in its own process (its peak resident memory is that process's), best of --reps passes
// after a warm-up. Engines: gatecot CPU fast (runtime/cpu/fast/), CPU reference (extrapolated
// above --ref-max), WebGPU (when an adapter opens), ort (onnxruntime-node on gatecot's ONNX export,
// `--backend ort`; when the optional package is installed), and every bench/peers/*_peer.py (numpy, numpy
// shared; torch, onnxruntime when their python package imports, else a skip line).
//   npm run bench -- --peers [--sizes 1k,4k] [--iscas c6288] [--batches 1,16] [--reps 3]
//       [--engines cpu-fast,numpy,...] [--ref-max 4096] [--threads T] [--timeout 1200] [--mem-cap 20]
// --mem-cap G (GiB, default 20; 0: none): the ort and python peers run under `prlimit --as`, so
// that a peer materialising S x S scores fails to allocate ("OOM") instead of waking the
// kernel's out-of-memory killer on a shared machine. gatecot's own engines run uncapped: their
// WebAssembly and Vulkan reservations are address space, not memory (their peak RSS is reported).
//   --sizes 1k,2k,4k,8k,16k,32k,64k --iscas c6288,c7552   the issue's table (long: hours here)
// Random circuits: 16 inputs, (2^k - 20)/4 gates, compiled with the 4-token CoT: S = 2^k - 3.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../circuits/gen/index.js';
import type { Circuit } from '../circuits/index.js';
import { compile } from '../compiler/index.js';
import { bindModel, modelToBytes } from '../model/index.js';
import { referenceSequences, sampleInputs } from '../runtime/index.js';
import { OUT_OF_MEMORY } from './oom.js';
import { arg, loadShared } from './paths.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const peersDir = join(root, 'bench', 'peers');

interface Case {
  name: string;
  circuit: () => Circuit;
}

interface Result {
  peer: string;
  seconds?: number;
  wrong?: number | null;
  max_rss_mb?: number;
  estimated?: string;
  skip?: string;
  error?: string;
  version?: string;
}

const list = (s: string | undefined, def: string): string[] => (s ?? def).split(',').filter((x) => x !== '');
const sizeOf = (s: string): number => (s.endsWith('k') ? Number(s.slice(0, -1)) * 1024 : Number(s));

function cases(): Case[] {
  const random = list(arg('sizes'), '1k,4k').map((s): Case => {
    const S = sizeOf(s);
    const gates = Math.max(1, Math.floor((S - 20) / 4));
    return { name: `random ${s}`, circuit: () => generate('random', { gates: String(gates), inputs: '16', seed: '1', locality: '0.5' }) };
  });
  const iscas = list(arg('iscas'), 'c6288').map((n): Case => ({ name: n, circuit: () => loadShared(`iscas85/${n}.bench`) }));
  return [...random, ...iscas];
}

function python(): string | undefined {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  return r.status === 0 ? 'python3' : undefined;
}

/** The python peers present: numpy_peer.py and torch_peer.py also as "... shared" (--shared). */
function pythonPeers(): { name: string; file: string; extra: string[] }[] {
  const files = existsSync(peersDir) ? readdirSync(peersDir).filter((f) => f.endsWith('_peer.py')).sort() : [];
  return files.flatMap((f) => {
    const base = f.replace(/_peer\.py$/, '');
    const p = { name: base, file: join(peersDir, f), extra: [] as string[] };
    return base === 'numpy' || base === 'torch' ? [p, { ...p, name: `${base} shared`, extra: ['--shared'] }] : [p];
  });
}

/** `cmd args` under an address-space cap of `capGiB` (none when undefined: 0, or no prlimit). */
function capped(cmd: string, args: string[], capGiB: number | undefined): [string, string[]] {
  return capGiB === undefined ? [cmd, args] : ['prlimit', [`--as=${Math.round(capGiB * 2 ** 30)}`, cmd, ...args]];
}

function run(cmd: string, args: string[], timeoutS: number): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 1 << 24, env: process.env });
  if (r.error || r.status !== 0) {
    const why =
      r.signal === 'SIGTERM'
        ? `timed out after ${timeoutS} s`
        : r.signal
          ? `killed by ${r.signal}${r.signal === 'SIGKILL' ? ' (out of memory, most likely: the kernel killed it)' : ''}`
          : (r.stderr || String(r.error ?? `exit ${r.status}`)).trim().split('\n').slice(-1)[0]!;
    return { peer: args[0] ?? cmd, error: why.slice(0, 160) };
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return { peer: cmd, error: `no JSON: ${line.slice(0, 120)}` };
  }
}

const fmt = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

export async function runPeers(): Promise<void> {
  const batches = list(arg('batches'), '1,16').map(Number);
  const Bmax = Math.max(...batches);
  const reps = arg('reps') ?? '3';
  const refMax = Number(arg('ref-max') ?? 4096);
  const timeoutS = Number(arg('timeout') ?? 1200);
  const capAsked = Number(arg('mem-cap') ?? 20);
  const capGiB = capAsked > 0 && spawnSync('prlimit', ['--version']).status === 0 ? capAsked : undefined;
  const py = python();
  const gatecot = ['cpu-fast', 'cpu-reference', 'webgpu', 'ort'];
  const pys = pythonPeers();
  const want = arg('engines') ? new Set(list(arg('engines'), '')) : undefined;
  const engines = [...gatecot, ...pys.map((p) => p.name)].filter((e) => !want || want.has(e));
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-peers-'));
  const rows: { name: string; S: number; B: number; r: Result; load: number }[] = [];
  console.log(`memory cap of the ort and python peers: ${capGiB !== undefined ? `${capGiB} GiB of address space (prlimit --as)` : capAsked > 0 ? 'none (prlimit is missing)' : 'none'}`);
  console.log(`date ${new Date().toISOString()}; node ${process.version}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); load average at start ${loadavg()[0]!.toFixed(2)} (the machine may be shared)`);
  if (!py) console.log('python3 with numpy: not importable here; every python peer is skipped');
  try {
    for (const k of cases()) {
      const c = k.circuit();
      const m = compile(c, { cot: '4tok' });
      const b = bindModel(m);
      const seqs = referenceSequences(b, sampleInputs(c.nInputs, Bmax, 1n).slice(0, Bmax));
      while (seqs.length < Bmax) seqs.push(seqs[seqs.length % Math.max(1, seqs.length)]!);
      const S = seqs[0]!.length;
      const model = join(dir, 'model.safetensors');
      const seqFile = join(dir, 'seqs.bin');
      writeFileSync(model, modelToBytes(m));
      const flat = new Int32Array(Bmax * S);
      seqs.forEach((s, i) => flat.set(s, i * S));
      writeFileSync(seqFile, new Uint8Array(flat.buffer));
      for (const B of batches) {
        const common = ['--model', model, '--seqs', seqFile, '--batch', String(B), '--len', String(S), '--prompt', String(b.seq.promptLength), '--reps', reps];
        for (const e of engines) {
          let r: Result;
          if (gatecot.includes(e)) {
            const extra = [...(e === 'cpu-reference' && S > refMax ? ['--prefixes', `${refMax / 2},${refMax}`] : []), ...(arg('threads') ? ['--threads', arg('threads')!] : [])];
            const argv = [join(here, 'peer-gatecot.js'), '--engine', e, ...common, ...extra];
            r = e === 'ort' ? run(...capped(process.execPath, argv, capGiB), timeoutS) : run(process.execPath, argv, timeoutS);
          } else if (!py) {
            r = { peer: e, skip: 'python3 with numpy not importable' };
          } else {
            const p = pys.find((x) => x.name === e)!;
            r = run(...capped(py, [p.file, ...common, ...p.extra], capGiB), timeoutS);
          }
          r.peer = e;
          rows.push({ name: k.name, S, B, r, load: loadavg()[0]! });
          const what = r.skip ? `skipped: ${r.skip}` : r.error ? `ERROR ${r.error}` : `${fmt(r.seconds)} s${r.estimated ? ' (est.)' : ''}, ${r.wrong ?? '-'} wrong, ${fmt(r.max_rss_mb)} MB`;
          console.log(`${k.name} S ${S} B ${B} ${e}: ${what} (load ${loadavg()[0]!.toFixed(2)})`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\n| case | S | B | engine | seconds | positions/s | wrong tokens | peak RSS | load avg |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, S, B, r, load } of rows) {
    const secs = r.skip ? `skip: ${r.skip}` : r.error ? `error: ${r.error}` : `${fmt(r.seconds)}${r.estimated ? ' (est.)' : ''}`;
    const pps = r.seconds ? ((B * S) / r.seconds).toExponential(2).replace('e+', 'e') : '';
    console.log(`| ${name} | ${S} | ${B} | ${r.peer} | ${secs} | ${pps} | ${r.wrong ?? (r.estimated ? 'n/a (prefixes)' : '')} | ${r.max_rss_mb ? `${fmt(r.max_rss_mb)} MB` : ''} | ${load.toFixed(1)} |`);
  }
  // the issue's layout: one row per case and batch, seconds per engine, and fast CPU / numpy
  const keys = [...new Set(rows.map((x) => `${x.name}\u0000${x.S}\u0000${x.B}`))];
  console.log(`\n| case | S | B | ${engines.join(' | ')} | CPU fast / numpy |`);
  console.log(`| --- | --- | --- | ${engines.map(() => '---').join(' | ')} | --- |`);
  for (const key of keys) {
    const [name, S, B] = key.split('\u0000');
    const of = (e: string) => rows.find((x) => `${x.name}\u0000${x.S}\u0000${x.B}` === key && x.r.peer === e)?.r;
    const cell = (e: string) => {
      const r = of(e);
      return !r ? '' : r.skip ? 'skip' : r.error ? (OUT_OF_MEMORY.test(r.error) ? 'OOM' : 'error') : `${fmt(r.seconds)} s${r.estimated ? ' (est.)' : ''}`;
    };
    const fast = of('cpu-fast')?.seconds;
    const np = of('numpy')?.seconds;
    console.log(`| ${name} | ${S} | ${B} | ${engines.map(cell).join(' | ')} | ${fast && np ? `${(fast / np).toFixed(2)}x` : ''} |`);
  }
  console.log(`load average at end ${loadavg()[0]!.toFixed(2)}`);
}
