// The fast path's teacher-forced pass, layer by layer over every position of a batch (causal
// attention reads only positions <= i of the same layer, so this order computes the same numbers
// as the reference's token-by-token stepper: runtime/cpu/layer-major.ts says why). Per layer and
// head: the queries, keys and values of every position (a position-only head's queries and keys
// once for the whole batch: they are the same for every input), then the attention of every
// position on all threads (attention.ts, jobs.ts), then per position the heads' outputs and the
// feed-forward layer (row-ops.ts). Latent models run the same passes, with `--loops auto` through
// the reference's own loop control (layer-major.ts runPasses).

import type { ForwardResult } from '../../engine.js';
import { runPasses } from '../layer-major.js';
import type { PreparedHead, PreparedLayer, PreparedModel } from '../prepared.js';
import { allFinite } from '../sparse.js';
import type { HeadJob } from './attention.js';
import type { FastRuntime } from './pool.js';
import type { ArgmaxJob } from './readout.js';
import { RowOps } from './row-ops.js';

/** Batch rows per pass: at most this many, and a residual of at most RESIDUAL_BYTES. */
const MAX_BATCH = 64;
const RESIDUAL_BYTES = 256 << 20;
/** Vocabularies at least this large are read out with the SIMD kernel (readout.ts). */
export const SIMD_READOUT_MIN_VOCAB = 64;

export const pad8 = (n: number): number => (n + 7) & ~7;
export const pad4 = (n: number): number => (n + 3) & ~3;

/** The output layer's used columns and U^T restricted to them (cu x Vpad), for a large vocabulary. */
export interface SimdReadout {
  cols: Int32Array;
  ut: Float32Array;
  Vpad: number;
}

export function simdReadout(pm: PreparedModel): SimdReadout | undefined {
  const { V, d } = pm;
  if (V < SIMD_READOUT_MIN_VOCAB) return undefined;
  const used = new Uint8Array(d);
  const { ptr, idx } = pm.sparse.unembed;
  for (let p = 0; p < ptr[V]!; p++) used[idx[p]!] = 1;
  const cols = Int32Array.from(Array.from(used).flatMap((u, c) => (u ? [c] : [])));
  const Vpad = pad8(V);
  const ut = new Float32Array(cols.length * Vpad);
  cols.forEach((c, t) => {
    for (let v = 0; v < V; v++) ut[t * Vpad + v] = pm.unembed[v * d + c]!;
  });
  return { cols, ut, Vpad };
}

export interface FastForwardOptions {
  logits?: boolean;
  auto?: { maxLoops: number };
  onProgress?: (fraction: number) => void;
}

/** Writes queries (blocked), keys (transposed) and values of every position for one head; the
 *  values of the batch rows `rows` side by side (position i, row s, coordinate e at (i * R + s) * dv + e). */
function project(rt: FastRuntime, ops: RowOps, hd: PreparedHead, H: Float32Array, d: number, L: number, rows: number[], job: HeadJob): void {
  const f = rt.arena.f32;
  const { dk, Lpad } = job;
  const dv = hd.dv;
  const R = rows.length;
  const b0 = rows[0]!;
  for (let i = 0; i < L; i++) {
    const h0 = (b0 * L + i) * d;
    const q = ops.project(hd.sparse.wq, H, h0);
    const qb = job.q + (i >> 2) * dk * 4 + (i & 3);
    for (let t = 0; t < dk; t++) f[qb + t * 4] = q[t]!;
    const k = ops.project(hd.sparse.wk, H, h0);
    for (let t = 0; t < dk; t++) f[job.kt + t * Lpad + i] = k[t]!;
    for (let s = 0; s < R; s++) {
      const v = ops.project(hd.sparse.wv, H, (rows[s]! * L + i) * d);
      for (let e = 0; e < dv; e++) f[job.v + (i * R + s) * dv + e] = v[e]!;
    }
  }
}

