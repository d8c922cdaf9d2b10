import { describe, expect, it } from 'vitest';
import { UserError } from '../circuits/errors.js';
import { OptionError } from '../common/errors.js';
import { evalMany, evalOne } from '../circuits/eval.js';
import { Op, outputWires, type Circuit } from '../circuits/ir.js';
import { wireDepths } from '../circuits/stats.js';
import { bitsToValue, valueToBits } from '../circuits/values.js';
import { GENERATORS, generate } from '../circuits/gen/index.js';
import { Rng, splitmix64 } from '../circuits/gen/prng.js';

type Values = Record<string, bigint>;

function inputBits(c: Circuit, row: Values): Uint8Array {
  const bits = new Uint8Array(c.nInputs);
  let o = 0;
  for (const g of c.inputs) {
    const v = row[g.name];
    if (v === undefined) throw new Error(`no value for input ${g.name}`);
    bits.set(valueToBits(v, g.width), o);
    o += g.width;
  }
  return bits;
}

function splitOutputs(c: Circuit, bits: ArrayLike<number>): Values {
  const out: Values = {};
  let o = 0;
  for (const g of c.outputs) {
    out[g.name] = bitsToValue(Array.from({ length: g.wires.length }, (_, k) => bits[o + k]!));
    o += g.wires.length;
  }
  return out;
}

/** Output group values for each row, by the bit-sliced evaluator; the first rows also by evalOne. */
function run(c: Circuit, rows: Values[]): Values[] {
  const vectors = rows.map((r) => inputBits(c, r));
  const keep = outputWires(c);
  const res = evalMany(c, vectors, keep).map((bits) => splitOutputs(c, bits));
  for (let j = 0; j < Math.min(4, rows.length); j++) {
    const v = evalOne(c, vectors[j]!);
    expect(splitOutputs(c, keep.map((w) => v[w]!))).toEqual(res[j]);
  }
  return res;
}

function randBig(rng: Rng, width: number): bigint {
  let v = 0n;
  for (let k = 0; k < width; k += 32) v |= BigInt(rng.nextU32()) << BigInt(k);
  return width === 0 ? 0n : v & ((1n << BigInt(width)) - 1n);
}

/** Every gate reads only earlier wires; with `live`, every gate also reaches an output. */
function checkStructure(c: Circuit, live: boolean): void {
  const n = c.nInputs;
  for (let g = 0; g < c.ops.length; g++) {
    expect(c.a[g]!).toBeLessThan(n + g);
    expect(c.b[g]!).toBeLessThan(n + g);
  }
  if (!live) return;
  const reach = new Uint8Array(n + c.ops.length);
  for (const w of outputWires(c)) reach[w] = 1;
  for (let g = c.ops.length - 1; g >= 0; g--) {
    if (!reach[n + g]) throw new Error(`${c.name}: gate ${g} reaches no output`);
    if (c.a[g]! >= 0) reach[c.a[g]!] = 1;
    if (c.b[g]! >= 0) reach[c.b[g]!] = 1;
  }
}

function groupShape(c: Circuit): { inputs: string[]; outputs: string[] } {
  return {
    inputs: c.inputs.map((g) => `${g.name}[${g.width}]`),
    outputs: c.outputs.map((g) => `${g.name}[${g.wires.length}]`),
  };
}

function all<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

