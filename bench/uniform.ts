// Benchmark of the uniform model against the positional one, same machine, same run, B = 1:
// attention pair-evaluations per second per head, and the uniform/positional ratio, on the CPU
// reference and on WebGPU; then the compile time and file size of uniform models across N.
//   npm run bench:uniform [-- --circuits c6288,c7552 --capacity 8192 --cpu-prefix 4096 --no-gpu
//                             --no-reference --rounds 3]
// The uniform model's heads read the input, so nothing is shared across a batch; at B = 1 both
// models do the same dense causal attention, S(S+1)/2 pairs per head. WebGPU: the attention
// kernels' time from timestamp queries, the best of --rounds passes of each model, alternating.
// CPU: the time the stepper spends attending over positions
// (scores, softmax, weighted sums), measured on the first --cpu-prefix positions of each sequence
// (the whole pass is too long for the CPU at S ≈ 30 000); per-pair cost does not depend on S.
// CPU fast (runtime/cpu/fast/, the default f32 CPU kernel): the time of its attention jobs (all
// threads, wall time) over the WHOLE sequences, best of two passes.

import { loadavg } from 'node:os';
import { compile, compileUniform } from '../compiler/index.js';
import { bindModel, modelToBytes, type Bound, type Model } from '../model/index.js';
import { CpuEngine, FastCpuEngine, referenceSequences, sampleInputs } from '../runtime/index.js';
import { WebGpuEngine, openGpu, type GpuContext } from '../runtime/webgpu/index.js';
import { arg, flag, loadShared as load } from './paths.js';


const pairs = (S: number): number => (S * (S + 1)) / 2;
const heads = (m: Model): number => m.layers.reduce((s, L) => s + L.heads.length, 0);
const fmt = (x: number): string => (Number.isFinite(x) ? (x >= 1e6 ? x.toExponential(2).replace('e+', 'e') : x.toPrecision(3)) : '-');


interface Rate {
  S: number;
  seconds: number;
  perHead: number;
  ok: boolean;
}

function verifies(b: Bound, seq: Int32Array, argmax: Int32Array): boolean {
  for (let p = b.seq.promptLength - 1; p < seq.length - 1; p++) if (argmax[p] !== seq[p + 1]) return false;
  return true;
}

function cpuRate(b: Bound, seq: Int32Array, prefix: number): Rate {
  const L = Math.min(prefix, seq.length);
  const eng = new CpuEngine(b.model, 'f32', { profile: true });
  const r = eng.forwardSync([seq.subarray(0, L)]);
  const att = eng.lastAttentionSeconds!;
  const ok = L < seq.length || verifies(b, seq, r.argmax[0]!);
  return { S: L, seconds: att, perHead: pairs(L) / (att / heads(b.model)), ok };
}

function fastRate(b: Bound, seq: Int32Array): Rate {
  const eng = new FastCpuEngine(b.model);
  let best = Infinity;
  let ok = false;
  for (let rep = 0; rep < 2; rep++) {
    const r = eng.forwardSync([seq]);
    const att = eng.lastAttentionSeconds!;
    if (att < best) {
      best = att;
      ok = verifies(b, seq, r.argmax[0]!);
    }
  }
  return { S: seq.length, seconds: best, perHead: pairs(seq.length) / (best / heads(b.model)), ok };
}

/** WebGPU: both models' engines built (and their kernels compiled) first, then `rounds` rounds
 *  that each time one pass of the positional model and one of the uniform model, alternating, so
 *  that a change in the machine's load meets both; each model's best pass counts. */
