// Word-level building blocks over Logic: words are Bit arrays, bit 0 (least significant)
// first. Constant operands are ordinary words of ZERO/ONE, and Logic folds them away.

import { ONE, ZERO, type Bit, type Logic } from './logic.js';

/** The constant v as a width-bit word. */
export function constWord(v: number, width: number): Bit[] {
  const w: Bit[] = [];
  for (let k = 0; k < width; k++) w.push(Math.floor(v / 2 ** k) % 2 === 1 ? ONE : ZERO);
  return w;
}

/** Number of bits of v >= 1 (bitLength(5) = 3). */
export function bitLength(v: number): number {
  let n = 0;
  while (v >= 2 ** n) n++;
  return n;
}

/** w zero-extended (or cut) to `width` bits. */
export function resize(w: Bit[], width: number): Bit[] {
  const r = w.slice(0, width);
  while (r.length < width) r.push(ZERO);
  return r;
}

/** Sum and carry of a + b + c. */
export function fullAdd(L: Logic, a: Bit, b: Bit, c: Bit): [Bit, Bit] {
  const t = L.xor(a, b);
  return [L.xor(t, c), L.or(L.and(a, b), L.and(c, t))];
}

/** Ripple-carry a + b + cin: max(|a|, |b|) + 1 bits, the carry out last. */
export function add(L: Logic, a: Bit[], b: Bit[], cin: Bit = ZERO): Bit[] {
  const n = Math.max(a.length, b.length);
  const s: Bit[] = [];
  let c = cin;
  for (let k = 0; k < n; k++) {
    const [sum, carry] = fullAdd(L, a[k] ?? ZERO, b[k] ?? ZERO, c);
    s.push(sum);
    c = carry;
  }
  s.push(c);
  return s;
}

/**
 * a >= b (unsigned): the carry out of a + NOT b + 1, as a carry chain only. The propagate
 * term x XOR NOT y is written XNOR(x, y), so an equality test on the same words shares it.
 */
export function geq(L: Logic, a: Bit[], b: Bit[]): Bit {
  const n = Math.max(a.length, b.length);
  let c: Bit = ONE;
  for (let k = 0; k < n; k++) {
    const x = a[k] ?? ZERO;
    const y = b[k] ?? ZERO;
    c = L.or(L.and(x, L.not(y)), L.and(c, L.xnor(x, y)));
  }
  return c;
}

/** Unsigned product, |a| + |b| bits: one ripple-carry adder row per bit of b (array multiplier). */
export function multiply(L: Logic, a: Bit[], b: Bit[]): Bit[] {
  const n = a.length;
  const m = b.length;
  const row = (j: number): Bit[] => a.map((x) => L.and(x, b[j]!));
  const out: Bit[] = [];
  // acc = floor(a * (b mod 2^(j+1)) / 2^j) < 2^(n+1): the running sum above the bits emitted.
  let acc = row(0);
  for (let j = 1; j < m; j++) {
    out.push(acc[0]!);
    acc = resize(add(L, acc.slice(1), row(j)), n + 1);
  }
  out.push(...acc);
  return resize(out, n + m);
}

/**
 * x mod p for a constant p >= 2, bitLength(p) bits: restoring shift-subtract. The remainder r
 * (< p) takes in the bits of x from the top one; after each shift r < 2p, so one conditional
 * subtraction of p restores r < p. The top bitLength(p) - 1 bits of x are taken in without a
 * compare, since they are < 2^(bitLength(p)-1) <= p.
 */
export function modConst(L: Logic, x: Bit[], p: number): Bit[] {
  const w = bitLength(p);
  if (x.length < w) return resize(x, w);
  let r = resize(x.slice(x.length - (w - 1)), w);
  const notP = constWord(2 ** (w + 1) - 1 - p, w + 1);
  for (let i = x.length - w; i >= 0; i--) {
    const shifted = [x[i]!, ...r]; // w + 1 bits, value < 2p
    const diff = add(L, shifted, notP, ONE); // shifted - p, carry out (bit w + 1) = shifted >= p
    const keep = diff[w + 1]!;
    r = shifted.slice(0, w).map((bit, k) => L.mux(keep, bit, diff[k]!));
  }
  return r;
}

/** table[index] (each entry a word of `width` bits); an index past the table reads 0. A mux tree. */
export function lookup(L: Logic, index: Bit[], table: Bit[][], width: number): Bit[] {
  let level: Bit[][] = [];
  for (let i = 0; i < 2 ** index.length && i < table.length; i++) level.push(resize(table[i]!, width));
  for (const s of index) {
    const next: Bit[][] = [];
    for (let i = 0; i < level.length; i += 2) {
      const lo = level[i]!;
      const hi = level[i + 1] ?? constWord(0, width);
      next.push(lo.map((bit, k) => L.mux(s, bit, hi[k]!)));
    }
    level = next;
  }
  return level[0] ?? constWord(0, width);
}