describe('prng', () => {
  it('matches the reference xoshiro128** and splitmix64 streams', () => {
    const r = Rng.fromState(1, 2, 3, 4);
    expect(all(10, () => r.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
    expect(splitmix64(0n).out).toBe(0xe220a8397b1dcdafn);
  });
  it('below(n) stays in range and covers it', () => {
    const r = new Rng(7n);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.below(10);
      expect(v >= 0 && v < 10).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });
});

describe('adder', () => {
  it('is exhaustive at width 3', () => {
    const c = generate('adder', { width: '3' });
    expect(groupShape(c)).toEqual({ inputs: ['a[3]', 'b[3]'], outputs: ['s[4]'] });
    const rows = all(64, (i) => ({ a: BigInt(i & 7), b: BigInt(i >> 3) }));
    run(c, rows).forEach((o, i) => expect(o.s).toBe(rows[i]!.a + rows[i]!.b));
    checkStructure(c, true);
  });
  it.each([1, 8, 64, 100])('adds random %i-bit numbers', (w) => {
    const c = generate('adder', { width: String(w) });
    const rng = new Rng(BigInt(w));
    const rows = all(200, () => ({ a: randBig(rng, w), b: randBig(rng, w) }));
    rows.push({ a: (1n << BigInt(w)) - 1n, b: (1n << BigInt(w)) - 1n });
    run(c, rows).forEach((o, i) => expect(o.s).toBe(rows[i]!.a + rows[i]!.b));
    checkStructure(c, true);
  });
});

describe('multiplier', () => {
  it('is exhaustive at width 3', () => {
    const c = generate('multiplier', { width: '3' });
    expect(groupShape(c)).toEqual({ inputs: ['a[3]', 'b[3]'], outputs: ['p[6]'] });
    const rows = all(64, (i) => ({ a: BigInt(i & 7), b: BigInt(i >> 3) }));
    run(c, rows).forEach((o, i) => expect(o.p).toBe(rows[i]!.a * rows[i]!.b));
  });
  it.each([1, 2, 5, 8, 32])('multiplies random %i-bit numbers', (w) => {
    const c = generate('multiplier', { width: String(w) });
    expect(c.outputs[0]!.wires.length).toBe(2 * w);
    const rng = new Rng(BigInt(100 + w));
    const rows = all(200, () => ({ a: randBig(rng, w), b: randBig(rng, w) }));
    rows.push({ a: (1n << BigInt(w)) - 1n, b: (1n << BigInt(w)) - 1n });
    run(c, rows).forEach((o, i) => expect(o.p).toBe(rows[i]!.a * rows[i]!.b));
    checkStructure(c, true);
  });
});

describe('comparator', () => {
  const ref = (a: bigint, b: bigint): Values => ({ lt: a < b ? 1n : 0n, eq: a === b ? 1n : 0n, gt: a > b ? 1n : 0n });
  it('is exhaustive at width 3', () => {
    const c = generate('comparator', { width: '3' });
    expect(groupShape(c)).toEqual({ inputs: ['a[3]', 'b[3]'], outputs: ['lt[1]', 'eq[1]', 'gt[1]'] });
    const rows = all(64, (i) => ({ a: BigInt(i & 7), b: BigInt(i >> 3) }));
    run(c, rows).forEach((o, i) => expect(o).toEqual(ref(rows[i]!.a, rows[i]!.b)));
    checkStructure(c, true);
  });
  it.each([1, 16, 64])('compares random %i-bit numbers, near-equal ones included', (w) => {
    const c = generate('comparator', { width: String(w) });
    const rng = new Rng(BigInt(200 + w));
    const rows: Values[] = [];
    for (let i = 0; i < 100; i++) {
      const a = randBig(rng, w);
      rows.push({ a, b: randBig(rng, w) }, { a, b: a }, { a, b: a ^ (1n << BigInt(rng.below(w))) });
    }
    run(c, rows).forEach((o, i) => expect(o).toEqual(ref(rows[i]!.a, rows[i]!.b)));
  });
});

describe('modadd', () => {
  const ref = (row: Values): bigint => Object.values(row).reduce((s, v) => s + v, 0n) % 7n;
  it.each([1, 2, 3])('is exhaustive for M = %i', (m) => {
    const c = generate('modadd', { count: String(m) });
    expect(groupShape(c)).toEqual({ inputs: all(m, (i) => `x${i}[3]`), outputs: ['s[3]'] });
    const rows = all(8 ** m, (n) => Object.fromEntries(all(m, (i) => [`x${i}`, BigInt((n >> (3 * i)) & 7)])));
    run(c, rows).forEach((o, i) => expect(o.s).toBe(ref(rows[i]!)));
    checkStructure(c, true);
  });
  it.each([5, 17, 100])('sums random numbers mod 7 for M = %i', (m) => {
    const c = generate('modadd', { count: String(m) });
    const rng = new Rng(BigInt(300 + m));
    const rows = all(300, () => Object.fromEntries(all(m, (i) => [`x${i}`, BigInt(rng.below(8))])));
    rows.push(Object.fromEntries(all(m, (i) => [`x${i}`, 7n])), Object.fromEntries(all(m, (i) => [`x${i}`, 6n])));
    run(c, rows).forEach((o, i) => expect(o.s).toBe(ref(rows[i]!)));
    checkStructure(c, true);
  });
  it('is shallow: depth grows like log M', () => {
    const depth = (m: number): number => Math.max(...wireDepths(generate('modadd', { count: String(m) })));
    expect(depth(256)).toBeLessThan(3 * depth(16));
  });
});

describe('s5', () => {
  const perms: number[][] = [];
  const permute = (prefix: number[]): void => {
    if (prefix.length === 5) perms.push(prefix);
    for (let v = 0; v < 5; v++) if (!prefix.includes(v)) permute([...prefix, v]);
  };
  permute([]);
  const encode = (p: number[]): bigint => p.reduce((s, v, j) => s | (BigInt(v) << BigInt(3 * j)), 0n);
  const decode = (x: bigint): number[] => all(5, (j) => Number((x >> BigInt(3 * j)) & 7n));
  /** q(j) = p_(M-1)(...p_0(j)), where applying p to v >= 5 gives 0. */
  const ref = (ps: bigint[]): bigint => {
    const q = all(5, (j) => j);
    for (const x of ps) {
      const p = decode(x);
      for (let j = 0; j < 5; j++) q[j] = q[j]! < 5 ? p[q[j]!]! : 0;
    }
    return encode(q);
  };
  const row = (ps: bigint[]): Values => Object.fromEntries(ps.map((p, i) => [`p${i}`, p]));

  it('composes every pair of permutations (M = 2, p_0 first)', () => {
    const c = generate('s5', { count: '2' });
    expect(groupShape(c)).toEqual({ inputs: ['p0[15]', 'p1[15]'], outputs: ['q[15]'] });
    const pairs = perms.flatMap((a) => perms.map((b) => [encode(a), encode(b)]));
    run(c, pairs.map(row)).forEach((o, i) => expect(o.q).toBe(ref(pairs[i]!)));
    // p_0 = (0 1) then p_1 = (1 2): 0 -> 1 -> 2, so q(0) = 2 (not 1, as p_0 o p_1 would give).
    const [o] = run(c, [row([encode([1, 0, 2, 3, 4]), encode([0, 2, 1, 3, 4])])]);
    expect(decode(o!.q)).toEqual([2, 0, 1, 3, 4]);
    checkStructure(c, true);
  });
  it.each([1, 3, 5, 20])('composes random valid permutations, M = %i', (m) => {
    const c = generate('s5', { count: String(m) });
    const rng = new Rng(BigInt(400 + m));
    const cases = all(200, () => all(m, () => encode(perms[rng.below(120)]!)));
    run(c, cases.map(row)).forEach((o, i) => expect(o.q).toBe(ref(cases[i]!)));
  });
  it.each([1, 2, 4])('follows the invalid-entry rule on arbitrary 15-bit inputs, M = %i', (m) => {
    const c = generate('s5', { count: String(m) });
    const rng = new Rng(BigInt(500 + m));
    const cases = all(300, () => all(m, () => randBig(rng, 15)));
    run(c, cases.map(row)).forEach((o, i) => expect(o.q).toBe(ref(cases[i]!)));
    checkStructure(c, true);
  });

  describe('--tree', () => {
    const serial = (m: number): Circuit => generate('s5', { count: String(m) });
    const tree = (m: number): Circuit => generate('s5', { count: String(m), tree: 'true' });
    /** Tables that hit the invalid-entry rule often: uniform 15-bit words, or permutations with one to three entries overwritten by 5..7. */
    const draw = (rng: Rng): bigint => {
      if (rng.below(2) === 0) return randBig(rng, 15);
      const p = perms[rng.below(120)]!.slice();
      for (let k = rng.below(3) + 1; k > 0; k--) p[rng.below(5)] = 5 + rng.below(3);
      return encode(p);
    };
    /** Both circuits evaluated directly on the same inputs, and both against the reference. */
    const agree = (m: number, cases: bigint[][]): void => {
      const s = run(serial(m), cases.map(row));
      const t = run(tree(m), cases.map(row));
      t.forEach((o, i) => {
        expect(o.q).toBe(s[i]!.q);
        expect(o.q).toBe(ref(cases[i]!));
      });
    };

    it('M = 1: every one of the 2^15 inputs gives the input back, as the serial circuit does', () => {
      const cases = all(1 << 15, (x) => [BigInt(x)]);
      agree(1, cases);
      cases.forEach((p, i) => expect(BigInt(i)).toBe(p[0]));
    });
    it.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 33, 64])('equals the serial circuit on inputs with invalid entries, M = %i', (m) => {
      const rng = new Rng(BigInt(600 + m));
      agree(m, all(m <= 9 ? 2000 : 500, () => all(m, () => draw(rng))));
    });
    it.each([2, 3])('equals the serial circuit on every tuple of valid permutations, M = %i (M = 3: a sample)', (m) => {
      const rng = new Rng(BigInt(700 + m));
      const cases = m === 2 ? perms.flatMap((a) => perms.map((b) => [encode(a), encode(b)])) : all(5000, () => all(3, () => encode(perms[rng.below(120)]!)));
      agree(m, cases);
    });
    it('carries a segment\'s value for indices 5..7 (composing 5-entry tables by the rule would give 0 here)', () => {
      // Serial: 0 -> p0 (identity) 0 -> p1 7 -> p2 (7 >= 5) 0 -> p3 2. A tree that applied the
      // table of p3 o p2 to 7 by the invalid-entry rule would give 0.
      const id = encode([0, 1, 2, 3, 4]);
      const ps = [id, encode([7, 1, 2, 3, 4]), id, encode([2, 1, 0, 3, 4])];
      const [o] = run(tree(4), [row(ps)]);
      expect(decode(o!.q)[0]).toBe(2);
      expect(o!.q).toBe(ref(ps));
      // The same for a lone last element passed up a level (M = 5) and a deeper tree (M = 8).
      const ps5 = [...ps, id];
      expect(run(tree(5), [row(ps5)])[0]!.q).toBe(ref(ps5));
      const ps8 = [id, encode([6, 1, 2, 3, 4]), id, id, id, id, id, encode([3, 1, 2, 0, 4])];
      expect(decode(run(tree(8), [row(ps8)])[0]!.q)[0]).toBe(3);
      expect(run(tree(8), [row(ps8)])[0]!.q).toBe(ref(ps8));
    });
    it('has depth at most 9 ceil(log2 M) (equal at powers of 2) against 8(M - 1) + 1 serially', () => {
      const depth = (c: Circuit): number => wireDepths(c).reduce((a, b) => Math.max(a, b), 0);
      for (const m of [2, 3, 4, 5, 7, 8, 9, 33, 100]) expect(depth(tree(m))).toBeLessThanOrEqual(9 * Math.ceil(Math.log2(m)));
      expect(depth(tree(1))).toBe(0);
      expect(depth(serial(64))).toBe(505);
      expect(depth(tree(64))).toBe(54);
      expect(depth(tree(1024))).toBe(90);
    });
    it('names the circuit s5_tree_m<M>, keeps the groups, and reaches every gate; tree false is the serial circuit', () => {
      const c = tree(5);
      expect(c.name).toBe('s5_tree_m5');
      expect(groupShape(c)).toEqual(groupShape(serial(5)));
      checkStructure(c, true);
      const off = generate('s5', { count: '5', tree: 'false' });
      expect(off.name).toBe('s5_m5');
      expect(Array.from(off.ops)).toEqual(Array.from(serial(5).ops));
    });
  });
});

