// The buffers of one pass (B sequences of length L): tokens, argmax output, the chunk's hidden
// state, queries, head outputs and softmax state, every layer's key/value cache segments, and
// the decoding partials. Kept by the engine and reused while B and L stay the same (verify calls
// the engine once per batch of equal shape), with its bind groups.

import { readbackBuffer, storageBuffer } from './buffers.js';
import type { GpuContext } from './gpu.js';
import { kRow, type ModelLayout } from './layout.js';
import type { PassPlan } from './plan.js';

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

  constructor(ctx: GpuContext, ml: ModelLayout, plan: PassPlan) {
    this.ctx = ctx;
    this.ml = ml;
    this.plan = plan;
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
    this.k = ml.layers.map((Ly, l) => segs.map((s) => storageBuffer(ctx, rows(s) * kRow(Ly, B) * by, `keys ${l}[${s}]`)));
    this.v = ml.layers.map((Ly, l) => segs.map((s) => storageBuffer(ctx, rows(s) * B * Ly.hdv * by, `values ${l}[${s}]`)));
    this.tokStaging = readbackBuffer(ctx, B * L * 4, 'argmax read-back');
  }

  matches(B: number, L: number): boolean {
    return this.plan.B === B && this.plan.L === L;
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
    const all = [this.dummy, this.tokens, this.out, this.h, this.q, this.a, this.state, this.tokStaging, ...this.k.flat(), ...this.v.flat()];
    for (const b of [...all, this.parts, this.logitsBuf, this.logitsStage]) b?.destroy();
    this.groups.clear();
  }
}
