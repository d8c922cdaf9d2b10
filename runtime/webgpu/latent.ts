// Latent models on the GPU (looped, looped-cot, deep: no chain of thought, the answer is the
// argmax at every position), layer by layer like the CPU reference (runtime/cpu/layer-major.ts):
// every chunk of positions goes through one applied layer before the next, so one key/value
// cache serves every layer and every iteration (workspace.ts), and the residual stream stays on
// the GPU from the embedding to the argmax: a loop of 10^4 iterations is recorded without any
// read-back. The chunks are in increasing order within each layer, so a chunk's attention
// reads keys of the same layer pass, written by this chunk and the ones before it (a sequence
// that does not fit one chunk is still exact).
//   loops 'auto': after every iteration a compare kernel sets a flag per batch row whose
// residual changed anywhere (shaders/compare.ts); FLAG_ROWS iterations are recorded per
// read-back of the flags. An iteration that changes nothing leaves a fixed point (the kernels
// are deterministic), so the iterations recorded after it change nothing either: each row's
// count is the last iteration that changed it, exactly what the CPU reports.

import { readBack } from './buffers.js';
import type { ChunkMode, ChunkState, PassEncoder } from './encode.js';
import type { GpuContext } from './gpu.js';
import type { ParamArena } from './params.js';
import type { Params } from './shaders/common.js';
import { FLAG_ROWS, type Workspace } from './workspace.js';
import { LoopsDidNotSettle } from '../cpu/layer-major.js';

/** Submits recorded work when the parameter slots run out or after `perSubmit` layer passes,
 * with at most two submissions queued (the next is recorded while one runs). */
class Recorder {
  private ce: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | undefined;
  private ops = 0;
  private inFlight: Promise<undefined> | undefined;
  private readonly ctx: GpuContext;
  private readonly arena: ParamArena;
  private readonly perSubmit: number;

  constructor(ctx: GpuContext, arena: ParamArena, perSubmit: number) {
    this.ctx = ctx;
    this.arena = arena;
    this.perSubmit = perSubmit;
    this.ce = ctx.device.createCommandEncoder();
  }

  /** The command encoder and a compute pass with room for `slots` more parameter blocks. */
  async compute(slots: number): Promise<{ ce: GPUCommandEncoder; pass: GPUComputePassEncoder }> {
    if (this.ops > 0 && (slots > this.arena.free || this.ops >= this.perSubmit)) await this.submit();
    this.ops++;
    this.pass ??= this.ce.beginComputePass();
    return { ce: this.ce, pass: this.pass };
  }

  /** After encodeLayer: the pass it left open. */
  continueWith(pass: GPUComputePassEncoder): void {
    this.pass = pass;
  }

  /** The command encoder outside any compute pass (copies, clears). */
  encoder(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = undefined;
    return this.ce;
  }

  async submit(): Promise<void> {
    const ce = this.encoder();
    const dev = this.ctx.device;
    await this.ctx.scoped('the recorded kernels', () => {
      this.arena.flush(dev.queue);
      dev.queue.submit([ce.finish()]);
    });
    if (this.inFlight) await this.inFlight;
    this.inFlight = dev.queue.onSubmittedWorkDone();
    this.ce = dev.createCommandEncoder();
    this.ops = 0;
  }

  /** Submits what is recorded and waits until the GPU has done everything. */
  async finish(): Promise<void> {
    await this.submit();
    if (this.inFlight) await this.inFlight;
    this.inFlight = undefined;
    this.ctx.check();
  }
}

export interface LatentOptions {
  /** Stored layer indices in the order applied (model/schedule.ts appliedLayers). */
  applied: number[];
  mode: ChunkMode;
  /** loops 'auto': the loop's stored layers [start, end) and the most iterations before LoopsDidNotSettle. */
  auto?: { start: number; end: number; maxLoops: number };
  /** Layer passes recorded per submission. */
  perSubmit: number;
}

/**
 * Runs one batch (its tokens already uploaded) through the applied layers, leaving the argmax
 * (and logits) in the workspace. Returns, with auto, each row's loop count.
 */
export async function runLatent(ctx: GpuContext, enc: PassEncoder, ws: Workspace, arena: ParamArena, chunks: [number, number][], o: LatentOptions): Promise<number[] | undefined> {
  const rec = new Recorder(ctx, arena, o.perSubmit);
  const bases: Params[] = chunks.map(([c0, c1]) => enc.chunkBase(c0, c1, o.mode));
  const hs: ChunkState[] = chunks.map((_, c) => ({ buf: ws.hChunk(c), key: `.h${c}` }));
  const layer = async (l: number, compareSlot?: number): Promise<void> => {
    for (let c = 0; c < chunks.length; c++) {
      const { ce, pass } = await rec.compute(enc.layerSlots(l, chunks[c]![1]) + 1);
      const after = enc.encodeLayer(ce, pass, l, bases[c]!, hs[c]!);
      if (compareSlot !== undefined) enc.encodeCompare(after, bases[c]!, hs[c]!, ws.oldChunk(c), compareSlot);
      rec.continueWith(after);
    }
  };
  for (let c = 0; c < chunks.length; c++) enc.encodeEmbed((await rec.compute(1)).pass, bases[c]!, hs[c]!);
  let loops: number[] | undefined;
  if (o.auto) {
    const { start, end, maxLoops } = o.auto;
    for (let l = 0; l < start; l++) await layer(l);
    const B = ws.plan.B;
    const init = rec.encoder();
    hs.forEach((h, c) => init.copyBufferToBuffer(h.buf, 0, ws.oldChunk(c), 0, h.buf.size));
    loops = new Array<number>(B).fill(0);
    let done = 0; // iterations whose flags were read
    let settled = false;
    while (!settled) {
      if (done >= maxLoops + 1) throw new LoopsDidNotSettle(`the loop did not settle within ${maxLoops} iterations`);
      const K = Math.min(FLAG_ROWS, maxLoops + 1 - done);
      rec.encoder().clearBuffer(ws.flags());
      for (let k = 0; k < K; k++) for (let l = start; l < end; l++) await layer(l, l === end - 1 ? k : undefined);
      rec.encoder().copyBufferToBuffer(ws.flags(), 0, ws.flagStaging(), 0, K * B * 4);
      await rec.finish();
      const flags = new Uint32Array(await readBack(ctx, ws.flagStaging(), K * B * 4));
      for (let k = 0; k < K && !settled; k++) {
        settled = true;
        for (let b = 0; b < B; b++) {
          if (flags[k * B + b]) {
            loops[b] = done + k + 1;
            settled = false;
          }
        }
      }
      done += K;
    }
    for (let l = end; l < enc.layerCount; l++) await layer(l); // the coda
  } else {
    for (const l of o.applied) await layer(l);
  }
  for (let c = 0; c < chunks.length; c++) {
    enc.encodeUnembed((await rec.compute(1)).pass, bases[c]!, o.mode, hs[c]!);
    enc.copyLogits(rec.encoder(), bases[c]!, o.mode);
  }
  await rec.finish();
  return loops;
}
