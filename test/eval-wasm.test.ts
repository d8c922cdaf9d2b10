// The WebAssembly SIMD bit-sliced evaluator (circuits/wasm/) against the plain one-vector
// evaluator evalOne (the obviously-correct reference) and the JavaScript bit-sliced one: random
// circuits with every op, exhaustive truth tables, the published vectors, every pass width K,
// partial passes, blocked rows, kept-wire lists.
import { describe, expect, it } from 'vitest';
import { evalBitsliced, evalBitslicedJs, evalOne, inputBitsFromHex, outputHex, outputWires, packVectors, slicedBit, type Circuit } from '../circuits/index.js';
import { chooseK, evalBitslicedWasm, wasmEvalAvailable, type WasmEvalLimits } from '../circuits/wasm/evaluator.js';
import { kernelBytes } from '../circuits/wasm/kernel.js';
import { sleb, uleb } from '../circuits/wasm/bytes.js';
import { Rng } from '../circuits/gen/prng.js';
import { loadShared, testVectors } from './shared.js';
import { fixture, randomCircuit, randomWords } from './fixtures/random-circuit.js';

/** Every wire of every vector in the words against evalOne. */
function expectPlain(c: Circuit, inputs: Uint32Array, W: number, got: Uint32Array, vectors: number): void {
  for (let j = 0; j < vectors; j++) {
    const x = Array.from({ length: c.nInputs }, (_, i) => slicedBit(inputs, W, i, j));
    const plain = evalOne(c, x);
    for (let w = 0; w < plain.length; w++) if (slicedBit(got, W, w, j) !== plain[w]) expect.fail(`vector ${j}, wire ${w}: ${slicedBit(got, W, w, j)}, evalOne ${plain[w]}`);
  }
}

