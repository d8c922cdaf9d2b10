// Benchmark of the WebGPU engine against the CPU reference, one table, same run, same machine:
// circuit, sequence length S, backend, teacher-forced verification throughput (positions of all
// inputs per second), attention pair-evaluations per second, and the WebGPU/CPU ratio.
// Usage: npm run bench [-- --circuits c880,c6288 --batch 16 --no-cpu --attention tiled --qpi 2
//                          --sha256 --sha-batch 1 --peak-gflops 66900]
//        npm run bench -- --peers [...]: every engine against numpy / torch peers (bench/peers.ts)
//   --attention  force the workgroup-memory (tiled) or subgroup attention kernel; --qpi its queries
//                per invocation
//   --peak-gflops  the card's f32 peak (GFLOP/s): adds the attention kernel's share of it, counting
//                  2·dk flops per pair for the score and 2·B·dv for the values (the exp and the
//                  online-softmax bookkeeping are not counted)
//   --sha256  verify bristol/sha256.txt with the 4-token CoT (S ≈ 541k) on WebGPU and print the
//             time: meant for a real GPU (on a CPU adapter it takes hours).
// The CPU reference is timed on the whole sequence when S <= 10000, else on two prefixes and
// extrapolated with t(L) = a·L + c·L² fitted to L = 4096 and 8192 (its cost is the attention,
// quadratic in L).

import { loadavg } from 'node:os';
import { compile } from '../compiler/index.js';
import { bindModel, type CotFormat, type Model, type PositionalMeta } from '../model/index.js';
import { CpuEngine, referenceSequences, sampleInputs } from '../runtime/index.js';
import { WebGpuEngine, openGpu, type GpuContext, type Tuning } from '../runtime/webgpu/index.js';
import { arg, flag, loadShared as load } from './paths.js';
import { runPeers } from './peers.js';

interface Case {
  name: string;
  file: string;
  cot: CotFormat;
}

const CASES: Case[] = [
  { name: 'c880', file: 'iscas85/c880.bench', cot: '4tok' },
  { name: 'c6288', file: 'iscas85/c6288.bench', cot: '4tok' },
  { name: 'c7552', file: 'iscas85/c7552.bench', cot: '4tok' },
  { name: 'aes_128', file: 'bristol/aes_128.txt', cot: 'gate' },
];

const CPU_FULL_MAX = 10_000;

interface Row {
  circuit: string;
  cot: CotFormat;
  S: number;
  B: number;
  backend: string;
  seconds: number;
  /** How the seconds were obtained. */
  how: string;
  tokensPerSec: number;
  pairsPerSecPerHead: number;
  pairsNote: string;
  /** Flops per (query, key) pair: 2·dk for the score, 2·B·dv for the values. */
  flopsPerPair: number;
  ratio?: number;
  ok: string;
}


function seqLenOf(m: Model): number {
  return (m.meta as PositionalMeta).seq_len;
}

function promptLengthOf(m: Model): number {
  return (m.meta as PositionalMeta).prompt.length;
}

/** Pairs (query, key) with key <= query in a sequence of length S. */
const pairs = (S: number): number => (S * (S + 1)) / 2;

function cpuSeconds(m: Model, seqs: Int32Array[]): { seconds: number; how: string } {
  const cpu = new CpuEngine(m, 'f32');
  const S = seqLenOf(m);
  const time = (L: number): number => {
    const t0 = performance.now();
    cpu.forwardSync(seqs.map((s) => s.subarray(0, L)));
    return (performance.now() - t0) / 1000;
  };
  if (S <= CPU_FULL_MAX) return { seconds: time(S), how: 'measured' };
  const L1 = 4096;
  const L2 = 8192;
  const t1 = time(L1);
  const t2 = time(L2);
  const c = (t2 / L2 - t1 / L1) / (L2 - L1);
  const a = t1 / L1 - c * L1;
  return { seconds: a * S + c * S * S, how: `extrapolated from L=${L1}, ${L2}` };
}

function tuning(): Partial<Tuning> {
  const t: Partial<Tuning> = {};
  const a = arg('attention');
  if (a === 'auto' || a === 'tiled' || a === 'subgroup' || a === 'cpu') t.attention = a;
  if (arg('kb')) t.kb = Number(arg('kb'));
  if (arg('qpi')) t.qpi = Number(arg('qpi'));
  return t;
}

async function gpuRun(ctx: GpuContext, m: Model, seqs: Int32Array[]): Promise<{ seconds: number; attention: number; argmax: Int32Array[] }> {
  const eng = await WebGpuEngine.create(m, 'f32', { context: ctx, profile: ctx.device.features.has('timestamp-query'), tuning: tuning() });
  try {
    await eng.forward(seqs.slice(0, seqs.length)); // compiles the kernels of this shape
    let best = Infinity;
    let attention = 0;
    let argmax: Int32Array[] = [];
    for (let rep = 0; rep < 2; rep++) {
      const t0 = performance.now();
      const r = await eng.forward(seqs);
      const dt = (performance.now() - t0) / 1000;
      if (dt < best) {
        best = dt;
        attention = eng.lastProfile?.attentionSeconds ?? NaN;
        argmax = r.argmax;
      }
    }
    return { seconds: best, attention, argmax };
  } finally {
    eng.dispose();
  }
}

function verifies(m: Model, seqs: Int32Array[], argmax: Int32Array[]): boolean {
  const P = promptLengthOf(m);
  return seqs.every((s, b) => {
    for (let p = P - 1; p < s.length - 1; p++) if (argmax[b]![p] !== s[p + 1]) return false;
    return true;
  });
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x >= 1e6) return x.toExponential(2).replace('e+', 'e');
  return x >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

