// Recording work into command encoders.
//   Chunk (teacher forcing, and the prompt prefill of generation): embedding; per layer the
//   projections of all heads, each head's streaming-softmax attention once per key/value
//   segment it needs, the output projection and the feed-forward layer (one kernel);
//   unembedding and argmax.
//   Step (one generated position): per layer the split-key decoding attention of all heads,
//   then the fused per-row step kernel (merge, W_O, FF, and the next projections or the argmax
//   and the next embedding).
//   Latent models (latent.ts) record the same pieces layer by layer: every chunk's embedding,
//   then each applied layer over every chunk (encodeLayer), the changed-flag test of a loop
//   iteration (encodeCompare), and every chunk's unembedding.

import type { ModelBuffers } from './buffers.js';
import type { GpuContext } from './gpu.js';
import type { Kernel } from './kernels.js';
import { kRow, type HeadLayout, type LayerLayout, type ModelLayout } from './layout.js';
import type { ParamArena } from './params.js';
import type { Profiler } from './profile.js';
import { FLAG_FIRST, FLAG_GENERATE, FLAG_LAST, FLAG_LOGITS, WG, type Params } from './shaders/common.js';
import { decodeSplit, headGroups, headRuns, partialStride } from './shaders/decode.js';
import { flashGroupsX } from './shaders/flash.js';
import { projectJobs } from './shaders/project.js';
import type { Workspace } from './workspace.js';

export interface LayerKernels {
  project: Kernel;
  /** Output projection and feed-forward layer. */
  mix: Kernel;
  /** Chunk attention, per head. */
  flash: Kernel[];
  /** Decoding attention, per run of same-shaped heads (headRuns). */
  decode?: Kernel[];
  step?: Kernel;
}

export interface PassKernels {
  embed: Kernel;
  unembed: Kernel;
  layers: LayerKernels[];
  start?: Kernel;
  /** Latent loops: the changed-flag test (shaders/compare.ts). */
  compare?: Kernel;
}

/** Where a chunk's residual stream lives: its buffer, and a suffix of its bind-group keys. */
export interface ChunkState {
  buf: GPUBuffer;
  key: string;
}

export type ChunkMode = { kind: 'verify'; logits: boolean } | { kind: 'generate'; writeFrom: number };

/** Positions [c0, c1) of every chunk of [from, to): no chunk crosses a multiple of a bound. */
export function chunkRanges(from: number, to: number, C: number, bounds: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let c0 = from; c0 < to; ) {
    let c1 = Math.min(to, c0 + C);
    for (const r of bounds) c1 = Math.min(c1, (Math.floor(c0 / r) + 1) * r);
    out.push([c0, c1]);
    c0 = c1;
  }
  return out;
}

export class PassEncoder {
  private readonly ctx: GpuContext;
  private readonly ml: ModelLayout;
  private readonly mb: ModelBuffers;
  private readonly ws: Workspace;
  private readonly ks: PassKernels;
  private readonly arena: ParamArena;
  private readonly profiler: Profiler | undefined;

  constructor(ctx: GpuContext, ml: ModelLayout, mb: ModelBuffers, ws: Workspace, ks: PassKernels, arena: ParamArena, profiler?: Profiler) {
    this.ctx = ctx;
    this.profiler = profiler;
    this.ml = ml;
    this.mb = mb;
    this.ws = ws;
    this.ks = ks;
    this.arena = arena;
  }

  /** Stored layers of the model. */
  get layerCount(): number {
    return this.ml.layers.length;
  }

  private segsUpTo(pos: number): number {
    return Math.floor(pos / this.ws.plan.kvRows) + 1;
  }

  /** Parameter slots a chunk ending at c1 uses (at most). */
  chunkSlots(c1: number): number {
    return 2 + this.ml.layers.reduce((n, _, l) => n + this.layerSlots(l, c1), 0);
  }

  /** Parameter slots stored layer l uses on a chunk ending at c1 (at most). */
  layerSlots(l: number, c1: number): number {
    return 1 + this.ml.layers[l]!.heads.length * this.segsUpTo(Math.max(1, c1) - 1);
  }

