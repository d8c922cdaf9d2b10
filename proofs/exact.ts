// Exact decisions of the paper's rounding for exp and division (LLZM24 Def. 3.1-3.3): exp(x)
// with 80 significant digits, compared with the midpoints of the number grid (exp of a non-zero
// rational is irrational, so it is never a tie); divisions exactly, with dyadic integers. Used to check that the runtime's rounded exp and softmax division are the
// paper's, value by value.

import { createRequire } from 'node:module';
import type { BigNumber, MathJsInstance } from 'mathjs';
import type { Arith } from '../runtime/index.js';

/** mathjs takes ~0.5 s to load: load it the first time an exact value is needed. */
const loadMath = (() => {
  let instance: MathJsInstance | undefined;
  return (): MathJsInstance => {
    if (!instance) {
      const mathjs = createRequire(import.meta.url)('mathjs') as typeof import('mathjs');
      instance = mathjs.create(mathjs.all, { number: 'BigNumber', precision: 80 });
    }
    return instance;
  };
})();

function big(x: number | string): BigNumber {
  return loadMath().bignumber(x) as BigNumber;
}

/** Grid spacing of the format around a positive value whose double approximation is yd. */
function quantum(a: Arith, yd: number): number {
  const s = a.s!;
  if (a.kind === 'fixed') return 2 ** -s;
  const Emax = 2 ** a.e! - 1;
  let f = Math.floor(Math.log2(yd));
  while (2 ** f > yd) f--;
  while (2 ** (f + 1) <= yd) f++;
  const E = Math.min(Emax, Math.max(-Emax, f - s + 1));
  return 2 ** (E - s);
}

/** Rounds an exact positive BigNumber y to the format: nearest, ties toward zero, saturating. */
function roundExact(a: Arith, y: BigNumber): { value: number; decided: boolean } {
  if (y.isZero()) return { value: 0, decided: true };
  const yd = y.toNumber();
  if (yd >= a.max) return { value: a.max, decided: true };
  const q = quantum(a, yd);
  const qb = big(q);
  const k = y.div(qb).floor();
  const lo = k.mul(qb);
  const hi = k.add(1).mul(qb);
  const dLo = y.sub(lo);
  const dHi = hi.sub(y);
  const decided = !dLo.sub(dHi).abs().lt(y.mul(big('1e-50')));
  const value = dHi.lt(dLo) ? hi.toNumber() : lo.toNumber();
  return { value: Math.min(value, a.max), decided };
}

/** The paper's [exp x] for x in the format, decided exactly. */
export function exactExp(a: Arith, x: number): { value: number; decided: boolean } {
  if (x === 0) return roundExact(a, big(1));
  return roundExact(a, loadMath().exp(big(x)) as BigNumber);
}

/** A double as an exact dyadic m·2^e (every finite double is one). */
function dyadic(x: number): { m: bigint; e: number } {
  if (x === 0) return { m: 0n, e: 0 };
  let e = 0;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    e--;
  }
  return { m: BigInt(v), e };
}

/** Sign of A·B - C·D for doubles, exactly. */
function compareProducts(a: number, b: number, c: number, d: number): number {
  const p = dyadic(a);
  const q = dyadic(b);
  const r = dyadic(c);
  const s = dyadic(d);
  const e1 = p.e + q.e;
  const e2 = r.e + s.e;
  const e = Math.min(e1, e2);
  const left = p.m * q.m * 2n ** BigInt(e1 - e);
  const right = r.m * s.m * 2n ** BigInt(e2 - e);
  return left === right ? 0 : left > right ? 1 : -1;
}

/** The paper's [x / y] for numbers of the format (x >= 0, y > 0), decided exactly: the grid
 * points below and above x / y are found by exact comparisons of x with g·y. */
export function exactDiv(a: Arith, x: number, y: number): number {
  if (y === 0) return x === 0 ? 0 : a.max;
  if (x === 0) return 0;
  const yd = x / y;
  if (yd >= a.max * (1 + 1e-12)) return a.max;
  const q = quantum(a, yd);
  let k = Math.floor(yd / q);
  while (k > 0 && compareProducts(k * q, y, x, 1) > 0) k--; // lo·y <= x
  while (compareProducts((k + 1) * q, y, x, 1) <= 0) k++; // x < hi·y
  const lo = k * q;
  const hi = (k + 1) * q;
  // x/y - lo versus hi - x/y, times y: (x - lo·y) versus (hi·y - x), i.e. 2x versus (lo + hi)·y
  const c = compareProducts(2, x, lo + hi, y);
  const value = c > 0 ? hi : lo; // an exact tie goes to the smaller magnitude
  return Math.min(value, a.max);
}
