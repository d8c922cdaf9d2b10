// The fast path's hot kernels, WebAssembly SIMD emitted by wasm.ts (f32x4: 128-bit lanes).
// Every lane operation is one IEEE float32 operation (f32x4.mul and f32x4.add round like
// Math.fround(a * b) and Math.fround(a + b); there is no fused multiply-add), and each lane
// holds its own key, so a score is summed over t = 0, 1, ... dk-1 in the same order, with the
// same roundings, as the reference's Kernels.scores: the fast path's scores are bit for bit
// the reference's.
//
//   scoresR(qt, dk, kt, ldk, n, out, ldo, mx)   R query rows against keys [0, n), n a multiple
//       of 4W: out[r * ldo + j] = Σ_t qt[t * R + r] * kt[t * ldk + j] (left to right, f32). The
//       query block is packed t-major (qt[t * R + r]); keys are stored transposed. mx[4r .. 4r+4)
//       holds row r's running maximum, lane by lane (read, updated, written back) with pmax:
//       m = m < s ? s : m, the reference softmax's `if (s > shift) shift = s` (NaN never wins),
//       so the row's maximum over the lanes is the reference's shift (up to the sign of a zero,
//       which changes no exp).
//   cands(p, n, m, thr, idx) -> count        writes, ascending, every j < n where
//       !(p[j] - m < thr) (f32 subtraction: the reference's x = fround(s - shift)) into idx: with
//       thr <= the reference's expZeroBelow, every key the reference gives a nonzero exp (or a
//       NaN) is a candidate; n % 4 == 0 (the output layer's argmax uses it).
//   softmax(so, n4, i, m, thr, zeroUp, cache, cj, cp, zOut, pack) -> n   row i's weights from
//       its scores s[0, n4) (entries past i are ignored): the candidates j <= i (as cands) go to
//       cj in ascending order; for each, e = x < zeroUp ? 0 : fround(exp(x)), x = s_j - m (f32),
//       exp the imported Math.exp remembered per argument in the thread's cache; Z = Σ e in key
//       order (f32) is written to zOut; cp[c] = e_c / Z. Every key left out, and every candidate
//       whose e is 0, has weight 0 / Z = 0, as in the reference. pack: packTable() in memory
//       (the lists get up to 3 entries of scratch past n).
//   wsum(cj, cp, n, v, dv, out, e0)   out[e] = Σ_c cp[c] · v[cj[c] * dv + e] for e0 <= e < dv, the
//       candidates in order (f32), 4 coordinates per SIMD step (each lane its own sum), the rest
//       one by one. A position-only head's values hold every batch row's side by side (dv = B ·
//       the head's dv), so one call serves the whole batch. wsumN: the first 4N coordinates in
//       one pass over the candidates, N accumulators in registers (the same sums); values need 4
//       spare words after them (the last chunk reads past a key's values and drops those lanes).
//
// Pointers and lengths are byte addresses and element counts in the shared memory.

import { op, WA, wasmModule, type ValType, type WasmFunction, type WasmMemory, type WasmModule } from './wasm.js';

/** Query rows and 4-key vectors per step of each scores kernel. */
export const SCORE_SHAPES = [
  { rows: 4, vecs: 2 },
  { rows: 1, vecs: 4 },
] as const;

/** Keys per step of the scores kernel for `rows` query rows (n must be a multiple of it). */
export function keyStep(rows: number): number {
  const s = SCORE_SHAPES.find((x) => x.rows === rows);
  if (!s) throw new RangeError(`no scores kernel for ${rows} rows`);
  return 4 * s.vecs;
}