describe('itersq', () => {
  const ref = (r: bigint, p: bigint, k: number): bigint => {
    let y = r % p;
    for (let i = 0; i < k; i++) y = (y * y) % p;
    return y;
  };
  it.each([[2, 0], [2, 3], [3, 1], [7, 2], [8, 1], [13, 5], [16, 0]])('is exhaustive for p = %i, k = %i', (p, k) => {
    const c = generate('itersq', { p: String(p), k: String(k) });
    const w = c.inputs[0]!.width;
    expect(w).toBe(p.toString(2).length);
    expect(groupShape(c)).toEqual({ inputs: [`r[${w}]`], outputs: [`y[${w}]`] });
    const rows = all(2 ** w, (r) => ({ r: BigInt(r) }));
    run(c, rows).forEach((o, i) => expect(o.y).toBe(ref(rows[i]!.r, BigInt(p), k)));
    checkStructure(c, true);
  });
  it.each([[101, 4], [251, 3], [256, 2], [1000, 2], [65521, 2], [65535, 1], [32768, 3]])('matches modpow on random r for p = %i, k = %i', (p, k) => {
    const c = generate('itersq', { p: String(p), k: String(k) });
    const w = c.inputs[0]!.width;
    const rng = new Rng(BigInt(p * 10 + k));
    const rows = all(200, () => ({ r: randBig(rng, w) }));
    rows.push({ r: 0n }, { r: 1n }, { r: BigInt(p - 1) }, { r: BigInt(p) }, { r: (1n << BigInt(w)) - 1n });
    run(c, rows).forEach((o, i) => expect(o.y).toBe(ref(rows[i]!.r, BigInt(p), k)));
  });
});

