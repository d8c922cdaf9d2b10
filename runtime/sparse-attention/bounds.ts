// Enclosures of the dense f32 reference run (runtime/cpu), built beside the sparse run. Every
// value x of the sparse run has an interval [lo, hi] that holds the dense run's value of the same
// quantity; both runs round to f32 after every product and sum (JS computes fround(a op b) in
// double first; double rounding is innocuous for +, -, ×, ÷ of f32 numbers since 53 >= 2·24 + 2,
// so that is the correctly rounded f32 result). Operation by operation:
//   - where every input of a formula is exact (lo = hi = the sparse run's value), both runs compute
//     the same rounded number: the result is exact too;
//   - rounding to nearest is monotone: an f32 operation applied to the ends of f32 intervals
//     gives the ends of the result's interval (the softmax, dense-softmax.ts);
//   - where the inputs are not f32 interval ends (a score from another formula), a rounded sum or
//     dot product of n terms lies within γ_n Σ|terms| of the exact one, γ_n = n·u/(1 - n·u),
//     u = 2^-24, plus 2^-149 per subnormal result;
//   - ReLU is monotone: [max(lo, 0), max(hi, 0)];
//   - an interval that holds no f32 number but the sparse value itself holds the dense value
//     exactly: it collapses (snap), and what follows is exact again.

/** Unit roundoff of f32. */
export const U32 = 2 ** -24;

export function gamma(n: number): number {
  return (n * U32) / (1 - n * U32);
}

const F = new Float32Array(1);
const I = new Int32Array(F.buffer);

/** The f32 number after y (an f32 number) toward +Infinity. */
function stepUp(y: number): number {
  if (y === 0) return 2 ** -149;
  F[0] = y;
  I[0] += y > 0 ? 1 : -1;
  return F[0]!;
}

/** The least f32 number >= x. */
export function upF32(x: number): number {
  const y = Math.fround(x);
  return y >= x || x !== x ? y : stepUp(y);
}

/** The greatest f32 number <= x. */
export function downF32(x: number): number {
  return -upF32(-x);
}

/** One f32 step outward on each side: [down, up] of an f32 function that may not be monotone by an ulp (Math.exp). */
export function widenDown(y: number): number {
  return -stepUp(-y);
}
export function widenUp(y: number): number {
  return stepUp(y);
}

/** Does [lo, hi] hold no f32 number but y (an f32 number in it)? Then the dense value is y. */
export function pins(y: number, lo: number, hi: number): boolean {
  if (lo === hi) return true;
  const ay = Math.abs(y);
  // the f32 neighbours of a normal y are more than 2^-25|y| away; of a subnormal, 2^-149
  const g = ay >= 2 ** -126 ? ay * 2 ** -25 : 2 ** -149;
  return y - lo < g && hi - y < g;
}

/**
 * The dense run's f32 softmax-weighted sum over n visible keys lies within this of the hull of
 * their values: its rounded weights sum to within γ_n + u of 1, the rounded products and sum add
 * γ_n of the largest |value|, and every subnormal weight or product up to 2^-149 more.
 */
export function hullSlack(n: number, maxAbs: number): number {
  return 2.02 * gamma(n + 3) * maxAbs + n * 2 ** -146 * (1 + maxAbs);
}

/**
 * Below this, adding a number to any f32 x of at least |x0| (same sign) returns x itself under
 * round to nearest: a quarter of the f32 spacing at |x0| (half the spacing below a power of two);
 * 0 for a subnormal or zero x0.
 */
export function absorbedBelow(x0: number): number {
  const a = Math.abs(x0);
  if (!(a >= MIN_NORMAL) || a === Infinity) return 0;
  F[0] = a;
  const biased = ((I[0]! >>> 23) & 0xff) - 25;
  if (biased < 1) return 0;
  I[0] = biased << 23;
  return F[0]!;
}

const MIN_NORMAL = 2 ** -126;

/** upF32 / downF32 of a + b (the f64 sum may have rounded by 2^-53 of it: nudged outward first). */
export function upAdd(a: number, b: number): number {
  const s = a + b;
  return upF32(s + Math.abs(s) * 2 ** -50);
}
export function downAdd(a: number, b: number): number {
  const s = a + b;
  return downF32(s - Math.abs(s) * 2 ** -50);
}