/** One layer over every position of the batch rows in H ((b * L + i) * d). */
function applyLayer(rt: FastRuntime, ops: RowOps, layer: PreparedLayer, H: Float32Array, B: number, L: number): void {
  const A = rt.arena;
  const { d, k } = ops.pm;
  const m0 = A.mark();
  const outs = layer.heads.map((hd) => A.alloc(B * L * hd.dv));
  const Lpad = pad8(L);
  for (const [hi, hd] of layer.heads.entries()) {
    const groups = hd.positionOnly ? [Array.from({ length: B }, (_, b) => b)] : Array.from({ length: B }, (_, b) => [b]);
    for (const rows of groups) {
      const m1 = A.mark();
      const { dk, dv } = hd;
      const q = A.alloc(pad4(L) * dk);
      const kt = A.alloc(dk * Lpad);
      const v = A.alloc(rows.length * L * dv + 4); // + the value sums' spare words
      // a position-only head's outputs: position i, row b at (i * B + b) * dv; another's: (b * L + i) * dv
      const job: HeadJob = { kind: 'attend', L, Lpad, dk, dv: rows.length * dv, q, kt, v, out: outs[hi]! + rows[0]! * L * dv, zero: k.expZeroBelow, denseValues: false };
      project(rt, ops, hd, H, d, L, rows, job);
      job.denseValues = !allFinite(A.f32, v, rows.length * L * dv);
      rt.run(job);
      A.release(m1);
    }
  }
  const f = A.f32;
  const heads = layer.heads.map(() => 0);
  const nh = layer.heads.length;
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < L; i++) {
      for (let hi = 0; hi < nh; hi++) {
        const hd = layer.heads[hi]!;
        heads[hi] = outs[hi]! + (hd.positionOnly ? i * B + b : b * L + i) * hd.dv;
      }
      ops.finish(layer, H, (b * L + i) * d, f, heads);
    }
  }
  A.release(m0);
}

/** argmax (and logits) of every position of batch row b. */
function readout(rt: FastRuntime, ops: RowOps, sr: SimdReadout | undefined, H: Float32Array, b: number, L: number, argmax: Int32Array, logits?: Float32Array): void {
  const { d, V } = ops.pm;
  const A = rt.arena;
  if (sr) {
    const cu = sr.cols.length;
    const m = A.mark();
    const q = A.alloc(pad4(L) * cu);
    let finite = true;
    let f = A.f32;
    for (let i = 0; i < L; i++) {
      const qb = q + (i >> 2) * cu * 4 + (i & 3);
      for (let t = 0; t < cu; t++) {
        const x = H[(b * L + i) * d + sr.cols[t]!]!;
        if (x - x !== 0) finite = false;
        f[qb + t * 4] = x;
      }
    }
    if (finite) {
      const kt = A.alloc(sr.ut.length);
      const out = A.alloc(L);
      const lg = logits ? A.alloc(L * V) : -1;
      f = A.f32;
      f.set(sr.ut, kt);
      const job: ArgmaxJob = { kind: 'argmax', L, cu, V, Vpad: sr.Vpad, q, kt, out, logits: lg };
      rt.run(job);
      argmax.set(A.i32.subarray(out, out + L));
      if (logits) logits.set(A.f32.subarray(lg, lg + L * V));
      A.release(m);
      return;
    }
    A.release(m);
  }
  for (let i = 0; i < L; i++) {
    argmax[i] = ops.readout(H, (b * L + i) * d);
    if (logits) for (let v = 0; v < V; v++) logits[i * V + v] = ops.logits[v]!;
  }
}

/** The teacher-forced pass over sequences of equal length (the engine checks them). */
export function fastForward(rt: FastRuntime, pm: PreparedModel, sr: SimdReadout | undefined, seqs: Int32Array[], opts: FastForwardOptions = {}): ForwardResult {
  const L = seqs[0]!.length;
  const { d, V } = pm;
  const ops = new RowOps(pm);
  const per = Math.max(1, Math.min(MAX_BATCH, Math.floor(RESIDUAL_BYTES / (4 * L * d))));
  const argmax = seqs.map(() => new Int32Array(L));
  const logits = opts.logits ? seqs.map(() => new Float32Array(L * V)) : undefined;
  const loops: number[] = [];
  const passes = Math.max(1, pm.layers.length);
  let done = 0;
  for (let b0 = 0; b0 < seqs.length; b0 += per) {
    const batch = seqs.slice(b0, b0 + per);
    const B = batch.length;
    const H = new Float32Array(B * L * d);
    for (let b = 0; b < B; b++) {
      const s = batch[b]!;
      for (let i = 0; i < L; i++) ops.embed(H, (b * L + i) * d, s[i]!, i);
    }
    const before = opts.auto ? new Float32Array(H.length) : undefined;
    const pass = (l: number): void => {
      applyLayer(rt, ops, pm.distinct[l]!, H, B, L);
      opts.onProgress?.(Math.min(1, (b0 + (B * Math.min(passes, ++done)) / passes) / seqs.length));
    };
    const settled = runPasses(pm, B, pass, opts.auto, {
      save: () => before!.set(H),
      changed: (b) => {
        for (let x = b * L * d; x < (b + 1) * L * d; x++) if (H[x] !== before![x]) return true;
        return false;
      },
    });
    if (settled) loops.push(...settled);
    done = 0;
    for (let b = 0; b < B; b++) readout(rt, ops, sr, H, b, L, argmax[b0 + b]!, logits?.[b0 + b]);
  }
  return { argmax, ...(logits ? { logits } : {}), ...(opts.auto ? { loops } : {}) };
}
