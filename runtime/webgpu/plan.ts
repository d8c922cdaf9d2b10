// Sizing one pass (B sequences of length L) against the adapter's limits: the chunk of positions
// processed at once, the key/value cache segments, and the batch grouping of the heads. Every
// buffer a kernel binds must fit one storage binding (lavapipe: 128 MiB), so long sequences are
// processed in position chunks and their caches split into segments; when not even one position
// fits, the plan fails with a one-line error.

import { WebGpuError } from './errors.js';
import type { EngineLimits } from './gpu.js';
import { kRow, type ModelLayout } from './layout.js';
import { headNb } from './shaders/common.js';
import { decodeGroups, headGroups, partialStride } from './shaders/decode.js';
import { flashTile } from './shaders/flash.js';
import { cpuPv, cpuSkip, cpuValuesAligned } from './shaders/flash-cpu.js';

export interface Tuning {
  /** Queries per invocation of the chunk attention kernel (0: the kernel's default, ATTENTION_QPI). */
  qpi: number;
  /** Keys per workgroup-memory tile (reduced when the tile would not fit). */
  tk: number;
  /** Keys per block of the CPU kernel (one maximum and rescale per block). */
  kb: number;
  /** The CPU kernel's P·V form: auto (shaders/flash-cpu.ts cpuPv: blocked for wide heads), or
   *  one form for every head (benchmarks compare them). */
  pv: 'auto' | 'inline' | 'blocked';
  /** The CPU kernel's test for blocks of exactly-zero weights: auto (shaders/flash-cpu.ts
   *  cpuSkip: heads of at least CPU_SKIP_MIN_VALUES values per key), or on/off for every head. */
  skip: 'auto' | 'on' | 'off';
  /** The CPU kernel's key order: auto (backward for the heads whose contract puts their targets
   *  just behind the query, model/contract.ts targetsJustBehind; forward otherwise), or one
   *  order for every head. */
  walk: 'auto' | 'forward' | 'backward';
  /** Batch rows that share one score computation (position-only heads). */
  nbMax: number;
  /** Target size of the chunk's hidden-state buffer. */
  chunkBytes: number;
  /** Decoding: invocations (softmax partials) per head, group and key segment. */
  decodeLanes: number;
  /** Chunk attention kernel: workgroup-memory tiles (for GPUs), register tiles with subgroup
   *  broadcasts, queries in the lanes and keys at uniform addresses (for CPU adapters:
   *  shaders/flash-cpu.ts), or auto (cpu on a CPU adapter, tiled elsewhere). */
  attention: 'auto' | AttentionKernel;
}

export type AttentionKernel = 'tiled' | 'subgroup' | 'cpu';

/** Queries per invocation of each chunk attention kernel when Tuning.qpi is 0. */
export const ATTENTION_QPI: Record<AttentionKernel, number> = { tiled: 2, subgroup: 4, cpu: 4 };

/** Numbers the CPU kernel keeps per query and key (key components and values) times its
 *  queries per invocation, at most: its code is unrolled over them, and llvmpipe's compile time
 *  grows faster than that (shaders/flash-cpu.ts). 272 = 4 × 68: the uniform model's widest head
 *  (32 key numbers, 36 values) at 4 queries per lane and its operand head (33) at 8; at 256 they
 *  had 2 and 4 (BENCHMARKS.md, 2026-12-06 14:00–15:17 UTC: 4.6 → 5.5 and 4.7 → 6.4·10^8 pairs/s). */
export const CPU_KERNEL_UNROLL = 272;

/** Queries per invocation of the CPU kernel for a head carrying `width` numbers per key: the
 *  most (a power of two, at most 8) within CPU_KERNEL_UNROLL. More queries per lane share each
 *  loaded key among more pairs; a wide head (many values) gets fewer. */
export function cpuQpi(width: number): number {
  let q = 8;
  while (q > 1 && q * width > CPU_KERNEL_UNROLL) q /= 2;
  return q;
}

export const DEFAULT_TUNING: Tuning = { qpi: 0, tk: 64, kb: 8, pv: 'auto', skip: 'auto', walk: 'auto', nbMax: 16, chunkBytes: 64 << 20, decodeLanes: 512, attention: 'auto' };

export interface HeadPlan {
  /** Batch rows per group (share one score computation): headNb (nb for a narrow shared head). */
  nb: number;
  /** Workgroup rows: value groups of a shared head, or batch rows. */
  groups: number;
  tk: number;
  qpi: number;
  /** CPU kernel: the head's values are read as vec4s (shaders/flash-cpu.ts cpuValuesAligned). */
  v4: boolean;
  /** CPU kernel: how a block's P·V reaches the accumulators (shaders/flash-cpu.ts cpuPv). */
  pv: 'inline' | 'blocked';
  /** CPU kernel: blocks of exactly-zero weights are left out (shaders/flash-cpu.ts cpuSkip). */
  skip: boolean;
  /** CPU kernel: key order. */
  walk: 'forward' | 'backward';
}

