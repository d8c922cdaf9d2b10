// Arithmetic modes of the CPU reference. Every product, sum, exp and division is rounded to the
// mode's number format; sums run left to right (LLZM24 Def. 3.1-3.3, construction.md §2).
//   f64          IEEE double (no extra rounding)
//   f32          every operation rounded to IEEE float32 (Math.fround)
//   f16          every operation rounded to IEEE binary16 (round to nearest even, subnormals)
//   fixed:s      F_s = { ±k·2^-s : 0 <= k <= 2^(2s) - 1 }, round to nearest, ties toward zero,
//                saturating at ±B_s = 2^s - 2^-s (the paper's constant-precision arithmetic)
//   float:e,s    F_{e,s} = { ±k·2^(E-s) : 0 <= k <= 2^(2s) - 1, |E| <= 2^e - 1 }, same rounding
//                and saturation (our reading of the paper's floating-point format; e = 0 gives F_s)
// IEEE modes subtract the row maximum inside softmax (as real kernels do; the same function);
// the paper modes compute [exp x_j] / Σ[exp x] exactly as the paper writes it.

import { UserError } from '../common/errors.js';

export type ArithKind = 'f64' | 'f32' | 'f16' | 'fixed' | 'float';

export interface Arith {
  name: string;
  kind: ArithKind;
  /** Rounds a real number to the format. */
  round: (x: number) => number;
  /** Softmax subtracts the row maximum before exp. */
  maxSubtract: boolean;
  /** Largest finite value (saturation bound), Infinity for IEEE modes. */
  max: number;
  /** Exponent and significand parameters of the paper formats. */
  e?: number;
  s?: number;
}

export function parseArith(spec: string): Arith {
  if (spec === 'f64') return { name: 'f64', kind: 'f64', round: (x) => x, maxSubtract: true, max: Infinity };
  if (spec === 'f32') return { name: 'f32', kind: 'f32', round: Math.fround, maxSubtract: true, max: Infinity };
  if (spec === 'f16') return { name: 'f16', kind: 'f16', round: f16round, maxSubtract: true, max: Infinity };
  let m = /^fixed:(\d+)$/.exec(spec);
  if (m) {
    const s = Number(m[1]);
    if (s < 1 || s > 24) throw new UserError(`fixed:s needs 1 <= s <= 24, got ${spec}`);
    return fixedArith(s);
  }
  m = /^float:(\d+),(\d+)$/.exec(spec);
  if (m) {
    const e = Number(m[1]);
    const s = Number(m[2]);
    if (e > 9 || s < 1 || s > 24) throw new UserError(`float:e,s needs 0 <= e <= 9 and 1 <= s <= 24, got ${spec}`);
    return floatArith(e, s);
  }
  throw new UserError(`unknown arithmetic '${spec}' (expected f64, f32, f16, fixed:s or float:e,s)`);
}

export function fixedArith(s: number): Arith {
  const scale = 2 ** s;
  const kmax = 2 ** (2 * s) - 1;
  const B = kmax / scale;
  const round = (x: number): number => {
    if (x !== x) return 0;
    const ax = Math.abs(x);
    if (ax >= B) return x < 0 ? -B : B;
    const k = ax * scale;
    const fl = Math.floor(k);
    const r = k - fl > 0.5 ? fl + 1 : fl; // ties toward the smaller magnitude
    const v = r / scale;
    return x < 0 ? -v : v;
  };
  return { name: `fixed:${s}`, kind: 'fixed', round, maxSubtract: false, max: B, e: 0, s };
}

export function floatArith(e: number, s: number): Arith {
  const Emax = 2 ** e - 1;
  const Emin = -Emax;
  const K = 2 ** (2 * s);
  const B = (K - 1) * 2 ** (Emax - s);
  const log2 = exponentReader();
  const round = (x: number): number => {
    if (x !== x) return 0;
    const ax = Math.abs(x);
    if (ax === 0) return 0;
    if (ax >= B) return x < 0 ? -B : B;
    const E = Math.min(Emax, Math.max(Emin, log2(ax) - s + 1));
    const q = 2 ** (E - s);
    const k = ax / q;
    const fl = Math.floor(k);
    const r = k - fl > 0.5 ? fl + 1 : fl; // ties toward the smaller magnitude
    const v = Math.min(r * q, B);
    return x < 0 ? -v : v;
  };
  return { name: `float:${e},${s}`, kind: 'float', round, maxSubtract: false, max: B, e, s };
}

/** floor(log2 x) for a positive normal double, read from its exponent bits. */
function exponentReader(): (x: number) => number {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  return (x: number) => {
    f[0] = x;
    return ((u[hi]! >>> 20) & 0x7ff) - 1023;
  };
}

/** Rounds to IEEE binary16 (nearest, ties to even; subnormals; overflow to ±Infinity). */
export function f16round(x: number): number {
  if (x !== x || x === 0 || !Number.isFinite(x)) return x;
  const ax = Math.abs(x);
  const q = ax < 2 ** -14 ? 2 ** -24 : 2 ** (log2Exact(ax) - 10);
  const k = ax / q;
  const fl = Math.floor(k);
  const frac = k - fl;
  const r = frac > 0.5 || (frac === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const v = r * q;
  if (v > 65504) return x < 0 ? -Infinity : Infinity;
  return x < 0 ? -v : v;
}

const log2Exact = exponentReader();

/** Rounded exp. */
export function rexp(a: Arith, x: number): number {
  return a.round(Math.exp(x));
}

/** Rounded division; x / 0 is 0 when x is 0, else saturates. */
export function rdiv(a: Arith, x: number, y: number): number {
  if (y === 0) return x === 0 ? 0 : a.round(x > 0 ? Infinity : -Infinity);
  return a.round(x / y);
}
