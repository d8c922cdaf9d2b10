// The bit-sliced evaluator (the project's ground truth) against the published vectors and
// against the plain one-vector evaluator.
import { describe, expect, it } from 'vitest';
import { evalBitsliced, evalMany, evalOne, inputBitsFromHex, outputHex, outputWires, packVectors, slicedBit } from '../circuits/index.js';
import { Rng } from '../circuits/gen/prng.js';
import { loadShared, testVectors } from './shared.js';

describe('bit-sliced evaluation on the published vectors', () => {
  const byFile = new Map<string, ReturnType<typeof testVectors>['vectors']>();
  for (const v of testVectors().vectors) byFile.set(v.file, [...(byFile.get(v.file) ?? []), v]);
  for (const [file, vs] of byFile) {
    it(`${file}: ${vs.length} vectors in one bit-sliced pass`, () => {
      const c = loadShared(file);
      const inputs = vs.map((v) => inputBitsFromHex(c, v.inputs, v.encoding));
      const outs = evalMany(c, inputs, outputWires(c));
      vs.forEach((v, j) => expect(outputHex(c, outs[j]!, v.encoding)).toEqual(v.outputs.map((o) => o.toLowerCase())));
    });
  }
});

describe('bit-sliced against the plain evaluator', () => {
  const files = ['iscas85/c6288.bench', 'iscas85/c7552.bench', 'bristol/aes_128.txt', 'bristol/FP-add.txt', 'epfl/random_control/voter.aig', 'aiger/halfadder.aag', 'epfl/random_control/cavlc.blif'];
  for (const f of files) {
    it(`${f}: 100 random vectors (more than 3 words, a partial last word), every wire`, () => {
      const c = loadShared(f);
      const rng = new Rng(7n);
      const vectors = Array.from({ length: 100 }, () => Uint8Array.from({ length: c.nInputs }, () => rng.nextU32() & 1));
      const { words, W } = packVectors(vectors, c.nInputs);
      expect(W).toBe(4);
      const all = evalBitsliced(c, words, W);
      vectors.forEach((x, j) => {
        const plain = evalOne(c, x);
        for (let w = 0; w < plain.length; w++) if (slicedBit(all, W, w, j) !== plain[w]) expect.fail(`vector ${j}, wire ${w}`);
      });
    });
  }
  it('more words than one chunk of the evaluator (600 vectors)', () => {
    const c = loadShared('iscas85/c880.bench');
    const rng = new Rng(9n);
    const vectors = Array.from({ length: 600 }, () => Uint8Array.from({ length: c.nInputs }, () => rng.nextU32() & 1));
    const outs = evalMany(c, vectors, outputWires(c));
    vectors.forEach((x, j) => {
      const plain = evalOne(c, x);
      expect(Array.from(outs[j]!)).toEqual(outputWires(c).map((w) => plain[w]));
    });
  });
});