describe('cvp', () => {
  const indexBits = (t: number): number => Math.max(1, Math.ceil(Math.log2(t)));
  /** A plain interpreter of the serialized instance (codes 0 FALSE 1 TRUE 2 AND 3 OR 4 NOT, else 0). */
  const ref = (row: Values, t: number): bigint => {
    const l = indexBits(t);
    const mask = (1n << BigInt(l)) - 1n;
    const v: number[] = [];
    for (let i = 0; i < t; i++) {
      const g = row[`g${i}`]!;
      const type = Number(g & 7n);
      const i1 = Number((g >> 3n) & mask);
      const i2 = Number((g >> BigInt(3 + l)) & mask);
      const x = i1 < i ? v[i1]! : 0;
      const y = i2 < i ? v[i2]! : 0;
      let r = 0;
      if (type === 1) r = 1;
      else if (type === 2) r = x & y;
      else if (type === 3) r = x | y;
      else if (type === 4) r = x ^ 1;
      v.push(r);
    }
    return BigInt(v[t - 1]!);
  };

  it.each([1, 2, 3, 5, 8, 16, 40])('evaluates arbitrary encodings (invalid ones included), T = %i', (t) => {
    const c = generate('cvp', { gates: String(t) });
    const l = indexBits(t);
    expect(groupShape(c)).toEqual({ inputs: all(t, (i) => `g${i}[${3 + 2 * l}]`), outputs: ['value[1]'] });
    const rng = new Rng(BigInt(600 + t));
    const rows = all(400, () => Object.fromEntries(all(t, (i) => [`g${i}`, randBig(rng, 3 + 2 * l)])));
    run(c, rows).forEach((o, i) => expect(o.value).toBe(ref(rows[i]!, t)));
    checkStructure(c, true);
  });
  it('evaluates random valid instances (operands < t, codes 0..4)', () => {
    const t = 24;
    const c = generate('cvp', { gates: String(t) });
    const l = indexBits(t);
    const rng = new Rng(77n);
    const rows = all(400, () => Object.fromEntries(all(t, (i) => {
      const in1 = i === 0 ? 0 : rng.below(i);
      const in2 = i === 0 ? 0 : rng.below(i);
      return [`g${i}`, BigInt(rng.below(5)) | (BigInt(in1) << 3n) | (BigInt(in2) << BigInt(3 + l))];
    })));
    const out = run(c, rows);
    out.forEach((o, i) => expect(o.value).toBe(ref(rows[i]!, t)));
    const ones = out.filter((o) => o.value === 1n).length;
    expect(ones > 0 && ones < rows.length).toBe(true);
  });
  it.each([[1, 1], [7, 3], [16, 1], [16, 2], [100, 9]])('embeds a valid seeded instance that the circuit computes, T = %i, seed = %i', (t, seed) => {
    const c = generate('cvp', { gates: String(t), seed: String(seed) });
    expect(c.tests).toHaveLength(1);
    const test = c.tests![0]!;
    expect(test.line).toBe(0);
    const l = indexBits(t);
    for (let i = 0; i < t; i++) {
      const g = test.inputs[`g${i}`]!;
      expect(g >> BigInt(3 + 2 * l)).toBe(0n);
      expect(Number(g & 7n)).toBeLessThan(5);
      if (i > 0) expect(Number((g >> 3n) & ((1n << BigInt(l)) - 1n))).toBeLessThan(i);
    }
    expect(test.expect.value).toBe(ref(test.inputs, t));
    expect(run(c, [test.inputs])[0]!.value).toBe(test.expect.value);
  });
  it('picks the instance by seed, deterministically', () => {
    const a = generate('cvp', { gates: '32', seed: '5' }).tests![0]!.inputs;
    expect(generate('cvp', { gates: '32', seed: '5' }).tests![0]!.inputs).toEqual(a);
    expect(generate('cvp', { gates: '32', seed: '6' }).tests![0]!.inputs).not.toEqual(a);
  });
});