export interface PassPlan {
  B: number;
  L: number;
  /** Batch rows per group of the position-only heads. */
  nb: number;
  /** Positions per chunk (capacity of the chunk buffers). */
  C: number;
  /** Positions per key/value cache segment. */
  kvRows: number;
  kvSegs: number;
  heads: HeadPlan[][];
  /** Elements of the chunk buffers. */
  qSize: number;
  aSize: number;
  stateSize: number;
  /** Decoding: invocations per key segment, partials per (head, group), and the buffer's elements. */
  decodeLanes: number;
  blockCap: number;
  partSize: number;
}

export function planPass(ml: ModelLayout, lim: EngineLimits, B: number, L: number, t: Tuning, kernel: AttentionKernel): PassPlan {
  const qpi = t.qpi > 0 ? t.qpi : ATTENTION_QPI[kernel];
  const by = ml.bytes;
  const maxB = lim.maxBindingBytes;
  // Rows per score-sharing group: a power of two (at most nbMax), so that few kernel variants
  // exist (each is compiled once per shape; a CPU adapter takes seconds per compilation).
  const need = Math.ceil(B / Math.ceil(B / t.nbMax));
  let nb = 1;
  while (nb < need) nb *= 2;
  nb = Math.min(nb, Math.max(1, t.nbMax));
  const heads = ml.layers.map((Ly) =>
    Ly.heads.map((hl): HeadPlan => {
      const hnb = headNb(hl, nb);
      const q = t.qpi > 0 || kernel !== 'cpu' ? qpi : cpuQpi(hl.dk4 + hnb * hl.dv);
      const v4 = kernel === 'cpu' && cpuValuesAligned(Ly.hdv, hl.aOff, hl.dv, hnb, B);
      const pv = kernel !== 'cpu' ? 'inline' : t.pv === 'auto' ? cpuPv(hnb * hl.dv, q) : t.pv;
      const skip = kernel === 'cpu' && (t.skip === 'auto' ? cpuSkip(hnb * hl.dv) : t.skip === 'on');
      const walk = kernel !== 'cpu' ? 'forward' : t.walk === 'auto' ? (hl.recent ? 'backward' : 'forward') : t.walk;
      return { nb: hnb, groups: headGroups(hl, B, nb), tk: flashTile(hl, hnb, by, lim.maxWorkgroupStorage, t.tk), qpi: q, v4, pv, skip, walk };
    }),
  );
  const all = ml.layers.flatMap((Ly, l) => Ly.heads.map((hl, h) => ({ hl, hp: heads[l]![h]! })));
  const max = (xs: number[]): number => Math.max(1, ...xs);
  const maxKRow = max(ml.layers.map((Ly) => kRow(Ly, B)));
  const maxHdv = max(ml.layers.map((Ly) => Ly.hdv));
  const maxState = max(all.map((x) => x.hp.groups * (2 + x.hp.nb * x.hl.dv)));
  if (B * L * 4 > maxB) throw new WebGpuError('limits', `the token buffer of ${B} x ${L} positions exceeds the adapter's storage binding limit (${maxB} bytes)`);
  // Chunk: every chunk-sized buffer within one binding, the hidden state within the target size.
  const perPos = [B * ml.d * by, maxKRow * by, B * maxHdv * by, maxState * by, B * ml.V * 4];
  const C = Math.min(L, Math.floor(maxB / Math.max(...perPos)), Math.max(1, Math.floor(t.chunkBytes / (B * ml.d * by))));
  // Key/value segments: a layer's key rows [KROW] and value rows [B][hdv] within one binding.
  const kvRows = Math.min(L, ...ml.layers.map((Ly) => Math.floor(maxB / (Math.max(1, kRow(Ly, B), B * Ly.hdv) * by))));
  if (C < 1 || kvRows < 1) {
    throw new WebGpuError('limits', `one position of ${B} sequences does not fit the adapter's storage binding limit (${maxB} bytes): use a smaller batch`);
  }
  const kvSegs = Math.ceil(L / kvRows);
  // Decoding partials: a segment of n keys uses at most min(lanes, n / 8) of them (decodeSplit).
  const partRow = max(ml.layers.map((Ly) => decodeGroups(Ly, B, nb) * partialStride(Ly, nb))) * by;
  const decodeLanes = Math.min(t.decodeLanes, Math.ceil(kvRows / 8), Math.floor(maxB / (partRow * kvSegs)));
  if (decodeLanes < 1) throw new WebGpuError('limits', `the decoding partials of ${B} sequences of ${L} positions exceed the storage binding limit`);
  const blockCap = kvSegs * decodeLanes;
  const partSize = (blockCap * partRow) / by;
  return { B, L, nb, C, kvRows, kvSegs, heads, qSize: C * maxKRow, aSize: B * C * maxHdv, stateSize: C * maxState, decodeLanes, blockCap, partSize };
}

/** Largest batch whose token buffer fits one binding (the engine splits larger batches). */
export function maxBatch(lim: EngineLimits, L: number, cap: number): number {
  return Math.max(1, Math.min(cap, Math.floor(lim.maxBindingBytes / (Math.max(1, L) * 4))));
}
