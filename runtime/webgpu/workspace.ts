// The buffers of one pass (B sequences of length L): tokens, argmax output, the chunk's hidden
// state, queries, head outputs and softmax state, every layer's key/value cache segments, and
// the decoding partials. Kept by the engine and reused while B and L stay the same (verify calls
// the engine once per batch of equal shape), with its bind groups.
// Layer-major passes (latent models, latent.ts) run one layer over every position before the
// next, so ONE key/value cache, sized for the widest layer, serves every layer (a deep model of
// 500 layers, or a block looped 10^4 times, needs no more); their residual stream stays on the
// GPU in one chunk-shaped buffer per chunk (hChunk), with a second set for the loop's
// changed-flag test (oldChunk) and the flags themselves.

import { readbackBuffer, storageBuffer } from './buffers.js';
import type { GpuContext } from './gpu.js';
import { kRow, type ModelLayout } from './layout.js';
import type { PassPlan } from './plan.js';

/** Loop iterations whose changed flags one read-back collects (latent.ts). */
export const FLAG_ROWS = 8;

export class Workspace {
  readonly plan: PassPlan;
  readonly tokens: GPUBuffer;
  readonly out: GPUBuffer;
  readonly h: GPUBuffer;
  readonly q: GPUBuffer;
  readonly a: GPUBuffer;
  readonly state: GPUBuffer;
  /** Key and value cache segments: k[layer][segment]. */
  readonly k: GPUBuffer[][];
  readonly v: GPUBuffer[][];
  readonly tokStaging: GPUBuffer;
  /** Bound where a kernel's output is not wanted (logits when none were asked for). */
  readonly dummy: GPUBuffer;
  private parts: GPUBuffer | undefined;
  private logitsBuf: GPUBuffer | undefined;
  private logitsStage: GPUBuffer | undefined;
  private readonly ctx: GpuContext;
  private readonly ml: ModelLayout;
  private readonly groups = new Map<string, GPUBindGroup>();
  /** One key/value cache shared by every layer (layer-major passes). */
  readonly layerMajor: boolean;
  private readonly hs: GPUBuffer[] = [];
  private readonly olds: GPUBuffer[] = [];
  private flagBuf: GPUBuffer | undefined;
  private flagStage: GPUBuffer | undefined;

  constructor(ctx: GpuContext, ml: ModelLayout, plan: PassPlan, layerMajor = false) {
    this.ctx = ctx;
    this.ml = ml;
    this.plan = plan;
    this.layerMajor = layerMajor;
    const { B, L, C } = plan;
    const by = ml.bytes;
    this.dummy = storageBuffer(ctx, 16, 'unused output');
    this.tokens = storageBuffer(ctx, B * L * 4, 'tokens');
    this.out = storageBuffer(ctx, B * L * 4, 'argmax');
    this.h = storageBuffer(ctx, B * C * ml.d * by, 'hidden state chunk');
    this.q = storageBuffer(ctx, plan.qSize * by, 'queries');
    this.a = storageBuffer(ctx, plan.aSize * by, 'head outputs');
    this.state = storageBuffer(ctx, plan.stateSize * by, 'softmax state');
    const rows = (s: number): number => Math.min(plan.kvRows, L - s * plan.kvRows);
    const segs = Array.from({ length: plan.kvSegs }, (_, s) => s);
    if (layerMajor) {
      const kw = Math.max(...ml.layers.map((Ly) => kRow(Ly, B)));
      const vw = Math.max(...ml.layers.map((Ly) => B * Ly.hdv));
      const k = segs.map((s) => storageBuffer(ctx, rows(s) * kw * by, `keys [${s}]`));
      const v = segs.map((s) => storageBuffer(ctx, rows(s) * vw * by, `values [${s}]`));
      this.k = ml.layers.map(() => k);
      this.v = ml.layers.map(() => v);
    } else {
      this.k = ml.layers.map((Ly, l) => segs.map((s) => storageBuffer(ctx, rows(s) * kRow(Ly, B) * by, `keys ${l}[${s}]`)));
      this.v = ml.layers.map((Ly, l) => segs.map((s) => storageBuffer(ctx, rows(s) * B * Ly.hdv * by, `values ${l}[${s}]`)));
    }
    this.tokStaging = readbackBuffer(ctx, B * L * 4, 'argmax read-back');
  }

  matches(B: number, L: number, layerMajor = false): boolean {
    return this.plan.B === B && this.plan.L === L && this.layerMajor === layerMajor;
  }

  private chunkBuffer(list: GPUBuffer[], c: number, label: string): GPUBuffer {
    const { B, C } = this.plan;
    while (list.length <= c) list.push(storageBuffer(this.ctx, B * C * this.ml.d * this.ml.bytes, `${label} ${list.length}`));
    return list[c]!;
  }

  /** Layer-major passes: the residual stream of chunk c (chunk 0 is h). */
  hChunk(c: number): GPUBuffer {
    if (c === 0) return this.h;
    return this.chunkBuffer(this.hs, c - 1, 'hidden state chunk');
  }

  /** Latent loops: chunk c's residual after the previous iteration. */
  oldChunk(c: number): GPUBuffer {
    return this.chunkBuffer(this.olds, c, 'previous hidden state chunk');
  }

  /** Latent loops: changed flags [FLAG_ROWS][B] (u32) and their read-back buffer. */
  flags(): GPUBuffer {
    this.flagBuf ??= storageBuffer(this.ctx, FLAG_ROWS * this.plan.B * 4, 'changed flags');
    return this.flagBuf;
  }

  flagStaging(): GPUBuffer {
    this.flagStage ??= readbackBuffer(this.ctx, FLAG_ROWS * this.plan.B * 4, 'changed flags read-back');
    return this.flagStage;
  }

  /** Decoding partials (created on first generation). */
  partials(): GPUBuffer {
    this.parts ??= storageBuffer(this.ctx, this.plan.partSize * this.ml.bytes, 'decoding partials');
    return this.parts;
  }

  /** Chunk logits [B][C][V] (f32) and their read-back buffer [B][L][V], created when first asked for. */
  logits(): { chunk: GPUBuffer; staging: GPUBuffer } {
    const { B, L, C } = this.plan;
    this.logitsBuf ??= storageBuffer(this.ctx, B * C * this.ml.V * 4, 'logits chunk');
    this.logitsStage ??= readbackBuffer(this.ctx, B * L * this.ml.V * 4, 'logits read-back');
    return { chunk: this.logitsBuf, staging: this.logitsStage };
  }

  /** A bind group, created once per key. */
  bindGroup(key: string, make: () => GPUBindGroup): GPUBindGroup {
    let g = this.groups.get(key);
    if (!g) {
      g = make();
      this.groups.set(key, g);
    }
    return g;
  }

  destroy(): void {
    const all = [this.dummy, this.tokens, this.out, this.h, this.q, this.a, this.state, this.tokStaging, ...new Set([...this.k.flat(), ...this.v.flat()]), ...this.hs, ...this.olds];
    for (const b of [...all, this.parts, this.logitsBuf, this.logitsStage, this.flagBuf, this.flagStage]) b?.destroy();
    this.groups.clear();
  }
}