describe('random', () => {
  const gen = (o: Record<string, string>): Circuit => generate('random', o);
  const depth = (c: Circuit): number => Math.max(...wireDepths(c));

  it('is deterministic in the seed', () => {
    const o = { inputs: '20', gates: '3000', seed: '42', locality: '0.3' };
    const c1 = gen(o);
    const c2 = gen(o);
    expect(Array.from(c2.ops)).toEqual(Array.from(c1.ops));
    expect(Array.from(c2.a)).toEqual(Array.from(c1.a));
    expect(Array.from(c2.b)).toEqual(Array.from(c1.b));
    expect(c2.outputs).toEqual(c1.outputs);
    const c3 = gen({ ...o, seed: '43' });
    expect(Array.from(c3.a)).not.toEqual(Array.from(c1.a));
    expect(gen({ ...o, seed: '0x2a' }).a).toEqual(c1.a);
  });
  it('has a fixed stream: the first gates of seed 1 never change', () => {
    // Pinned so that a change of PRNG or draw order, which would silently change every
    // generated benchmark, fails here.
    const c = gen({ inputs: '4', gates: '6', seed: '1' });
    const sig = all(6, (g) => `${c.ops[g]}:${c.a[g]}:${c.b[g]}`).join(' ');
    expect(sig).toBe('6:1:-1 1:4:2 3:4:3 6:4:-1 7:4:-1 1:1:3');
  });
  it('has exactly the requested gates, each reading earlier wires, distinct operands', () => {
    for (const [n, t] of [[0, 1], [0, 50], [1, 10], [16, 1000], [3, 257]] as const) {
      const c = gen({ inputs: String(n), gates: String(t), seed: '9', locality: '0.5' });
      expect(c.ops.length).toBe(t);
      expect(c.nInputs).toBe(n);
      checkStructure(c, false);
      for (let g = 0; g < t; g++) {
        if (c.b[g]! >= 0 && n + g >= 2) expect(c.b[g]).not.toBe(c.a[g]);
      }
    }
  });
  it('makes a constant first gate when there are no inputs', () => {
    const c = gen({ inputs: '0', gates: '200', seed: '3' });
    expect(c.inputs).toEqual([]);
    expect([Op.CONST0, Op.CONST1]).toContain(c.ops[0]);
    const v = evalOne(c, []);
    expect(evalMany(c, [[]])[0]).toEqual(v);
  });
  it('respects the mix', () => {
    const c = gen({ inputs: '8', gates: '40000', seed: '5', mix: 'AND=3,xor=1' });
    const and = c.ops.filter((op) => op === Op.AND).length;
    const xor = c.ops.filter((op) => op === Op.XOR).length;
    expect(and + xor).toBe(40000);
    expect(Math.abs(and / 40000 - 0.75)).toBeLessThan(0.02);
    const only = gen({ inputs: '4', gates: '500', mix: 'NOT=1' });
    expect(only.ops.every((op) => op === Op.NOT)).toBe(true);
    const dflt = gen({ inputs: '8', gates: '10000' });
    const used = new Set(dflt.ops);
    for (const op of [Op.AND, Op.OR, Op.XOR, Op.NAND, Op.NOR, Op.XNOR, Op.NOT, Op.BUF]) expect(used.has(op)).toBe(true);
    expect(used.has(Op.CONST0) || used.has(Op.CONST1)).toBe(false);
  });
  it('gets deeper as locality grows', () => {
    const d = ['0', '0.25', '0.5', '1'].map((x) => depth(gen({ inputs: '16', gates: '5000', seed: '11', locality: x })));
    for (let i = 1; i < d.length; i++) expect(d[i]!).toBeGreaterThan(d[i - 1]!);
    expect(d[0]!).toBeLessThan(60);
    expect(d[3]!).toBeGreaterThan(1000);
    // Window 2 and locality 1: each AND reads the two most recent wires, a chain of depth T.
    expect(depth(gen({ inputs: '4', gates: '300', locality: '1', window: '2', mix: 'AND=1' }))).toBe(300);
  });
  it('outputs every gate that drives nothing by default, capped at the 64 most recent', () => {
    const sinks = (c: Circuit): number[] => {
      const read = new Set<number>([...c.a, ...c.b]);
      return all(c.ops.length, (g) => c.nInputs + g).filter((w) => !read.has(w));
    };
    const small = gen({ inputs: '8', gates: '40', seed: '2' });
    expect(small.outputs.map((g) => g.name)).toEqual(['y']);
    expect(small.outputs[0]!.wires).toEqual(sinks(small));
    const big = gen({ inputs: '8', gates: '5000', seed: '2' });
    expect(sinks(big).length).toBeGreaterThan(64);
    expect(big.outputs[0]!.wires).toEqual(sinks(big).slice(-64));
    const last = big.nInputs + big.ops.length - 1;
    expect(big.outputs[0]!.wires).toContain(last);
    const k5 = gen({ inputs: '8', gates: '5000', seed: '2', outputs: '5' });
    expect(k5.outputs[0]!.wires).toEqual(sinks(big).slice(-5));
    const kAll = gen({ inputs: '8', gates: '40', seed: '2', outputs: '40' });
    expect(kAll.outputs[0]!.wires).toEqual(all(40, (g) => 8 + g));
  });
  it('generates 10^5 gates (its speed: npm run bench:parse)', () => {
    const c = gen({ inputs: '64', gates: '100000', seed: '1', locality: '0.5' });
    expect(c.ops.length).toBe(100000);
  });
});

