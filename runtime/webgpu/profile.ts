// Optional GPU timing of the attention kernels with timestamp queries (the bench uses it to
// report the attention kernel's own throughput). When profiling, each head's attention
// dispatches of a chunk get a compute pass of their own whose start and end are timestamped.

import { USAGE, readBack } from './buffers.js';
import { WebGpuError } from './errors.js';
import type { GpuContext } from './gpu.js';

const QUERY_RESOLVE = 512; // GPUBufferUsage.QUERY_RESOLVE

export class Profiler {
  private readonly ctx: GpuContext;
  private readonly set: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly staging: GPUBuffer;
  private readonly capacity: number;
  private used = 0;
  /** Seconds measured so far by label. */
  readonly seconds = new Map<string, number>();

  constructor(ctx: GpuContext, pairs = 2048) {
    if (!ctx.device.features.has('timestamp-query')) throw new WebGpuError('unsupported', 'profiling needs the timestamp-query feature');
    this.ctx = ctx;
    this.capacity = pairs * 2;
    this.set = ctx.device.createQuerySet({ type: 'timestamp', count: this.capacity });
    this.resolve = ctx.device.createBuffer({ size: this.capacity * 8, usage: QUERY_RESOLVE | USAGE.COPY_SRC });
    this.staging = ctx.device.createBuffer({ size: this.capacity * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  }

  private labels: string[] = [];

  /** Timestamp writes for a new pass labelled `label`, or undefined when the query set is full. */
  writes(label: string): GPUComputePassTimestampWrites | undefined {
    if (this.used + 2 > this.capacity) return undefined;
    const w = { querySet: this.set, beginningOfPassWriteIndex: this.used, endOfPassWriteIndex: this.used + 1 };
    this.used += 2;
    this.labels.push(label);
    return w;
  }

  /** Reads the timestamps recorded so far and adds them up by label. */
  async collect(): Promise<void> {
    if (this.used === 0) return;
    const ce = this.ctx.device.createCommandEncoder();
    ce.resolveQuerySet(this.set, 0, this.used, this.resolve, 0);
    ce.copyBufferToBuffer(this.resolve, 0, this.staging, 0, this.used * 8);
    this.ctx.device.queue.submit([ce.finish()]);
    const t = new BigUint64Array(await readBack(this.ctx, this.staging, this.used * 8));
    this.labels.forEach((l, i) => this.seconds.set(l, (this.seconds.get(l) ?? 0) + Number(t[2 * i + 1]! - t[2 * i]!) / 1e9));
    this.used = 0;
    this.labels = [];
  }

  destroy(): void {
    this.set.destroy();
    this.resolve.destroy();
    this.staging.destroy();
  }
}
