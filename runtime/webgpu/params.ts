// The per-dispatch parameter blocks of one submission: slots in one uniform buffer, each with a
// bind group of its own (group 1 of every kernel), made when the slot is first used. The host
// knows every position in advance (a chunk's range, a decoding step's index), so a whole run of
// steps is recorded at once with no read-back. Equal blocks within one submission share a slot
// (a loop's iterations repeat the same dispatches: a thousand of them need no more slots than one).

import { USAGE } from './buffers.js';
import type { GpuContext } from './gpu.js';
import { PARAM_BYTES, PARAM_FIELDS, type Params } from './shaders/common.js';

export class ParamArena {
  readonly buffer: GPUBuffer;
  readonly slotBytes: number;
  readonly capacity: number;
  private readonly data: Uint32Array;
  private used = 0;
  private readonly ctx: GpuContext;
  private readonly layout: GPUBindGroupLayout;
  private readonly groups: GPUBindGroup[] = [];
  /** Slots of this submission by content. */
  private readonly byContent = new Map<string, number>();

  constructor(ctx: GpuContext, capacity: number, layout: GPUBindGroupLayout) {
    this.ctx = ctx;
    this.layout = layout;
    this.slotBytes = Math.ceil(PARAM_BYTES / ctx.limits.uniformAlign) * ctx.limits.uniformAlign;
    this.capacity = capacity;
    this.data = new Uint32Array((capacity * this.slotBytes) / 4);
    this.buffer = ctx.device.createBuffer({ label: 'params', size: capacity * this.slotBytes, usage: USAGE.UNIFORM | USAGE.COPY_DST });
  }

  get free(): number {
    return this.capacity - this.used;
  }

  /** Stores a parameter block; returns the bind group of its slot. Unset fields are 0. */
  alloc(p: Params): GPUBindGroup {
    const values = PARAM_FIELDS.map((f) => p[f] ?? 0);
    const key = values.join(',');
    const known = this.byContent.get(key);
    if (known !== undefined) return this.groups[known]!;
    if (this.used >= this.capacity) throw new Error('parameter arena full (the caller must flush first)');
    const slot = this.used++;
    this.byContent.set(key, slot);
    const base = (slot * this.slotBytes) / 4;
    values.forEach((v, i) => (this.data[base + i] = v));
    this.groups[slot] ??= this.ctx.device.createBindGroup({
      label: `params ${slot}`,
      layout: this.layout,
      entries: [{ binding: 0, resource: { buffer: this.buffer, offset: slot * this.slotBytes, size: PARAM_BYTES } }],
    });
    return this.groups[slot]!;
  }

  /** Uploads the used slots (queued before the next submit) and starts over. */
  flush(queue: GPUQueue): void {
    if (this.used > 0) queue.writeBuffer(this.buffer, 0, this.data, 0, (this.used * this.slotBytes) / 4);
    this.used = 0;
    this.byContent.clear();
  }

  destroy(): void {
    this.buffer.destroy();
  }
}
