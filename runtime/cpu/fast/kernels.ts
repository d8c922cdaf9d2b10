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
//       NaN) is a candidate; n % 4 == 0.
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

function softmaxKernel(): WasmFunction {
  const [so, n4, i, m, thr, zeroUp, cache, cj, cp, zOut] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [j, n, bits, xv, mv, tv, c, x, e, Z, key, h, n2, jj] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  const locals: ValType[] = ['i32', 'i32', 'i32', 'v128', 'v128', 'v128', 'i32', 'f32', 'f32', 'f32', 'i32', 'i32', 'i32', 'i32'];
  const at = (base: number, idx: number): number[] => [...op.get(base), ...op.get(idx), ...op.i32(4), ...op.i32Mul(), ...op.i32Add()];
  // pass 1, branch-free within a vector: every lane is written at position n, and n advances
  // by 1 where the lane is a candidate (!(x < thr)) on or before the diagonal (j + l <= i)
  const lane = (l: number): number[] => [
    ...at(cj, n), ...op.get(j), ...op.i32(l), ...op.i32Add(), ...op.i32Store(),
    ...at(cp, n), ...op.get(xv), ...op.f32x4ExtractLane(l), ...op.f32Store(),
    ...op.get(n),
    ...op.get(bits), ...op.i32(l), ...op.i32ShrU(), ...op.i32(1), ...op.i32And(),
    ...op.get(j), ...op.i32(l), ...op.i32Add(), ...op.get(i), ...op.i32LeU(), ...op.i32And(),
    ...op.i32Add(), ...op.set(n),
  ];
  const b: number[] = [
    ...op.get(m), ...op.f32x4Splat(), ...op.set(mv),
    ...op.get(thr), ...op.f32x4Splat(), ...op.set(tv),
    ...op.i32(0), ...op.set(n), ...op.i32(0), ...op.set(j),
    ...op.block(), ...op.loop(),
    ...op.get(j), ...op.get(n4), ...op.i32GeU(), ...op.brIf(1),
    ...op.get(so), ...op.get(j), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.v128Load(),
    ...op.get(mv), ...op.f32x4Sub(), ...op.tee(xv),
    ...op.get(tv), ...op.f32x4Lt(), ...op.v128Not(), ...op.i32x4Bitmask(), ...op.tee(bits),
    ...op.if(), ...lane(0), ...lane(1), ...lane(2), ...lane(3), ...op.end(),
    ...op.get(j), ...op.i32(4), ...op.i32Add(), ...op.set(j),
    ...op.br(0), ...op.end(), ...op.end(),
    // pass 2, over the candidates in order: e = x < zeroUp ? 0 : fround(exp(x)) (remembered per
    // argument), Z += e; the keys of nonzero e are compacted in place (n2 <= c)
    ...op.f32(0), ...op.set(Z), ...op.i32(0), ...op.set(c), ...op.i32(0), ...op.set(n2),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(n), ...op.i32GeU(), ...op.brIf(1),
    ...op.block(),
    ...at(cp, c), ...op.f32Load(), ...op.tee(x), ...op.get(zeroUp), ...op.f32Lt(), ...op.brIf(0),
    ...op.get(x), ...op.i32ReinterpretF32(), ...op.tee(key),
    ...op.i32(0x9e3779b1 | 0), ...op.i32Mul(), ...op.i32(32 - EXP_BITS), ...op.i32ShrU(), ...op.set(h),
    ...at(cache, h), ...op.i32Load(), ...op.get(key), ...op.i32Eq(),
    ...op.if(),
    ...at(cache, h), ...op.f32Load(4 << EXP_BITS), ...op.set(e),
    ...op.else(),
    ...op.get(x), ...op.f64PromoteF32(), ...op.call(EXP), ...op.f32DemoteF64(), ...op.set(e),
    ...at(cache, h), ...op.get(key), ...op.i32Store(),
    ...at(cache, h), ...op.get(e), ...op.f32Store(4 << EXP_BITS),
    ...op.end(),
    ...op.get(Z), ...op.get(e), ...op.f32Add(), ...op.set(Z),
    ...at(cj, c), ...op.i32Load(), ...op.set(jj),
    ...at(cj, n2), ...op.get(jj), ...op.i32Store(),
    ...at(cp, n2), ...op.get(e), ...op.f32Store(),
    ...op.get(n2), ...op.get(e), ...op.f32(0), ...op.f32Ne(), ...op.i32Add(), ...op.set(n2),
    ...op.end(),
    ...op.get(c), ...op.i32(1), ...op.i32Add(), ...op.set(c),
    ...op.br(0), ...op.end(), ...op.end(),
    // pass 3: p = e / Z
    ...op.i32(0), ...op.set(c),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(n2), ...op.i32GeU(), ...op.brIf(1),
    ...at(cp, c), ...at(cp, c), ...op.f32Load(), ...op.get(Z), ...op.f32Div(), ...op.f32Store(),
    ...op.get(c), ...op.i32(1), ...op.i32Add(), ...op.set(c),
    ...op.br(0), ...op.end(), ...op.end(),
    ...op.get(zOut), ...op.get(Z), ...op.f32Store(),
    ...op.get(n2),
  ];
  return { name: 'softmax', params: ['i32', 'i32', 'i32', 'f32', 'f32', 'f32', 'i32', 'i32', 'i32', 'i32'], results: ['i32'], locals, body: b };
}