/** Index of the first word where a and b differ (-1: none; they have the same length). */
function firstDifference(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function wasm(c: Circuit, inputs: Uint32Array, W: number, keep?: ArrayLike<number>, limits?: WasmEvalLimits): Uint32Array {
  const r = evalBitslicedWasm(c, inputs, W, keep, undefined, limits);
  if (!r) throw new Error('the WebAssembly evaluator declined');
  return r;
}

describe('wasm writer', () => {
  it('LEB128 of known values', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
  it('the kernel is a valid module and Node runs it (no silent fallback here)', () => {
    const wa = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(wa.validate(kernelBytes())).toBe(true);
    expect(wa.validate(kernelBytes().subarray(0, 100))).toBe(false);
    expect(wasmEvalAvailable()).toBe(true);
  });
  it('K: no more words per pass than W needs, fewer when the wire slots exceed the budget', () => {
    expect([1, 4, 5, 8, 9, 16, 17, 1000].map((W) => chooseK(100, W))).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    expect(chooseK(1000, 1000, 1000 * 16 * 2)).toBe(2);
    expect(chooseK(1000, 1000, 10)).toBe(1);
  });
});

describe('wasm against evalOne and the JavaScript evaluator on random circuits', () => {
  const widths = [1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 40];
  it(`every op, every wire, W in ${widths.join(', ')} (every K, partial passes)`, () => {
    const rng = new Rng(17n);
    for (const W of widths) {
      for (const [n, T] of [[0, 6], [1, 30], [7, 200], [23, 700]] as const) {
        const c = randomCircuit(rng, n, T);
        const inputs = randomWords(rng, n * W);
        const got = wasm(c, inputs, W);
        expect(firstDifference(got, evalBitslicedJs(c, inputs, W))).toBe(-1);
        expectPlain(c, inputs, W, got, Math.min(32 * W, 70));
      }
    }
  });
  it('a circuit without gates, and W = 0', () => {
    const c = randomCircuit(new Rng(3n), 5, 0);
    const inputs = randomWords(new Rng(4n), 5 * 3);
    expect(wasm(c, inputs, 3)).toEqual(inputs);
    expect(wasm(randomCircuit(new Rng(5n), 4, 10), new Uint32Array(0), 0)).toEqual(new Uint32Array(0));
  });
  it('kept wires: a subset in any order, repeats, none; a wire out of range is refused by both', () => {
    const W = 7;
    const { c, inputs } = fixture(21n, 9, 300, W);
    const all = evalBitslicedJs(c, inputs, W);
    const keep = [308, 0, 150, 150, 8, 9, 299];
    const got = wasm(c, inputs, W, keep);
    keep.forEach((w, j) => expect(got.subarray(j * W, (j + 1) * W)).toEqual(all.subarray(w * W, (w + 1) * W)));
    expect(wasm(c, inputs, W, [])).toEqual(new Uint32Array(0));
    expect(() => wasm(c, inputs, W, [309])).toThrow(/wire 309 to keep is not a wire of a circuit with 309 wires/);
    expect(() => evalBitslicedJs(c, inputs, W, [-1])).toThrow(/wire -1 to keep/);
  });
  it('a result array given is filled and returned (blocked or not); a wrong length is refused by both', () => {
    const W = 9;
    const { c, inputs } = fixture(27n, 6, 120, W);
    const keep = [125, 3, 64];
    const want = evalBitslicedJs(c, inputs, W, keep);
    for (const limits of [undefined, { wires: 1 << 30, io: 1, retain: 1 << 30 }]) {
      const out = new Uint32Array(3 * W).fill(0xdeadbeef);
      expect(evalBitslicedWasm(c, inputs, W, keep, out, limits)).toBe(out);
      expect(out).toEqual(want);
    }
    const js = new Uint32Array(3 * W).fill(7);
    expect(evalBitslicedJs(c, inputs, W, keep, js)).toBe(js);
    expect(js).toEqual(want);
    expect(evalBitsliced(c, inputs, W, keep, js)).toBe(js);
    expect(() => evalBitsliced(c, inputs, W, keep, new Uint32Array(3 * W + 1))).toThrow(/the result array has 28 words, the evaluation writes 27/);
    expect(() => evalBitslicedJs(c, inputs, W, keep, new Uint32Array(1))).toThrow(/the result array has 1 words/);
  });
  it('rows in blocks of words, a smaller K, and a memory of its own give the same words', () => {
    const W = 45;
    const { c, inputs } = fixture(33n, 13, 400, W);
    const want = evalBitslicedJs(c, inputs, W);
    // K = 1 (4 words a pass) and blocks of 8 words: 6 blocks of 2 passes, the last partial
    const blocked = { wires: 413 * 16, io: 4 * (13 + 413) * 10, retain: 1 << 30 };
    expect(wasm(c, inputs, W, undefined, blocked)).toEqual(want);
    expect(wasm(c, inputs, W, undefined, { wires: 1 << 30, io: 1, retain: 1 << 30 })).toEqual(want);
    expect(wasm(c, inputs, W, undefined, { wires: 1, io: 1 << 30, retain: 1 << 30 })).toEqual(want);
    expect(wasm(c, inputs, W, undefined, { wires: 1 << 30, io: 1 << 30, retain: 0 })).toEqual(want);
    // the retained memory after a larger call: nothing of the earlier call leaks into results
    const small = fixture(34n, 3, 20, 1);
    expect(wasm(small.c, small.inputs, 1)).toEqual(evalBitslicedJs(small.c, small.inputs, 1));
  });
});

describe('wasm truth tables', () => {
  it('random circuits of 1 to 10 inputs: every input vector, every wire, against evalOne', () => {
    const rng = new Rng(41n);
    for (let n = 1; n <= 10; n++) {
      const c = randomCircuit(rng, n, 40 + 10 * n);
      const vectors = Array.from({ length: 2 ** n }, (_, x) => Array.from({ length: n }, (_, i) => (x >> i) & 1));
      const { words, W } = packVectors(vectors, n);
      expectPlain(c, words, W, wasm(c, words, W), vectors.length);
    }
  });
  it('c17 and the full adder of aiger/: every input vector, every wire', () => {
    for (const f of ['iscas85/c17.bench', 'aiger/halfadder.aag']) {
      const c = loadShared(f);
      const vectors = Array.from({ length: 2 ** c.nInputs }, (_, x) => Array.from({ length: c.nInputs }, (_, i) => (x >> i) & 1));
      const { words, W } = packVectors(vectors, c.nInputs);
      expectPlain(c, words, W, wasm(c, words, W), vectors.length);
    }
  });
});

describe('wasm on the published vectors', () => {
  const byFile = new Map<string, ReturnType<typeof testVectors>['vectors']>();
  for (const v of testVectors().vectors) byFile.set(v.file, [...(byFile.get(v.file) ?? []), v]);
  it(`${byFile.size} circuits, every vector of test-vectors.json`, () => {
    for (const [file, vs] of byFile) {
      const c = loadShared(file);
      const { words, W } = packVectors(vs.map((v) => inputBitsFromHex(c, v.inputs, v.encoding)), c.nInputs);
      const keep = outputWires(c);
      const got = wasm(c, words, W, keep);
      expect(firstDifference(got, evalBitslicedJs(c, words, W, keep)), file).toBe(-1);
      vs.forEach((v, j) => {
        const bits = keep.map((_, r) => slicedBit(got, W, r, j));
        expect(outputHex(c, Uint8Array.from(bits), v.encoding), `${file} vector ${j}`).toEqual(v.outputs.map((o) => o.toLowerCase()));
      });
    }
  });
  it('SHA-256 on 300 random vectors: every wire equals the JavaScript evaluator, 3 vectors equal evalOne', () => {
    const c = loadShared('bristol/sha256.txt');
    const rng = new Rng(5n);
    const W = 10;
    const inputs = randomWords(rng, c.nInputs * W);
    const got = evalBitsliced(c, inputs, W);
    expect(firstDifference(got, evalBitslicedJs(c, inputs, W))).toBe(-1);
    expectPlain(c, inputs, W, got, 3);
  });
});