function scoresKernel(R: number, W: number): WasmFunction {
  // params
  const [qt, dk, kt, ldk, n, out, ldo, mx] = [0, 1, 2, 3, 4, 5, 6, 7];
  // locals
  const [j, t, kp, qp, ldkB, ldoB, o] = [8, 9, 10, 11, 12, 13, 14];
  const acc = (r: number, w: number): number => 15 + r * W + w;
  const kv = (w: number): number => 15 + R * W + w;
  const qv = 15 + R * W + W;
  const mv = (r: number): number => 16 + R * W + W + r;
  const locals: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', ...Array<ValType>(R * W + W + 1 + R).fill('v128')];
  const b: number[] = [];
  const emit = (...xs: number[][]): void => {
    for (const x of xs) b.push(...x);
  };
  emit(op.get(ldk), op.i32(4), op.i32Mul(), op.set(ldkB));
  emit(op.get(ldo), op.i32(4), op.i32Mul(), op.set(ldoB));
  for (let r = 0; r < R; r++) emit(op.get(mx), op.v128Load(16 * r), op.set(mv(r)));
  emit(op.i32(0), op.set(j));
  emit(op.block(), op.loop());
  emit(op.get(j), op.get(n), op.i32GeU(), op.brIf(1));
  for (let r = 0; r < R; r++) for (let w = 0; w < W; w++) emit(op.f32(0), op.f32x4Splat(), op.set(acc(r, w)));
  emit(op.get(kt), op.get(j), op.i32(4), op.i32Mul(), op.i32Add(), op.set(kp));
  emit(op.get(qt), op.set(qp));
  emit(op.get(dk), op.set(t));
  emit(op.loop());
  for (let w = 0; w < W; w++) emit(op.get(kp), op.v128Load(16 * w), op.set(kv(w)));
  for (let r = 0; r < R; r++) {
    emit(op.get(qp), op.v128Load32Splat(4 * r), op.set(qv));
    for (let w = 0; w < W; w++) emit(op.get(acc(r, w)), op.get(qv), op.get(kv(w)), op.f32x4Mul(), op.f32x4Add(), op.set(acc(r, w)));
  }
  emit(op.get(kp), op.get(ldkB), op.i32Add(), op.set(kp));
  emit(op.get(qp), op.i32(4 * R), op.i32Add(), op.set(qp));
  emit(op.get(t), op.i32(1), op.i32Sub(), op.tee(t), op.brIf(0), op.end());
  emit(op.get(out), op.get(j), op.i32(4), op.i32Mul(), op.i32Add(), op.set(o));
  for (let r = 0; r < R; r++) {
    for (let w = 0; w < W; w++) {
      emit(op.get(o), op.get(acc(r, w)), op.v128Store(16 * w));
      emit(op.get(mv(r)), op.get(acc(r, w)), op.f32x4Pmax(), op.set(mv(r)));
    }
    if (r + 1 < R) emit(op.get(o), op.get(ldoB), op.i32Add(), op.set(o));
  }
  emit(op.get(j), op.i32(4 * W), op.i32Add(), op.set(j));
  emit(op.br(0), op.end(), op.end());
  for (let r = 0; r < R; r++) emit(op.get(mx), op.get(mv(r)), op.v128Store(16 * r));
  return { name: `scores${R}`, params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: [], locals, body: b };
}

function candsKernel(): WasmFunction {
  const [p, n, m, thr, idx] = [0, 1, 2, 3, 4];
  const [j, count, bits, mv, tv] = [5, 6, 7, 8, 9];
  const b: number[] = [
    ...op.get(m), ...op.f32x4Splat(), ...op.set(mv),
    ...op.get(thr), ...op.f32x4Splat(), ...op.set(tv),
    ...op.i32(0), ...op.set(j), ...op.i32(0), ...op.set(count),
    ...op.block(), ...op.loop(),
    ...op.get(j), ...op.get(n), ...op.i32GeU(), ...op.brIf(1),
    ...op.get(p), ...op.v128Load(), ...op.get(mv), ...op.f32x4Sub(), ...op.get(tv), ...op.f32x4Lt(), ...op.v128Not(),
    ...op.i32x4Bitmask(), ...op.tee(bits),
    ...op.if(),
    ...op.loop(),
    // idx[count] = j + ctz(bits); count++; bits &= bits - 1
    ...op.get(idx), ...op.get(count), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(j), ...op.get(bits), ...op.i32Ctz(), ...op.i32Add(), ...op.i32Store(),
    ...op.get(count), ...op.i32(1), ...op.i32Add(), ...op.set(count),
    ...op.get(bits), ...op.get(bits), ...op.i32(1), ...op.i32Sub(), ...op.i32And(), ...op.tee(bits),
    ...op.brIf(0), ...op.end(),
    ...op.end(),
    ...op.get(p), ...op.i32(16), ...op.i32Add(), ...op.set(p),
    ...op.get(j), ...op.i32(4), ...op.i32Add(), ...op.set(j),
    ...op.br(0), ...op.end(), ...op.end(),
    ...op.get(count),
  ];
  return { name: 'cands', params: ['i32', 'i32', 'f32', 'f32', 'i32'], results: ['i32'], locals: ['i32', 'i32', 'i32', 'v128', 'v128'], body: b };
}