function wsumKernel(): WasmFunction {
  const [cj, cp, n, v, dv, vs, sets, out, os] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [bi, e, c, acc, vb, ob, dvB, e4, accv] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const locals: ValType[] = ['i32', 'i32', 'i32', 'f32', 'i32', 'i32', 'i32', 'i32', 'v128'];
  const pAt = (): number[] => [...op.get(cp), ...op.get(c), ...op.i32(4), ...op.i32Mul(), ...op.i32Add()];
  // address of v[j_c][e]
  const vAt = (): number[] => [
    ...op.get(vb), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(),
    ...op.get(cj), ...op.get(c), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.i32Load(), ...op.get(dvB), ...op.i32Mul(), ...op.i32Add(),
  ];
  const overCandidates = (body: number[]): number[] => [
    ...op.i32(0), ...op.set(c),
    ...op.block(), ...op.loop(),
    ...op.get(c), ...op.get(n), ...op.i32GeU(), ...op.brIf(1),
    ...body,
    ...op.get(c), ...op.i32(1), ...op.i32Add(), ...op.set(c),
    ...op.br(0), ...op.end(), ...op.end(),
  ];
  const b: number[] = [
    ...op.get(dv), ...op.i32(4), ...op.i32Mul(), ...op.set(dvB),
    ...op.get(dv), ...op.i32(-4), ...op.i32And(), ...op.set(e4),
    ...op.get(v), ...op.set(vb), ...op.get(out), ...op.set(ob), ...op.i32(0), ...op.set(bi),
    ...op.loop(),
    ...op.i32(0), ...op.set(e),
    // 4 coordinates at a time: each lane its own sum over the candidates in order
    ...op.block(), ...op.loop(),
    ...op.get(e), ...op.get(e4), ...op.i32GeU(), ...op.brIf(1),
    ...op.f32(0), ...op.f32x4Splat(), ...op.set(accv),
    ...overCandidates([
      ...op.get(accv), ...pAt(), ...op.v128Load32Splat(), ...vAt(), ...op.v128Load(), ...op.f32x4Mul(), ...op.f32x4Add(), ...op.set(accv),
    ]),
    ...op.get(ob), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.get(accv), ...op.v128Store(),
    ...op.get(e), ...op.i32(4), ...op.i32Add(), ...op.set(e),
    ...op.br(0), ...op.end(), ...op.end(),
    // the rest one at a time
    ...op.block(), ...op.loop(),
    ...op.get(e), ...op.get(dv), ...op.i32GeU(), ...op.brIf(1),
    ...op.f32(0), ...op.set(acc),
    ...overCandidates([
      ...op.get(acc), ...pAt(), ...op.f32Load(), ...vAt(), ...op.f32Load(), ...op.f32Mul(), ...op.f32Add(), ...op.set(acc),
    ]),
    ...op.get(ob), ...op.get(e), ...op.i32(4), ...op.i32Mul(), ...op.i32Add(), ...op.get(acc), ...op.f32Store(),
    ...op.get(e), ...op.i32(1), ...op.i32Add(), ...op.set(e),
    ...op.br(0), ...op.end(), ...op.end(),
    ...op.get(vb), ...op.get(vs), ...op.i32Add(), ...op.set(vb),
    ...op.get(ob), ...op.get(os), ...op.i32Add(), ...op.set(ob),
    ...op.get(bi), ...op.i32(1), ...op.i32Add(), ...op.tee(bi), ...op.get(sets), ...op.i32LtU(), ...op.brIf(0),
    ...op.end(),
  ];
  return { name: 'wsum', params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], results: [], locals, body: b };
}

/** Most 64-KiB pages the shared memory may grow to (4 GiB). */
export const MAX_PAGES = 65536;

let compiled: WasmModule | undefined;

/** The kernels' module, compiled once per process (a worker gets it by postMessage). */
export function kernelModule(): WasmModule {
  const fns = [...SCORE_SHAPES.map((s) => scoresKernel(s.rows, s.vecs)), candsKernel(), softmaxKernel(), wsumKernel()];
  compiled ??= new WA.Module(wasmModule(fns, MAX_PAGES, [{ name: 'exp', params: ['f64'], results: ['f64'] }]));
  return compiled;
}

export interface KernelExports {
  scores4(qt: number, dk: number, kt: number, ldk: number, n: number, out: number, ldo: number, mx: number): void;
  scores1(qt: number, dk: number, kt: number, ldk: number, n: number, out: number, ldo: number, mx: number): void;
  cands(p: number, n: number, m: number, thr: number, idx: number): number;
  softmax(so: number, n4: number, i: number, m: number, thr: number, zeroUp: number, cache: number, cj: number, cp: number, zOut: number): number;
  wsum(cj: number, cp: number, n: number, v: number, dv: number, vs: number, sets: number, out: number, os: number): void;
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
