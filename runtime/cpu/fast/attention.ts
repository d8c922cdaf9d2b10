// Dense causal softmax attention of one head over every position, in query blocks of 4 rows,
// computing exactly the reference's f32 numbers (runtime/cpu/stepper.ts, F32Kernels):
//   scores   s_ij = Σ_t q_it k_jt, t ascending, every product and partial sum rounded to f32: the
//            SIMD kernel (kernels.ts) for the keys below the block's first multiple of 8, the same
//            sums in scalar code for the few keys on the diagonal;
//   shift    m_i = the largest s_ij over every visible key j <= i (the kernel's fused pmax);
//   weights  e_ij = x < zero ? 0 : fround(exp(x)) with x = fround(s_ij - m_i); Z_i = Σ_j e_ij
//            (j ascending, f32); p_ij = fround(e_ij / Z_i);
//   values   a_i = Σ_j p_ij v_j (j ascending, f32).
// Every visible key's score is computed (dense attention). The kernel `cands` lists the keys whose
// x is not below a threshold at most `zero`; every other key has e_ij = 0 exactly, adds +0 to Z
// and p_ij · v_j = ±0 to the value sums: leaving those terms out changes no bit (sparse.ts's
// argument, for finite values; a head with a non-finite value sums over every key instead).
// The weights and value sums are the kernels softmax and wsum (kernels.ts); exp there is the
// imported Math.exp, remembered per f32 argument (the scores of these models take few distinct
// values): the same function, the same numbers.

import { rdiv, type Arith } from '../../arith.js';
import type { MemoryViews } from './arena.js';
import { WIDE_MAX } from './kernels.js';

/** One head's attention over positions [0, L) (word offsets into the shared memory). */
export interface HeadJob {
  kind: 'attend';
  L: number;
  /** Key stride of the transposed keys: L rounded up to a multiple of 8. */
  Lpad: number;
  dk: number;
  dv: number;
  /** Queries, blocked: row i, coordinate t at q + ((i >> 2) * dk + t) * 4 + (i & 3); rows padded to 4. */
  q: number;
  /** Keys transposed: coordinate t of key j at kt + t * Lpad + j. */
  kt: number;
  /** Values: position j, coordinate e at v + j * dv + e (a position-only head's dv holds every
   *  batch row's values side by side: its scores serve them all), then 4 spare words. */
  v: number;
  /** Outputs, laid out as the values. */
  out: number;
  /** The reference's expZeroBelow: round(exp(x)) is 0 below it. */
  zero: number;
  /** Some value is not finite: the value sums run over every key (0 · Inf is NaN). */
  denseValues: boolean;
}

/** Per-thread working space in the shared memory (word offsets). */
export interface Scratch {
  /** 4 score rows of `width` words. */
  s: number;
  /** width + 16 candidate indices. */
  idx: number;
  /** 16 words: the 4 rows' running maxima, 4 lanes each. */
  mx: number;
  /** A row's keys of nonzero weight and their weights (width + 16 words each), and its Σ e. */
  cj: number;
  cp: number;
  z: number;
  /** 4 words of scratch (a value sum's last chunk). */
  tmp: number;
  /** The thread's own exp cache (kernels.ts EXP_CACHE_WORDS words; never shared between threads). */
  cache: number;
  /** kernels.ts packTable() (64 words, read only). */
  pack: number;
}

/** Words of scratch one thread needs for score rows of `width` words. */
export const scratchWords = (width: number): number => 4 * width + 3 * (width + 16) + 16 + 4 + 16;

export function scratchAt(base: number, width: number, cache: number, pack: number): Scratch {
  const s = base;
  const idx = s + 4 * width;
  const cj = idx + width + 16;
  const cp = cj + width + 16;
  const mx = (cp + width + 16 + 3) & ~3;
  return { s, idx, cj, cp, mx, z: mx + 16, tmp: mx + 20, cache, pack };
}

/** The largest f32 not above x (the candidates' threshold: never above the reference's bound). */
export function f32Below(x: number): number {
  return -f32Above(-x);
}

/** The smallest f32 not below x: for an f32 value y, y < x exactly when y < f32Above(x). */
export function f32Above(x: number): number {
  if (!(x < Infinity)) return x;
  const f = Math.fround(x);
  if (f >= x) return f;
  if (f === 0) return 2 ** -149;
  const a = new Float32Array([f]);
  const u = new Int32Array(a.buffer);
  u[0] = u[0]! + (f > 0 ? 1 : -1); // one f32 step toward +Infinity
  return a[0]!;
}

const F32 = { name: 'f32', kind: 'f32', round: Math.fround, maxSubtract: true, max: Infinity } as const satisfies Arith;

/** The reference's bound below which exp rounds to 0, as the two f32 thresholds the kernel takes. */
export interface ExpBounds {
  /** Candidates: !(x < thr), thr <= zero. */
  thr: number;
  /** Skipped exactly where the reference skips: x < zeroUp  <=>  x < zero (x an f32). */
  zeroUp: number;
}

export const expBounds = (zero: number): ExpBounds => ({ thr: f32Below(zero), zeroUp: f32Above(zero) });