/** Entries of a thread's exp cache (softmax): 2^EXP_BITS keys (i32), then as many values (f32). */
export const EXP_BITS = 12;
/** Words of one exp cache. */
export const EXP_CACHE_WORDS = 2 << EXP_BITS;
/** A key no f32 argument has (a NaN payload that arithmetic never makes): an empty entry. */
export const EXP_EMPTY = 0x7fc00001;

/** Function index of the imported exp (Math.exp: the reference's own). */
const EXP = 0;

/** The left-pack table: for each 4-bit lane mask, the byte shuffle that moves the set lanes to
 *  the front in order (i8x16.swizzle; index 0x80 makes a zero byte). 16 entries of 16 bytes. */
export function packTable(): Uint8Array {
  const t = new Uint8Array(256).fill(0x80);
  for (let bits = 0; bits < 16; bits++) {
    let k = 0;
    for (let l = 0; l < 4; l++) {
      if (!(bits & (1 << l))) continue;
      for (let y = 0; y < 4; y++) t[bits * 16 + 4 * k + y] = 4 * l + y;
      k++;
    }
  }
  return t;
}

function softmaxKernel(): WasmFunction {
  const [so, n4, i, m, thr, zeroUp, cache, cj, cp, zOut, pack] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [j, n, bits, xv, mv, tv, c, x, e, Z, key, h, jv, iv, sh, p, four] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
  const locals: ValType[] = ['i32', 'i32', 'i32', 'v128', 'v128', 'v128', 'i32', 'f32', 'f32', 'f32', 'i32', 'i32', 'v128', 'v128', 'v128', 'i32', 'v128'];
  /** The 4 keys at j (scores at p): candidates packed at byte n of cj / cp; then j, p, jv advance. */
  const candidates4 = (diagonal: boolean): number[] => [
    ...op.get(p), ...op.v128Load(), ...op.get(mv), ...op.f32x4Sub(), ...op.tee(xv),
    ...op.get(tv), ...op.f32x4Lt(), ...op.v128Not(),
    ...(diagonal ? [...op.get(jv), ...op.get(iv), ...op.i32x4LeS(), ...op.v128And()] : []),
    ...op.i32x4Bitmask(), ...op.tee(bits),
    ...op.if(),
    ...op.get(pack), ...op.get(bits), ...op.i32(16), ...op.i32Mul(), ...op.i32Add(), ...op.v128Load(), ...op.set(sh),
    ...op.get(cj), ...op.get(n), ...op.i32Add(), ...op.get(jv), ...op.get(sh), ...op.i8x16Swizzle(), ...op.v128Store(),
    ...op.get(cp), ...op.get(n), ...op.i32Add(), ...op.get(xv), ...op.get(sh), ...op.i8x16Swizzle(), ...op.v128Store(),
    ...op.get(n), ...op.get(bits), ...op.i32Popcnt(), ...op.i32(2), ...op.i32Shl(), ...op.i32Add(), ...op.set(n),
    ...op.end(),
    ...op.get(jv), ...op.get(four), ...op.i32x4Add(), ...op.set(jv),
    ...op.get(p), ...op.i32(16), ...op.i32Add(), ...op.set(p),
  ];
  const b: number[] = [
    ...op.get(m), ...op.f32x4Splat(), ...op.set(mv),
    ...op.get(thr), ...op.f32x4Splat(), ...op.set(tv),
    ...op.get(i), ...op.i32x4Splat(), ...op.set(iv),
    ...op.v128ConstI32([0, 1, 2, 3]), ...op.set(jv),
    // pass 1: the candidates (!(x < thr), on or before the diagonal) of each 4 keys, packed to
    // the front of the lists by a shuffle (n counts bytes here); only the last 4 keys can lie
    // past the diagonal (n4 = i + 1 rounded up to 4): their lanes are masked with j <= i
    ...op.i32(0), ...op.set(n), ...op.get(so), ...op.set(p), ...op.i32(4), ...op.i32x4Splat(), ...op.set(four),
    ...op.get(so), ...op.get(n4), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.i32(16), ...op.i32Sub(), ...op.set(j), // the last 4 keys' address
    ...op.block(), ...op.loop(),
    ...op.get(p), ...op.get(j), ...op.i32GeU(), ...op.brIf(1),
    ...candidates4(false),
    ...op.br(0), ...op.end(), ...op.end(),
    ...candidates4(true),
    ...op.get(n), ...op.i32(2), ...op.i32ShrU(), ...op.set(n),
    // pass 2, over the candidates in order: e = x < zeroUp ? 0 : fround(exp(x)) (remembered per
    // argument) in place of x, Z += e (a candidate whose e is 0 stays: its weight 0 adds ±0);
    // c walks cp, j is its end
    ...op.f32(0), ...op.set(Z), ...op.get(cp), ...op.set(c),
    ...op.get(cp), ...op.get(n), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(j),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(j), ...op.i32GeU(), ...op.brIf(1),
    ...op.f32(0), ...op.set(e),
    ...op.block(),
    ...op.get(c), ...op.f32Load(), ...op.tee(x), ...op.get(zeroUp), ...op.f32Lt(), ...op.brIf(0),
    ...op.get(x), ...op.i32ReinterpretF32(), ...op.tee(key),
    ...op.i32(0x9e3779b1 | 0), ...op.i32Mul(), ...op.i32(32 - EXP_BITS), ...op.i32ShrU(), ...op.i32(2), ...op.i32Shl(),
    ...op.get(cache), ...op.i32Add(), ...op.tee(h),
    ...op.i32Load(), ...op.get(key), ...op.i32Eq(),
    ...op.if(),
    ...op.get(h), ...op.f32Load(4 << EXP_BITS), ...op.set(e),
    ...op.else(),
    ...op.get(x), ...op.f64PromoteF32(), ...op.call(EXP), ...op.f32DemoteF64(), ...op.set(e),
    ...op.get(h), ...op.get(key), ...op.i32Store(),
    ...op.get(h), ...op.get(e), ...op.f32Store(4 << EXP_BITS),
    ...op.end(),
    ...op.get(Z), ...op.get(e), ...op.f32Add(), ...op.set(Z),
    ...op.end(),
    ...op.get(c), ...op.get(e), ...op.f32Store(),
    ...op.get(c), ...op.i32(4), ...op.i32Add(), ...op.set(c),
    ...op.br(0), ...op.end(), ...op.end(),
    // pass 3: p = e / Z, 4 at a time (lanes past n are scratch)
    ...op.get(Z), ...op.f32x4Splat(), ...op.set(xv), ...op.get(cp), ...op.set(c),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(j), ...op.i32GeU(), ...op.brIf(1),
    ...op.get(c), ...op.get(c), ...op.v128Load(), ...op.get(xv), ...op.f32x4Div(), ...op.v128Store(),
    ...op.get(c), ...op.i32(16), ...op.i32Add(), ...op.set(c),
    ...op.br(0), ...op.end(), ...op.end(),
    ...op.get(zOut), ...op.get(Z), ...op.f32Store(),
    ...op.get(n),
  ];
  return { name: 'softmax', params: ['i32', 'i32', 'i32', 'f32', 'f32', 'f32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: ['i32'], locals, body: b };
}

function wsumKernel(): WasmFunction {
  const [cj, cp, n, v, dv, out, e0] = [0, 1, 2, 3, 4, 5, 6];
  const [e, pj, acc, dvB, e4, accv, pp, end, ve] = [7, 8, 9, 10, 11, 12, 13, 14, 15];
  const locals: ValType[] = ['i32', 'i32', 'f32', 'i32', 'i32', 'v128', 'i32', 'i32', 'i32'];
  // over the candidates: pp walks cp, pj walks cj; ve = v + 4e, the value's address ve + j * dvB
  const overCandidates = (body: number[]): number[] => [
    ...op.get(cp), ...op.set(pp), ...op.get(cj), ...op.set(pj),
    ...op.get(v), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(ve),
    ...op.block(), ...op.loop(),
    ...op.get(pp), ...op.get(end), ...op.i32GeU(), ...op.brIf(1),
    ...body,
    ...op.get(pp), ...op.i32(4), ...op.i32Add(), ...op.set(pp),
    ...op.get(pj), ...op.i32(4), ...op.i32Add(), ...op.set(pj),
    ...op.br(0), ...op.end(), ...op.end(),
  ];
  const vAt = (): number[] => [...op.get(ve), ...op.get(pj), ...op.i32Load(), ...op.get(dvB), ...op.i32Mul(), ...op.i32Add()];
  const b: number[] = [
    ...op.get(dv), ...op.i32(4), ...op.i32Mul(), ...op.set(dvB),
    ...op.get(dv), ...op.i32(-4), ...op.i32And(), ...op.set(e4),
    ...op.get(cp), ...op.get(n), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(end),
    ...op.get(e0), ...op.set(e),
    // 4 coordinates at a time: each lane its own sum over the candidates in order
    ...op.block(), ...op.loop(),
    ...op.get(e), ...op.get(e4), ...op.i32GeU(), ...op.brIf(1),
    ...op.f32(0), ...op.f32x4Splat(), ...op.set(accv),
    ...overCandidates([
      ...op.get(accv), ...op.get(pp), ...op.v128Load32Splat(), ...vAt(), ...op.v128Load(), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(accv),
    ]),
    ...op.get(out), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.get(accv), ...op.v128Store(),
    ...op.get(e), ...op.i32(4), ...op.i32Add(), ...op.set(e),
    ...op.br(0), ...op.end(), ...op.end(),
    // the rest one at a time
    ...op.block(), ...op.loop(),
    ...op.get(e), ...op.get(dv), ...op.i32GeU(), ...op.brIf(1),
    ...op.f32(0), ...op.set(acc),
    ...overCandidates([
      ...op.get(acc), ...op.get(pp), ...op.f32Load(), ...vAt(), ...op.f32Load(), ...op.f32Mul(), ...op.f32Add(), ...op.set(acc),
    ]),
    ...op.get(out), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.get(acc), ...op.f32Store(),
    ...op.get(e), ...op.i32(1), ...op.i32Add(), ...op.set(e),
    ...op.br(0), ...op.end(), ...op.end(),
  ];
  return { name: 'wsum', params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: [], locals, body: b };
}

/** Most 4-coordinate chunks a register-resident value sum takes (wsumN, N = 1..WIDE_MAX). */
export const WIDE_MAX = 9;

/**
 * wsumN(cj, cp, n, v, dv, out, r, tmp): out[e] = Σ_c cp[c] · v[cj[c] * dv + e] for
 * e < 4(N - 1) + r (r in 1..4 lanes of the last chunk), the N accumulators of 4 coordinates held
 * in registers while the candidates pass once (each lane its own sum in candidate order, as
 * wsum's). The last chunk may read up to 3 values past a key's (the next key's, or the padding
 * after the values: allocate 4 spare words); its lanes past r are dropped (stored at tmp first).
 */
function wsumWideKernel(N: number): WasmFunction {
  const [cj, cp, n, v, dv, out, r, tmp] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [pp, pj, end, dvB, base, ps] = [8, 9, 10, 11, 12, 13];
  const acc = (k: number): number => 14 + k;
  const locals: ValType[] = ['i32', 'i32', 'i32', 'i32', 'i32', 'v128', ...Array<ValType>(N).fill('v128')];
  const b: number[] = [
    ...op.get(dv), ...op.i32(4), ...op.i32Mul(), ...op.set(dvB),
    ...op.get(cp), ...op.set(pp), ...op.get(cj), ...op.set(pj),
    ...op.get(cp), ...op.get(n), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.set(end),
  ];
  for (let k = 0; k < N; k++) b.push(...op.f32(0), ...op.f32x4Splat(), ...op.set(acc(k)));
  b.push(...op.block(), ...op.loop(), ...op.get(pp), ...op.get(end), ...op.i32GeU(), ...op.brIf(1));
  b.push(...op.get(pp), ...op.v128Load32Splat(), ...op.set(ps));
  b.push(...op.get(v), ...op.get(pj), ...op.i32Load(), ...op.get(dvB), ...op.i32Mul(), ...op.i32Add(), ...op.set(base));
  for (let k = 0; k < N; k++) b.push(...op.get(acc(k)), ...op.get(ps), ...op.get(base), ...op.v128Load(16 * k), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(acc(k)));
  b.push(...op.get(pp), ...op.i32(4), ...op.i32Add(), ...op.set(pp), ...op.get(pj), ...op.i32(4), ...op.i32Add(), ...op.set(pj));
  b.push(...op.br(0), ...op.end(), ...op.end());
  for (let k = 0; k < N - 1; k++) b.push(...op.get(out), ...op.get(acc(k)), ...op.v128Store(16 * k));
  // the last chunk: its first r lanes
  b.push(...op.get(tmp), ...op.get(acc(N - 1)), ...op.v128Store());
  for (let l = 0; l < 4; l++) {
    b.push(...op.get(r), ...op.i32(l), ...op.i32GtU(), ...op.if());
    b.push(...op.get(out), ...op.get(tmp), ...op.f32Load(4 * l), ...op.f32Store(16 * (N - 1) + 4 * l), ...op.end());
  }
  return { name: `wsum${N}`, params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: [], locals, body: b };
}

/** Most 64-KiB pages the shared memory may grow to (4 GiB). */
export const MAX_PAGES = 65536;

let compiled: WasmModule | undefined;

/** The kernels' module, compiled once per process (a worker gets it by postMessage). */
export function kernelModule(): WasmModule {
  const wide = Array.from({ length: WIDE_MAX }, (_, k) => wsumWideKernel(k + 1));
  const fns = [...SCORE_SHAPES.map((s) => scoresKernel(s.rows, s.vecs)), candsKernel(), softmaxKernel(), wsumKernel(), ...wide];
  compiled ??= new WA.Module(wasmModule(fns, MAX_PAGES, [{ name: 'exp', params: ['f64'], results: ['f64'] }]));
  return compiled;
}

export interface KernelExports {
  scores4(qt: number, dk: number, kt: number, ldk: number, n: number, out: number, ldo: number, mx: number): void;
  scores1(qt: number, dk: number, kt: number, ldk: number, n: number, out: number, ldo: number, mx: number): void;
  cands(p: number, n: number, m: number, thr: number, idx: number): number;
  softmax(so: number, n4: number, i: number, m: number, thr: number, zeroUp: number, cache: number, cj: number, cp: number, zOut: number, pack: number): number;
  wsum(cj: number, cp: number, n: number, v: number, dv: number, out: number, e0: number): void;
  /** wsum1 .. wsum9 (WIDE_MAX): the first 4(N - 1) + r coordinates with accumulators in registers. */
  [wide: `wsum${number}`]: (cj: number, cp: number, n: number, v: number, dv: number, out: number, r: number, tmp: number) => void;
}

/** The kernels bound to a shared memory. */
export function instantiate(memory: WasmMemory, module: WasmModule = kernelModule()): KernelExports {
  return new WA.Instance(module, { env: { memory, exp: Math.exp } }).exports as unknown as KernelExports;
}

/** Whether this JavaScript engine runs WebAssembly SIMD with shared memory (Node 20 does). */
export function simdAvailable(): boolean {
  try {
    kernelModule();
    new WA.Memory({ initial: 1, maximum: 1, shared: true });
    return true;
  } catch {
    return false;
  }
}
