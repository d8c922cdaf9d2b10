// Float32 -> IEEE binary16 bit patterns for f16 storage buffers. The value is rounded exactly
// as the CPU reference's f16 emulation rounds (f16round: nearest, ties to even, subnormals,
// overflow to infinity), so both engines start from the same weights.

import { f16round } from '../arith.js';

/** Bit pattern of a number that is already exactly representable in binary16. */
function bitsOfF16Value(v: number): number {
  if (v !== v) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  if (a < 2 ** -14) return sign | Math.round(a / 2 ** -24); // subnormal: a multiple of 2^-24
  const e = Math.floor(Math.log2(a));
  // log2 can be off by one at exact powers near the boundary: correct it.
  const E = a >= 2 ** (e + 1) ? e + 1 : a < 2 ** e ? e - 1 : e;
  const mant = Math.round((a / 2 ** E - 1) * 1024);
  return sign | ((E + 15) << 10) | mant;
}

/** The f16 bit pattern of v rounded to binary16. */
export function f16Bits(v: number): number {
  return bitsOfF16Value(f16round(v));
}

/** f16 bit patterns of x rounded to binary16, padded with zeros to `padTo` elements. */
export function toF16Bits(x: ArrayLike<number>, padTo = x.length): Uint16Array {
  const out = new Uint16Array(padTo);
  for (let i = 0; i < x.length; i++) out[i] = bitsOfF16Value(f16round(x[i]!));
  return out;
}