  /** Parameter slots the decoding step at position i uses. */
  stepSlots(i: number): number {
    return this.ml.layers.reduce((n, L) => n + headRuns(L).length * this.segsUpTo(i) + 1, 0);
  }

  private grid(n: number): [number, number] {
    const groups = Math.max(1, Math.ceil(n / WG));
    const maxX = this.ctx.limits.maxWorkgroupsPerDim;
    if (groups <= maxX) return [groups, 1];
    return [maxX, Math.ceil(groups / maxX)];
  }

  private bind(key: string, k: Kernel, buffers: GPUBuffer[]): GPUBindGroup {
    return this.ws.bindGroup(`${k.label}|${key}`, () =>
      this.ctx.device.createBindGroup({
        label: k.label,
        layout: k.layout,
        entries: buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
      }),
    );
  }

  private run(pass: GPUComputePassEncoder, k: Kernel, bg: GPUBindGroup, params: GPUBindGroup, x: number, y = 1): void {
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, bg);
    pass.setBindGroup(1, params);
    pass.dispatchWorkgroups(x, y);
  }

  /** Parameters placing head h of a layer for the attention kernels. */
  private headParams(Ly: LayerLayout, hl: HeadLayout): Params {
    const B = this.ws.plan.B;
    return { hKRow: kRow(Ly, B), hKOff: hl.kSh + hl.kNs * B, hAOff: hl.aOff, hHdv: Ly.hdv };
  }

  private base(pos0: number, nPos: number, tp: number, flags: number, writeFrom: number): Params {
    const { plan } = this.ws;
    return {
      pos0,
      nPos,
      nRows: plan.B,
      seqLen: plan.L,
      posBase: Math.floor(tp / this.mb.posRows) * this.mb.posRows,
      kvBase: Math.floor(tp / plan.kvRows) * plan.kvRows,
      kvRows: plan.kvRows,
      chunkCap: plan.C,
      flags,
      writeFrom,
      blockCap: plan.blockCap,
      dim: this.ml.d,
    };
  }

  /** Parameters of a chunk's kernels: positions [c0, c1) of the pass. */
  chunkBase(c0: number, c1: number, mode: ChunkMode): Params {
    const logits = mode.kind === 'verify' && mode.logits;
    const flags = (logits ? FLAG_LOGITS : 0) | (mode.kind === 'generate' ? FLAG_GENERATE : 0);
    return this.base(c0, c1 - c0, c0, flags, mode.kind === 'generate' ? mode.writeFrom : 0);
  }

  /** Records the chunk [c0, c1): embedding, every stored layer in order, unembedding. */
  encodeChunk(enc: GPUCommandEncoder, c0: number, c1: number, mode: ChunkMode): void {
    const base = this.chunkBase(c0, c1, mode);
    const h = { buf: this.ws.h, key: '' };
    let pass = enc.beginComputePass();
    this.encodeEmbed(pass, base, h);
    for (let l = 0; l < this.ml.layers.length; l++) pass = this.encodeLayer(enc, pass, l, base, h);
    this.encodeUnembed(pass, base, mode, h);
    pass.end();
    this.copyLogits(enc, base, mode);
  }

  /** Embeds the chunk of `base` into h. */
  encodeEmbed(pass: GPUComputePassEncoder, base: Params, h: ChunkState): void {
    const { ws, mb, ml, ks } = this;
    const posSeg = Math.floor(base.pos0! / mb.posRows);
    const pb = this.arena.alloc(base);
    this.run(pass, ks.embed, this.bind(`${posSeg}${h.key}`, ks.embed, [ws.tokens, mb.weights, mb.pos[posSeg]!, h.buf]), pb, ...this.grid(ws.plan.B * base.nPos! * ml.d));
  }

  /**
   * Applies stored layer l to the chunk of `base` held in h: projections into the layer's
   * key/value cache, each head's attention over every key segment up to the chunk's end, output
   * projection and feed-forward layer. Returns the compute pass to go on with (profiling gives
   * each head's attention a pass of its own).
   */
  encodeLayer(enc: GPUCommandEncoder, pass: GPUComputePassEncoder, l: number, base: Params, h: ChunkState): GPUComputePassEncoder {
    const { ws, mb, ml, ks, arena } = this;
    const plan = ws.plan;
    const { B, kvRows } = plan;
    const c0 = base.pos0!;
    const c1 = c0 + base.nPos!;
    const kvSeg = Math.floor(c0 / kvRows);
    const Ly = ml.layers[l]!;
    const lk = ks.layers[l]!;
    const pl = arena.alloc({ ...base, wDir: Ly.dir });
    this.run(pass, lk.project, this.bind(`${l}.${kvSeg}${h.key}`, lk.project, [mb.weights, h.buf, ws.q, ws.k[l]![kvSeg]!, ws.v[l]![kvSeg]!]), pl, ...this.grid(projectJobs(Ly, B, base.nPos!)));
    const nSeg = this.segsUpTo(c1 - 1);
    Ly.heads.forEach((hl, hi) => {
      const hp = plan.heads[l]![hi]!;
      const hpar = this.headParams(Ly, hl);
      // Profiling: this head's attention in a pass of its own, timestamped at both ends.
      const tw = this.profiler?.writes(`attention ${l}.${hi}`);
      if (tw) {
        pass.end();
        pass = enc.beginComputePass({ timestampWrites: tw });
      }
      const k = lk.flash[hi]!;
      for (let s = 0; s < nSeg; s++) {
        const kStart = s * kvRows;
        const f = base.flags! | (s === 0 ? FLAG_FIRST : 0) | (s === nSeg - 1 ? FLAG_LAST : 0);
        const pg = arena.alloc({ ...base, ...hpar, kvBase: kStart, kStart, kEnd: Math.min(kStart + kvRows, c1), flags: f });
        this.run(pass, k, this.bind(`${l}.${s}`, k, [ws.q, ws.k[l]![s]!, ws.v[l]![s]!, ws.a, ws.state]), pg, flashGroupsX(base.nPos!, hp.qpi), hp.groups);
      }
      if (tw) {
        pass.end();
        pass = enc.beginComputePass();
      }
    });
    this.run(pass, lk.mix, this.bind(`${l}${h.key}`, lk.mix, [mb.weights, ws.a, h.buf]), pl, ...this.grid(B * base.nPos!));
    return pass;
  }

  /** Logits (when asked for) and argmax of the chunk of `base`: into the argmax buffer, or as
   * the next tokens when generating. */
  encodeUnembed(pass: GPUComputePassEncoder, base: Params, mode: ChunkMode, h: ChunkState): void {
    const { ws, mb, ks } = this;
    const lg = base.flags! & FLAG_LOGITS ? ws.logits() : undefined;
    const dst = mode.kind === 'verify' ? ws.out : ws.tokens;
    const pb = this.arena.alloc(base);
    this.run(pass, ks.unembed, this.bind(`${Boolean(lg)}.${mode.kind}${h.key}`, ks.unembed, [mb.weights, h.buf, lg ? lg.chunk : ws.dummy, dst]), pb, ...this.grid(ws.plan.B * base.nPos!));
  }

  /** Copies the chunk's logits into the read-back buffer (outside a compute pass), when asked for. */
  copyLogits(enc: GPUCommandEncoder, base: Params, mode: ChunkMode): void {
    if (mode.kind !== 'verify' || !mode.logits) return;
    const { B, L, C } = this.ws.plan;
    const V = this.ml.V;
    const lg = this.ws.logits();
    const c0 = base.pos0!;
    const rowBytes = base.nPos! * V * 4;
    for (let b = 0; b < B; b++) enc.copyBufferToBuffer(lg.chunk, b * C * V * 4, lg.staging, (b * L + c0) * V * 4, rowBytes);
  }

  /** Latent loops: sets changed-flag row `slot` of batch row b when the chunk's residual in h
   * differs from `old` anywhere, and copies h into `old` (for the next iteration's test). */
  encodeCompare(pass: GPUComputePassEncoder, base: Params, h: ChunkState, old: GPUBuffer, slot: number): void {
    const k = this.ks.compare!;
    const pc = this.arena.alloc({ ...base, flagSlot: slot });
    this.run(pass, k, this.bind(`compare${h.key}`, k, [h.buf, old, this.ws.flags()]), pc, ...this.grid(this.ws.plan.B * base.nPos!));
  }

  /** Embeds position i (its token already in the token buffer) and projects layer 0 there. */
  encodeStart(pass: GPUComputePassEncoder, i: number): void {
    const { ws, mb, ks } = this;
    const k = ks.start!;
    const pg = this.arena.alloc({ ...this.base(i, 1, i, FLAG_GENERATE, 0), wDir2: this.ml.layers[0]!.dir });
    const ps = Math.floor(i / mb.posRows);
    const s = Math.floor(i / ws.plan.kvRows);
    this.run(pass, k, this.bind(`${ps}.${s}`, k, [mb.weights, ws.h, ws.q, ws.k[0]![s]!, ws.v[0]![s]!, mb.pos[ps]!, ws.tokens]), pg, ...this.grid(ws.plan.B));
  }

  /** Records decoding step i: attention of position i, then the argmax written as token i + 1. */
  encodeStep(pass: GPUComputePassEncoder, i: number): void {
    const { ws, mb, ml, ks, arena } = this;
    const plan = ws.plan;
    const { B, kvRows } = plan;
    const nL = ml.layers.length;
    ml.layers.forEach((Ly, l) => {
      const lk = ks.layers[l]!;
      const stride = partialStride(Ly, plan.nb);
      // Per run of same-shaped heads and key segment: n invocations write partials
      // blockBase .. blockBase + n - 1 of each (head, group) row.
      let nBlocks = 0;
      let gBase = 0;
      headRuns(Ly).forEach((run, ri) => {
        const hl = Ly.heads[run.h0]!;
        const dec = lk.decode![ri]!;
        const groups = headGroups(hl, B, plan.nb);
        const hpar = { ...this.headParams(Ly, hl), hGBase: gBase, pStride: stride };
        nBlocks = 0;
        for (let s = 0; s * kvRows <= i; s++) {
          const kStart = s * kvRows;
          const kEnd = Math.min(kStart + kvRows, i + 1);
          const n = decodeSplit(kEnd - kStart, plan.decodeLanes);
          const pg = arena.alloc({ ...this.base(i, 1, i, FLAG_GENERATE, 0), ...hpar, kvBase: kStart, kStart, kEnd, blockBase: nBlocks, nBlocks: n });
          this.run(pass, dec, this.bind(`${l}.${ri}.${s}`, dec, [ws.q, ws.k[l]![s]!, ws.v[l]![s]!, ws.partials()]), pg, Math.ceil(n / WG), groups * run.n);
          nBlocks += n;
        }
        gBase += groups * run.n;
      });
      // The step kernel writes the next projections at position tp: i (next layer) or i + 1.
      const last = l === nL - 1;
      const tp = last ? Math.min(i + 1, plan.L - 1) : i;
      const lp = last ? 0 : l + 1;
      const pg = arena.alloc({ ...this.base(i, 1, tp, FLAG_GENERATE, 0), nBlocks, wDir: Ly.dir, wDir2: ml.layers[lp]!.dir });
      const ps = Math.floor(tp / mb.posRows);
      const s = Math.floor(tp / kvRows);
      const step = lk.step!;
      const bufs = [mb.weights, ws.h, ws.q, ws.k[lp]![s]!, ws.v[lp]![s]!, ...(last ? [mb.pos[ps]!, ws.tokens] : []), ws.partials()];
      this.run(pass, step, this.bind(`${l}.${ps}.${s}`, step, bufs), pg, ...this.grid(B)); // layers of one shape share the kernel
    });
  }
}