/** The attention's share of the card's f32 peak, as a percentage. */
function peakShare(r: Row, peakGflops: number): string {
  return `${((100 * r.pairsPerSecPerHead * r.flopsPerPair) / (peakGflops * 1e9)).toFixed(1)}%`;
}

function table(rows: Row[], peakGflops?: number): string {
  const head = ['circuit', 'cot', 'S', 'B', 'backend', 'verify s', 'verify tokens/s', 'attention pairs/s per head', ...(peakGflops ? ['attention % of f32 peak'] : []), 'WebGPU/CPU', 'verify ok'];
  const lines = rows.map((r) => [r.circuit, r.cot, String(r.S), String(r.B), r.backend, `${fmt(r.seconds)}${r.how === 'measured' ? '' : ' (est.)'}`, fmt(r.tokensPerSec), `${fmt(r.pairsPerSecPerHead)}${r.pairsNote}`, ...(peakGflops ? [r.backend === 'webgpu' ? peakShare(r, peakGflops) : ''] : []), r.ratio ? `${r.ratio.toFixed(1)}x` : '', r.ok]);
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
}

async function sha256Run(ctx: GpuContext, B: number, peakGflops?: number): Promise<void> {
  const c = load('bristol/sha256.txt');
  const t0 = performance.now();
  const m = compile(c, { cot: '4tok' });
  const S = seqLenOf(m);
  const head0 = m.layers[0]!.heads[0]!;
  const H = m.layers[0]!.heads.length;
  console.log(`sha256 4tok: S ${S}, d ${m.d}, dk ${head0.dk}, compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const seqs = referenceSequences(bindModel(m), sampleInputs(c.nInputs, B, 3n).slice(0, B));
  const eng = await WebGpuEngine.create(m, 'f32', { context: ctx, profile: ctx.device.features.has('timestamp-query'), tuning: tuning() });
  try {
    const t1 = performance.now();
    const r = await eng.forward(seqs);
    const dt = (performance.now() - t1) / 1000;
    const att = eng.lastProfile?.attentionSeconds ?? NaN;
    const pps = pairs(S) / (att / H);
    const share = peakGflops ? `, ${((100 * pps * (2 * head0.dk + 2 * B * head0.dv)) / (peakGflops * 1e9)).toFixed(1)}% of f32 peak` : '';
    console.log(`sha256 4tok verify on WebGPU: ${B} input(s), ${dt.toFixed(1)} s with kernel compilation (${fmt((B * S) / dt)} tokens/s); attention kernels ${att.toFixed(2)} s: ${fmt(pps)} pairs/s per head${share}; ${verifies(m, seqs, r.argmax) ? 'OK' : 'MISMATCH'}`);
  } finally {
    eng.dispose();
  }
}

async function main(): Promise<void> {
  if (flag('peers')) {
    await runPeers();
    return;
  }
  const B = Number(arg('batch') ?? 16);
  const only = arg('circuits')?.split(',');
  const ctx = await openGpu({ timestamps: true, dawnOptions: ['disable-dawn-features=timestamp_quantization'] });
  const load0 = loadavg()[0]!;
  console.log(`adapter: ${ctx.info.line}`);
  console.log(`date: ${new Date().toISOString()}; node ${process.version}; load average at start ${load0.toFixed(2)}; tuning ${JSON.stringify(tuning())}`);
  try {
    if (flag('sha256')) {
      await sha256Run(ctx, Number(arg('sha-batch') ?? 1), arg('peak-gflops') ? Number(arg('peak-gflops')) : undefined);
      return;
    }
    const rows: Row[] = [];
    for (const k of CASES.filter((x) => !only || only.includes(x.name))) {
      const c = load(k.file);
      const m = compile(c, { cot: k.cot });
      const S = seqLenOf(m);
      const H = m.layers[0]!.heads.length;
      const head0 = m.layers[0]!.heads[0]!;
      const flopsPerPair = 2 * head0.dk + 2 * B * head0.dv;
      const seqs = referenceSequences(bindModel(m), sampleInputs(c.nInputs, B, 1n).slice(0, B));
      const g = await gpuRun(ctx, m, seqs);
      const gpuRow: Row = {
        circuit: k.name, cot: k.cot, S, B, backend: 'webgpu', seconds: g.seconds, how: 'measured',
        tokensPerSec: (B * S) / g.seconds,
        pairsPerSecPerHead: pairs(S) / (g.attention / H),
        pairsNote: '',
        flopsPerPair,
        ok: verifies(m, seqs, g.argmax) ? 'yes' : 'NO',
      };
      if (!flag('no-cpu')) {
        const cpu = cpuSeconds(m, seqs);
        rows.push({
          circuit: k.name, cot: k.cot, S, B, backend: 'cpu', seconds: cpu.seconds, how: cpu.how,
          tokensPerSec: (B * S) / cpu.seconds,
          pairsPerSecPerHead: pairs(S) / (cpu.seconds / H),
          pairsNote: ' (whole pass)',
          flopsPerPair,
          ok: '',
        });
        gpuRow.ratio = cpu.seconds / g.seconds;
      }
      rows.push(gpuRow);
      console.log(`${k.name}: done (load average ${loadavg()[0]!.toFixed(2)})`);
    }
    const peak = arg('peak-gflops') ? Number(arg('peak-gflops')) : undefined;
    console.log('\n' + table(rows, peak));
    console.log(`\nWebGPU attention pairs/s: timestamp-query time of the attention kernels alone; CPU: the whole pass (an upper bound on its attention time).`);
    console.log(`load average at end ${loadavg()[0]!.toFixed(2)} (the machine may be shared)`);
  } finally {
    ctx.destroy();
  }
}

await main();
