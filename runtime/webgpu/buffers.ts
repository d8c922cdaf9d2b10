// GPU buffers: creation against the adapter's limits, uploads in f32 or f16, the model's weights
// (uploaded once per engine), and read-back.

import type { Model } from '../../model/index.js';
import { WebGpuError } from './errors.js';
import { toF16Bits } from './f16.js';
import type { GpuContext } from './gpu.js';
import { packWeights, type ModelLayout } from './layout.js';

export const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const STORAGE_RW = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC;

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

/** A storage buffer of at least `bytes` (16 at least, a multiple of 16). */
export function storageBuffer(ctx: GpuContext, bytes: number, label: string, binding = true): GPUBuffer {
  const size = align(Math.max(16, bytes), 16);
  if (binding && size > ctx.limits.maxBindingBytes) {
    throw new WebGpuError('limits', `${label} needs ${size} bytes in one storage binding; the adapter allows ${ctx.limits.maxBindingBytes}`);
  }
  if (size > ctx.limits.maxBufferBytes) throw new WebGpuError('limits', `${label} needs a ${size}-byte buffer; the adapter allows ${ctx.limits.maxBufferBytes}`);
  return ctx.device.createBuffer({ label, size, usage: STORAGE_RW });
}

export function readbackBuffer(ctx: GpuContext, bytes: number, label: string): GPUBuffer {
  const size = align(Math.max(16, bytes), 16);
  if (size > ctx.limits.maxBufferBytes) throw new WebGpuError('limits', `${label} needs a ${size}-byte buffer; the adapter allows ${ctx.limits.maxBufferBytes}`);
  return ctx.device.createBuffer({ label, size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
}

/** Values as the buffer's element type: float32, or binary16 bit patterns. */
export function encodeValues(x: ArrayLike<number>, bytes: number): Uint8Array {
  if (bytes === 2) {
    const h = toF16Bits(x, x.length + (x.length % 2));
    return new Uint8Array(h.buffer, h.byteOffset, h.byteLength);
  }
  const f = x instanceof Float32Array ? x : Float32Array.from(x);
  return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
}

/** A new storage buffer holding x in the layout's element type. */
export function uploadValues(ctx: GpuContext, x: ArrayLike<number>, bytes: number, label: string): GPUBuffer {
  const data = encodeValues(x, bytes);
  const buf = storageBuffer(ctx, data.byteLength, label);
  ctx.device.queue.writeBuffer(buf, 0, data);
  return buf;
}

export interface ModelBuffers {
  /** tok_emb, the biases and every matrix in CSR form (layout.ts). */
  weights: GPUBuffer;
  /** The position embedding in segments of posRows rows (one storage binding each). */
  pos: GPUBuffer[];
  posRows: number;
}

/** Uploads the model once. The position embedding is split into as few bindings as the limit allows. */
export function uploadModel(ctx: GpuContext, m: Model, ml: ModelLayout): ModelBuffers {
  const rowBytes = ml.d * ml.bytes;
  const posRows = Math.floor(ctx.limits.maxBindingBytes / rowBytes);
  if (posRows < 1) throw new WebGpuError('limits', `one position-embedding row (${rowBytes} bytes) exceeds the adapter's storage binding limit`);
  const pos: GPUBuffer[] = [];
  for (let r0 = 0; r0 < ml.positions; r0 += posRows) {
    const rows = Math.min(posRows, ml.positions - r0);
    pos.push(uploadValues(ctx, m.posEmb.subarray(r0 * ml.d, (r0 + rows) * ml.d), ml.bytes, `pos_emb[${r0}..]`));
  }
  const w = packWeights(m, ml);
  const weights = storageBuffer(ctx, w.byteLength, 'weights');
  ctx.device.queue.writeBuffer(weights, 0, w);
  return { weights, pos, posRows };
}

export function destroyModelBuffers(b: ModelBuffers): void {
  for (const x of [b.weights, ...b.pos]) x.destroy();
}

/** Copies `bytes` of a GPU buffer into host memory (through a mappable staging buffer). */
export async function readBack(ctx: GpuContext, staging: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  await staging.mapAsync(1, 0, align(bytes, 4));
  ctx.check();
  const out = staging.getMappedRange(0, align(bytes, 4)).slice(0, bytes);
  staging.unmap();
  return out;
}
