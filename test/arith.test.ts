// The arithmetic modes: the rounding functions against their definitions, and the fast kernels
// against the plain rounding functions.
import { describe, expect, it } from 'vitest';
import { Rng } from '../circuits/gen/prng.js';
import { f16round, fixedArith, floatArith, kernelsFor, parseArith } from '../runtime/index.js';

/** Nearest element of an explicit finite set, ties toward the smaller magnitude. */
function nearest(set: number[], x: number): number {
  let best = set[0]!;
  for (const y of set) {
    const d = Math.abs(y - x);
    const e = Math.abs(best - x);
    if (d < e || (d === e && Math.abs(y) < Math.abs(best))) best = y;
  }
  return best;
}

function fixedSet(s: number): number[] {
  const out: number[] = [];
  for (let k = -(2 ** (2 * s) - 1); k <= 2 ** (2 * s) - 1; k++) out.push(k / 2 ** s);
  return out;
}

function floatSet(e: number, s: number): number[] {
  const out = new Set<number>();
  const Emax = 2 ** e - 1;
  for (let E = -Emax; E <= Emax; E++) for (let k = 0; k < 2 ** (2 * s); k++) for (const c of [1, -1]) out.add(c * k * 2 ** (E - s));
  return [...out];
}

const samples = (() => {
  const r = new Rng(99n);
  const xs: number[] = [0, 0.125, -0.125, 0.375, -0.375, 3.7, 3.8, -3.9, 1e-9, -1e-9, 100, -100];
  for (let i = 0; i < 4000; i++) xs.push(((r.nextU32() / 2 ** 32) * 2 - 1) * 2 ** ((r.nextU32() % 12) - 6));
  for (let i = 0; i < 500; i++) xs.push(((r.nextU32() % 400) - 200) / 64); // many exact ties
  return xs;
})();

describe('rounding to the paper formats', () => {
  for (const s of [1, 2, 3]) {
    it(`fixed:${s} is the nearest element of F_${s}, ties toward zero, saturating`, () => {
      const set = fixedSet(s);
      const a = fixedArith(s);
      const k = kernelsFor(a);
      for (const x of samples) {
        const want = nearest(set, x);
        expect(a.round(x) + 0).toBe(want + 0);
        expect(k.round(x) + 0).toBe(want + 0);
      }
    });
  }
  for (const [e, s] of [[1, 1], [2, 2], [3, 1]] as const) {
    it(`float:${e},${s} is the nearest element of F_{${e},${s}}`, () => {
      const set = floatSet(e, s);
      const a = floatArith(e, s);
      for (const x of samples) expect(a.round(x) + 0).toBe(nearest(set, x) + 0);
    });
  }
  it('f16 rounds to nearest even with subnormals and overflow', () => {
    expect(f16round(1 + 2 ** -11)).toBe(1); // tie -> even
    expect(f16round(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(f16round(2 ** -25)).toBe(0);
    expect(f16round(3 * 2 ** -25)).toBe(2 ** -23);
    expect(f16round(65520)).toBe(Infinity);
    expect(f16round(65519)).toBe(65504);
    expect(f16round(-0.1)).toBe(-0.0999755859375);
  });
  it('rejects unknown modes with one line', () => {
    expect(() => parseArith('fixed:0')).toThrow(/1 <= s <= 24/);
    expect(() => parseArith('bf16')).toThrow(/unknown arithmetic 'bf16'/);
  });
});

describe('kernels', () => {
  it('dot and matvec round every product and partial sum, left to right', () => {
    const a = fixedArith(2);
    const k = kernelsFor(a);
    const x = [3.75, -3.75, 3.75, 3.75];
    const y = [1, 1, 1, 0.25];
    // 3.75 -> 0 -> 3.75 -> 3.75 + 0.9375 -> 4.6875 saturates to 3.75
    expect(k.dot(x, 0, y, 0, 4)).toBe(3.75);
    expect(kernelsFor(parseArith('f32')).dot([1e8, 1, -1e8], 0, [1, 1, 1], 0, 3)).toBe(0);
    expect(kernelsFor(parseArith('f64')).dot([1e8, 1, -1e8], 0, [1, 1, 1], 0, 3)).toBe(1);
  });
});
