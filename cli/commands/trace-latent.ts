// gatecot trace of a latent model (looped, looped-cot, deep: no CoT): the values settling,
// iteration by iteration (runtime/latent-trace.ts), as text, JSON or the HTML viewer with a
// slider over the iterations. The CPU reference computes every iteration; with --backend naming
// another engine, that engine runs the model too and its final readout is compared wire by wire.
// Exit 1 when a wire's readout (outputs included) differs from direct evaluation, as verify.

import type { Bound } from '../../model/index.js';
import { parseBackend } from '../engine-flags.js';
import { createEngine, promptOf, type Engine, type LoopSetting } from '../../runtime/index.js';
import { traceLatent, type LatentTraceData } from '../../runtime/latent-trace.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED } from '../errors.js';
import { writeOutput } from '../files.js';
import { renderLatentHtml } from '../html/latent-page.js';
import { renderLatentText } from '../trace-text-latent.js';

export interface LatentTraceFlags {
  backend: string;
  arith: string;
  json?: boolean;
  html?: string;
  force?: boolean;
}

/** The engine --backend names when it is not the CPU reference (created first: a refusal comes before the work). */
async function otherEngine(ctx: CliContext, bound: Bound, o: LatentTraceFlags, loops: LoopSetting | undefined): Promise<Engine | undefined> {
  const choice = parseBackend(o.backend);
  if (choice === 'cpu') return undefined;
  const { engine, notice } = await createEngine(bound.model, choice, o.arith, loops !== undefined ? { loops } : {});
  if (notice) ctx.io.err(`gatecot: ${notice}\n`);
  if (engine.backend !== 'cpu') return engine;
  engine.dispose();
  return undefined;
}

/** That engine's final readout at every wire, compared with the trace's last iteration. */
export async function compareEngine(engine: Engine, bound: Bound, bits: Uint8Array, data: LatentTraceData): Promise<void> {
  const r = await engine.forward([promptOf(bound, bits)]);
  const am = r.argmax[0]!;
  const vocab = bound.model.vocab;
  const last = data.iterations[data.iterations.length - 1]!.values;
  const char = (id: number) => {
    const s = vocab[id] ?? '*';
    return s.length === 1 ? s : '*';
  };
  data.engines = {
    values: { backend: engine.backend, arith: engine.arith, description: engine.description },
    details: { backend: 'cpu', arith: data.model.arith, description: `CPU reference (${data.model.arith})` },
    disagreements: data.wire_pos.flatMap((p, w) => (char(am[p]!) === last[w] ? [] : [w])),
  };
}

export async function traceLatentCommand(ctx: CliContext, bound: Bound, bits: Uint8Array, o: LatentTraceFlags, gate: number | undefined, loops: LoopSetting | undefined): Promise<void> {
  const engine = await otherEngine(ctx, bound, o, loops);
  let data: LatentTraceData;
  try {
    data = traceLatent(bound, bits, { arith: o.arith, ...(loops !== undefined ? { loops } : {}), ...(gate !== undefined ? { gates: [gate] } : {}) });
    if (engine) await compareEngine(engine, bound, bits, data);
  } finally {
    engine?.dispose();
  }
  if (o.json) ctx.io.out(JSON.stringify(data) + '\n');
  if (o.html !== undefined) {
    const page = await renderLatentHtml(data);
    writeOutput(o.html, page, Boolean(o.force));
    const line = `wrote ${o.html}: latent trace viewer of ${data.iterations.length - 1} iterations, ${(page.length / 1e6).toFixed(1)} MB\n`;
    if (o.json) ctx.io.err(line);
    else ctx.io.out(line);
  } else if (!o.json) ctx.io.out(renderLatentText(data, gate));
  if (!data.outputs.ok || data.wrong.length > 0 || (data.engines?.disagreements.length ?? 0) > 0) ctx.code = EXIT_CHECK_FAILED;
}