describe('options', () => {
  const fails = (family: string, o: Record<string, string>, msg: string | RegExp): void => {
    let err: unknown;
    try {
      generate(family, o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const m = (err as Error).message;
    expect(m).not.toContain('\n');
    if (typeof msg === 'string') expect(m).toBe(msg);
    else expect(m).toMatch(msg);
  };
  it('rejects bad values with one-line messages', () => {
    fails('adder', { width: 'x' }, "width must be an integer from 1 to 4096, got 'x'");
    fails('adder', { width: '0' }, "width must be an integer from 1 to 4096, got '0'");
    fails('adder', { width: '1.5' }, /width must be an integer/);
    fails('multiplier', { width: '257' }, "width must be an integer from 1 to 256, got '257'");
    fails('comparator', { width: '' }, /width must be an integer/);
    fails('modadd', { count: '0' }, /count must be an integer from 1 to 65536/);
    fails('s5', { count: '-2' }, /count must be an integer from 1 to 4096/);
    fails('s5', { tree: 'yes' }, "tree must be true or false, got 'yes'");
    fails('itersq', { p: '1' }, "p must be an integer from 2 to 65535, got '1'");
    fails('itersq', { p: '7', k: '-1' }, /k must be an integer from 0 to 1024/);
    fails('cvp', { gates: '0' }, /gates must be an integer from 1 to 1024/);
    fails('cvp', { seed: '-1' }, "seed must be an integer from 0 to 2^64-1, got '-1'");
    fails('cvp-instance', { gates: '1000001' }, "gates must be an integer from 1 to 1000000, got '1000001'");
    fails('cvp-instance', { seed: 'x' }, /seed must be an integer from 0 to 2\^64-1/);
    fails('random', { seed: String(1n << 64n) }, /seed must be an integer from 0 to 2\^64-1/);
    fails('random', { locality: '1.5' }, "locality must be a number from 0 to 1, got '1.5'");
    fails('random', { locality: 'near' }, /locality must be a number/);
    fails('random', { window: '1' }, /window must be an integer from 2 to 1024/);
    fails('random', { gates: '10', outputs: '11' }, "outputs must be an integer from 0 to 10, got '11'");
    fails('random', { mix: 'FOO=1' }, /mix: unknown op 'FOO'/);
    fails('random', { mix: 'AND' }, "mix must look like AND=3,OR=2,NOT=1, got 'AND'");
    fails('random', { mix: 'AND=0,OR=0' }, 'mix gives every op weight 0');
    fails('random', { mix: 'AND=1,and=2' }, 'mix names AND twice');
    fails('random', { mix: 'AND=-1' }, /mix must look like/);
  });
  it('a bad value is an OptionError naming the option, not a flag (the CLI adds the --)', () => {
    let err: unknown;
    try {
      generate('adder', { width: 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionError);
    expect(err).toMatchObject({ option: 'width', problem: "must be an integer from 1 to 4096, got 'x'" });
  });
  it('rejects unknown families and options', () => {
    fails('adders', {}, /^unknown generator family 'adders' \(families: random, adder,/);
    fails('adder', { widht: '4' }, "generator adder: unknown option 'widht' (options: width)");
  });
  it('every family builds from its defaults, with distinct group names', () => {
    expect(GENERATORS.map((g) => g.family)).toEqual(['random', 'adder', 'multiplier', 'comparator', 'modadd', 's5', 'itersq', 'cvp', 'cvp-instance']);
    for (const g of GENERATORS) {
      const c = generate(g.family, {});
      const names = [...c.inputs.map((x) => x.name), ...c.outputs.map((x) => x.name)];
      expect(new Set(names).size).toBe(names.length);
      expect(c.ops.length).toBeGreaterThan(0);
      for (const o of g.options) expect(o.help.length).toBeGreaterThan(0);
    }
  });
});