async function gpuRates(ctx: GpuContext, models: [Bound, Int32Array][], rounds: number): Promise<Rate[]> {
  const engs = await Promise.all(models.map(([b]) => WebGpuEngine.create(b.model, 'f32', { context: ctx, profile: true })));
  try {
    for (let i = 0; i < models.length; i++) await engs[i]!.forward([models[i]![1]]); // compiles this shape's kernels
    const best = models.map(() => ({ seconds: Infinity, ok: false, heads: {} as Record<string, number> }));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < models.length; i++) {
        const [b, seq] = models[i]!;
        const r = await engs[i]!.forward([seq]);
        const prof = engs[i]!.lastProfile!;
        if (prof.attentionSeconds < best[i]!.seconds) best[i] = { seconds: prof.attentionSeconds, ok: verifies(b, seq, r.argmax[0]!), heads: { ...prof.headSeconds } };
      }
    }
    return models.map(([b, seq], i) => {
      const P = pairs(seq.length);
      const perHead = Object.entries(best[i]!.heads).map(([h, t]) => `${h} ${fmt(P / t)}`).join(', ');
      console.log(`  webgpu ${b.model.meta.mode ?? 'positional'}: S ${seq.length}, attention ${best[i]!.seconds.toFixed(3)} s; pairs/s per head: ${perHead}`);
      return { S: seq.length, seconds: best[i]!.seconds, perHead: P / (best[i]!.seconds / heads(b.model)), ok: best[i]!.ok };
    });
  } finally {
    for (const e of engs) e.dispose();
  }
}

async function main(): Promise<void> {
  const names = (arg('circuits') ?? 'c6288,c7552').split(',');
  const N = Number(arg('capacity') ?? 8192);
  const prefix = Number(arg('cpu-prefix') ?? 4096);
  const rounds = Number(arg('rounds') ?? 3);
  const ctx = flag('no-gpu') ? undefined : await openGpu({ timestamps: true, dawnOptions: ['disable-dawn-features=timestamp_quantization'] });
  console.log(`date ${new Date().toISOString()}; node ${process.version}; load average at start ${loadavg()[0]!.toFixed(2)}; ${ctx ? ctx.info.line : 'no GPU run'}`);
  const uni = compileUniform(N);
  const rows: string[] = [];
  try {
    for (const name of names) {
      const c = load(`iscas85/${name}.bench`);
      const pos = bindModel(compile(c, { cot: '4tok' }));
      const u = bindModel(uni, c);
      const x = sampleInputs(c.nInputs, 1, 1n).slice(1, 2);
      const [ps] = referenceSequences(pos, x);
      const [us] = referenceSequences(u, x);
      const line = (backend: string, p: Rate, q: Rate) =>
        `| ${name} | ${backend} | ${p.S} | ${fmt(p.perHead)} | ${q.S} | ${fmt(q.perHead)} | ${(100 * q.perHead / p.perHead).toFixed(0)}% | ${p.ok && q.ok ? 'yes' : 'NO'} |`;
      rows.push(line('cpu fast', fastRate(pos, ps!), fastRate(u, us!)));
      if (!flag('no-reference')) rows.push(line('cpu reference', cpuRate(pos, ps!, prefix), cpuRate(u, us!, prefix)));
      if (ctx) {
        const [p, q] = await gpuRates(ctx, [[pos, ps!], [u, us!]], rounds);
        rows.push(line('webgpu', p!, q!));
      }
      console.log(`${name}: done (load average ${loadavg()[0]!.toFixed(2)})`);
    }
  } finally {
    ctx?.destroy();
  }
  console.log(`\nattention pairs/s per head at B = 1, positional 4tok model vs the uniform model of capacity ${N} (one file for both circuits)`);
  console.log('| circuit | backend | S positional | pairs/s per head | S uniform | pairs/s per head | uniform / positional | verified |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(`(CPU reference: the first ${prefix} positions of each sequence; CPU fast and WebGPU: the whole sequence; "verified": every argmax there is the reference token)`);
  console.log('\ncompile time and file size of the uniform model');
  console.log('| N | d_model | compile s | file MB | bytes per wire |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const n of [16, 256, 4096, 8192, 65536]) {
    const t0 = performance.now();
    const m = compileUniform(n);
    const s = (performance.now() - t0) / 1000;
    const bytes = modelToBytes(m).length;
    console.log(`| ${n} | ${m.d} | ${s.toFixed(2)} | ${(bytes / 1e6).toFixed(1)} | ${(bytes / n).toFixed(0)} |`);
  }
  console.log(`load average at end ${loadavg()[0]!.toFixed(2)} (the machine may be shared)`);
}

await main();
