// One gatecot engine as a peer of bench/peers.ts, in its own process (so that its peak memory is
// its own): the same protocol as bench/peers/*_peer.py. Reads the exported model file and the
// sequences, runs one warm-up pass and --reps timed teacher-forced passes, prints one JSON line.
//   node dist/bench/peer-gatecot.js --engine cpu-fast|cpu-reference|webgpu|ort --model M --seqs S
//        --batch B --len L --prompt P [--reps 3] [--threads T] [--prefixes 2048,4096]
// cpu-reference with --prefixes: the pass is timed on two prefixes of the sequences and
// extrapolated to L with t(L) = a·L + c·L² (its cost is quadratic in L), once each (no warm-up).

import { readFileSync } from 'node:fs';
import { modelFromBytes, type Model } from '../model/index.js';
import { CpuEngine, FastCpuEngine, OrtEngine, WebGpuEngine, type Engine } from '../runtime/index.js';
import { OUT_OF_MEMORY } from './oom.js';
import { arg } from './paths.js';

function wrongTokens(seqs: Int32Array[], argmax: Int32Array[], P: number): number {
  let n = 0;
  seqs.forEach((s, b) => {
    for (let p = P - 1; p < s.length - 1; p++) if (argmax[b]![p] !== s[p + 1]) n++;
  });
  return n;
}

async function engineOf(kind: string, m: Model, threads?: number): Promise<Engine> {
  if (kind === 'cpu-fast') return new FastCpuEngine(m, threads ? { threads } : {});
  if (kind === 'cpu-reference') return new CpuEngine(m, 'f32');
  if (kind === 'webgpu') return WebGpuEngine.create(m, 'f32');
  // onnxruntime-node (CPU execution provider) running gatecot's ONNX export of the model
  if (kind === 'ort') return OrtEngine.create(m);
  throw new Error(`unknown engine ${kind}`);
}

async function main(): Promise<void> {
  const kind = arg('engine')!;
  const m = modelFromBytes(new Uint8Array(readFileSync(arg('model')!)));
  const B = Number(arg('batch'));
  const L = Number(arg('len'));
  const P = Number(arg('prompt'));
  const reps = Number(arg('reps') ?? 3);
  const all = new Int32Array(new Uint8Array(readFileSync(arg('seqs')!)).buffer);
  const seqs = Array.from({ length: B }, (_, b) => all.slice(b * L, (b + 1) * L));
  let engine: Engine;
  try {
    engine = await engineOf(kind, m, arg('threads') ? Number(arg('threads')) : undefined);
  } catch (e) {
    console.log(JSON.stringify({ peer: kind, skip: (e as Error).message.split('\n')[0] }));
    return;
  }
  const out: Record<string, unknown> = { peer: kind, version: `${engine.description}; node ${process.version}` };
  const time = async (s: Int32Array[]): Promise<{ t: number; argmax: Int32Array[] }> => {
    const t0 = performance.now();
    const r = await engine.forward(s);
    return { t: (performance.now() - t0) / 1000, argmax: r.argmax };
  };
  const prefixes = arg('prefixes')?.split(',').map(Number);
  if (prefixes && L > prefixes[1]!) {
    const [L1, L2] = prefixes as [number, number];
    const t1 = (await time(seqs.map((s) => s.subarray(0, L1)))).t;
    const t2 = (await time(seqs.map((s) => s.subarray(0, L2)))).t;
    const c = (t2 / L2 - t1 / L1) / (L2 - L1);
    const a = t1 / L1 - c * L1;
    Object.assign(out, { seconds: a * L + c * L * L, estimated: `from L = ${L1}, ${L2}`, times: [t1, t2], wrong: null });
  } else {
    await time(seqs); // warm-up (WebGPU: compiles this shape's kernels)
    const times: number[] = [];
    let wrong = 0;
    for (let r = 0; r < reps; r++) {
      const { t, argmax } = await time(seqs);
      times.push(t);
      wrong = Math.max(wrong, wrongTokens(seqs, argmax, P));
    }
    Object.assign(out, { seconds: Math.min(...times), times, wrong });
  }
  engine.dispose();
  out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(out));
}

try {
  await main();
} catch (e) {
  // A pass that failed (an allocation refused under bench/peers.ts's --mem-cap, say): one JSON line.
  const msg = String((e as Error)?.message ?? e).replace(/\s+/g, ' ');
  const oom = OUT_OF_MEMORY.exec(msg);
  console.log(JSON.stringify({ peer: arg('engine'), error: oom ? `OOM: ${msg.slice(oom.index, oom.index + 160)}` : msg.slice(0, 200) }));
}
process.exit(0);
