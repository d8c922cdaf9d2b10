// Benchmark of a looped latent model (compiler/looped): verify of c6288 (depth 124) with its own
// loop count on the CPU reference and on WebGPU, wall time in total and per iteration.
//   npm run bench:looped [-- --circuit c6288 --inputs 4 --kind looped --no-gpu --no-cpu]
// Per iteration = (T(own count) - T(1 loop)) / (own count - 1): the embedding, the argmax and
// the transfers are paid once per verify, whatever the count. WebGPU: the shaders are compiled
// (and, on lavapipe, JIT-compiled at their first dispatch) by an untimed warm-up run first.

import { loadavg } from 'node:os';
import { bindCompiled, compile, type LatentKind } from '../compiler/index.js';
import { CpuEngine, sampleInputs, verifyModel, type Engine, type VerifyReport } from '../runtime/index.js';
import { WebGpuEngine, openGpu } from '../runtime/webgpu/index.js';
import { arg, flag, loadShared } from './paths.js';


interface Row {
  backend: string;
  loops: number;
  total: number;
  one: number;
  ok: boolean;
}

async function timed(make: (loops: number) => Promise<Engine>, run: (e: Engine) => Promise<VerifyReport>, loops: number, warm: boolean): Promise<{ seconds: number; ok: boolean }> {
  const e = await make(loops);
  try {
    if (warm) await run(e);
    const t0 = performance.now();
    const r = await run(e);
    return { seconds: (performance.now() - t0) / 1000, ok: r.ok };
  } finally {
    e.dispose();
  }
}

async function main(): Promise<void> {
  const name = arg('circuit') ?? 'c6288';
  const kind = (arg('kind') ?? 'looped') as LatentKind;
  const n = Number(arg('inputs') ?? 4);
  const c = loadShared(`iscas85/${name}.bench`);
  const m = compile(c, { latent: kind });
  const count = m.meta.loop?.count;
  if (count === undefined || count < 2) throw new Error(`${name} --kind ${kind}: no loop of at least 2 iterations to time`);
  const b = bindCompiled(m, c);
  // n inputs: all-zeros, all-ones and random ones.
  const inputs = sampleInputs(c.nInputs, Math.max(0, n - 2), 1n).slice(0, n);
  const run = (e: Engine): Promise<VerifyReport> => verifyModel(b, e, inputs, { batch: n });
  const ctx = flag('no-gpu') ? undefined : await openGpu();
  console.log(`date ${new Date().toISOString()}; node ${process.version}; load average at start ${loadavg()[0]!.toFixed(2)}; ${ctx ? ctx.info.line : 'no GPU run'}`);
  console.log(`${name} ${kind}: ${c.nInputs + c.ops.length} wires, sequence ${b.seq.seqLen}, d_model ${m.d}, heads ${m.layers[0]!.heads.length}, own loop count ${count}, ${inputs.length} inputs`);
  const rows: Row[] = [];
  try {
    const backends: [string, (loops: number) => Promise<Engine>, boolean][] = [];
    if (!flag('no-cpu')) backends.push(['cpu', (loops) => Promise.resolve(new CpuEngine(m, 'f32', { loops })), false]);
    if (ctx) backends.push(['webgpu', (loops) => WebGpuEngine.create(m, 'f32', { context: ctx, loops }), true]);
    for (const [backend, make, warm] of backends) {
      const one = await timed(make, run, 1, warm);
      const all = await timed(make, run, count, warm);
      rows.push({ backend, loops: count, total: all.seconds, one: one.seconds, ok: all.ok });
      console.log(`${backend}: done (load average ${loadavg()[0]!.toFixed(2)})`);
    }
  } finally {
    ctx?.destroy();
  }
  console.log(`\nverify of ${name} (${kind}, f32, ${inputs.length} inputs in one batch), wall time`);
  console.log('| backend | loops | total s | 1 loop s | per iteration ms | verified |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const per = ((r.total - r.one) / (r.loops - 1)) * 1000;
    console.log(`| ${r.backend} | ${r.loops} | ${r.total.toFixed(2)} | ${r.one.toFixed(2)} | ${per.toFixed(1)} | ${r.ok ? 'yes' : 'NO'} |`);
  }
  console.log(`load average at end ${loadavg()[0]!.toFixed(2)} (the machine may be shared)`);
}

await main();