/**
 * Row i's weights: scores at f[so + j] (j <= i; entries up to the next multiple of 4 are
 * overwritten with -Infinity), shift m. Leaves n candidate keys (ascending; every key of nonzero
 * exp is one, a few may have weight 0) and their weights at sc.cj / sc.cp and Σ e at sc.z;
 * returns n. Every other key's weight is rdiv(0, Z), 0.
 */
export function rowWeights(V: MemoryViews, sc: Scratch, so: number, i: number, m: number, eb: ExpBounds): number {
  const nPad = (i + 4) & ~3;
  V.f32.fill(-Infinity, so + i + 1, so + nPad);
  return V.kernels.softmax(4 * so, nPad, i, m, eb.thr, eb.zeroUp, 4 * sc.cache, 4 * sc.cj, 4 * sc.cp, 4 * sc.z, 4 * sc.pack);
}

/** Where a row's value sums read and write: value j at v + j * dv (dv words per key), the output at out. */
export interface ValueLayout {
  v: number;
  dv: number;
  out: number;
  /** Some value is not finite: sum over every key (0 · Inf is NaN). */
  dense: boolean;
}

/** a = Σ_j p_ij v_j over row i's n candidate keys (rowWeights). */
export function valueSums(V: MemoryViews, sc: Scratch, lay: ValueLayout, i: number, n: number): void {
  const { dv } = lay;
  if (dv === 0) return;
  if (!lay.dense) {
    // the first 36 coordinates in one pass (registers), any beyond that one chunk at a time
    const K = V.kernels;
    const N = Math.min(WIDE_MAX, (dv + 3) >> 2);
    const last = Math.min(4, dv - 4 * (N - 1));
    K[`wsum${N}`](4 * sc.cj, 4 * sc.cp, n, 4 * lay.v, dv, 4 * lay.out, last, 4 * sc.tmp);
    if (4 * N < dv) K.wsum(4 * sc.cj, 4 * sc.cp, n, 4 * lay.v, dv, 4 * lay.out, 4 * N);
    return;
  }
  const f = V.f32;
  const p = new Float64Array(i + 1).fill(rdiv(F32, 0, f[sc.z]!)); // a key left out: e = 0
  for (let c = 0; c < n; c++) p[V.i32[sc.cj + c]!] = f[sc.cp + c]!;
  for (let e = 0; e < dv; e++) {
    let acc = 0;
    for (let j = 0; j <= i; j++) acc = Math.fround(acc + Math.fround(p[j]! * f[lay.v + j * dv + e]!));
    f[lay.out + e] = acc;
  }
}

/** Scores of one query (coordinate t at f[qb + t * qs]) against keys [from, to) of the transposed
 *  keys kt (stride Lpad) in scalar code, the same sums as the kernel's, into f[so + j]; returns the
 *  running maximum m updated by the reference's rule. */
export function tailScores(f: Float32Array, qb: number, qs: number, dk: number, kt: number, Lpad: number, from: number, to: number, so: number, m: number): number {
  for (let j = from; j < to; j++) {
    let acc = 0;
    for (let t = 0; t < dk; t++) acc = Math.fround(acc + Math.fround(f[qb + t * qs]! * f[kt + t * Lpad + j]!));
    f[so + j] = acc;
    if (acc > m) m = acc;
  }
  return m;
}

/** Row maximum from the kernel's 4 lanes (the reference's `s > shift` rule, lane by lane). */
export function laneMax(f: Float32Array, at: number): number {
  let m = -Infinity;
  for (let l = 0; l < 4; l++) if (f[at + l]! > m) m = f[at + l]!;
  return m;
}

/** Optional per-row observer: row i's scores at f[so .. so + i], its n candidates' weights at sc.cj / sc.cp. */
export type RowObserver = (i: number, so: number, n: number, sc: Scratch) => void;

/** Attention for the query blocks [b0, b1) (rows 4·b0 .. 4·b1 - 1, those below L). */
export function attendBlocks(V: MemoryViews, job: HeadJob, sc: Scratch, b0: number, b1: number, observe?: RowObserver): void {
  V.refresh();
  const { L, Lpad, dk, dv } = job;
  const eb = expBounds(job.zero);
  const K = V.kernels;
  const f = V.f32;
  for (let blk = b0; blk < b1; blk++) {
    const i0 = blk * 4;
    if (i0 >= L) break;
    const nk = (i0 >> 3) << 3;
    const rows = Math.min(4, L - i0);
    f.fill(-Infinity, sc.mx, sc.mx + 16);
    if (nk > 0) K.scores4(4 * (job.q + blk * dk * 4), dk, 4 * job.kt, Lpad, nk, 4 * sc.s, Lpad, 4 * sc.mx);
    for (let r = 0; r < rows; r++) {
      const i = i0 + r;
      const so = sc.s + r * Lpad;
      const m = tailScores(f, job.q + blk * dk * 4 + r, 4, dk, job.kt, Lpad, nk, i + 1, so, laneMax(f, sc.mx + 4 * r));
      const n = rowWeights(V, sc, so, i, m, eb);
      valueSums(V, sc, { v: job.v, dv, out: job.out + i * dv, dense: job.denseValues }, i, n);
      observe?.(i, so, n, sc);
    }
  }
}
