// The trace's top-k scan over an attention row (runtime/trace.ts topK) and its 5-digit rounding
// (round4), against plain definitions: the k largest weights, ties to the earlier position, as a
// stable sort gives them; round4(x) = Number(x.toPrecision(5)).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { round4, topK } from '../runtime/trace.js';

/** The definition: positions sorted by weight, descending, stable (earlier first among equals). */
function bySort(w: number[], k: number): { pos: number; weight: number }[] {
  return w.map((weight, pos) => ({ pos, weight })).sort((a, b) => b.weight - a.weight || a.pos - b.pos).slice(0, k);
}

describe('topK', () => {
  it('equals a stable sort on rows with many ties, zeros and tiny weights', () => {
    const weight = fc.oneof(fc.constantFrom(0, 1, 0.5, 2.0611536e-9), fc.float({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(fc.array(weight, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (w, k) => {
        expect(topK(Float32Array.from(w), k)).toEqual(bySort(Array.from(Float32Array.from(w)), k));
        expect(topK(w, k)).toEqual(bySort(w, k));
      }),
      { numRuns: 500 },
    );
  });
});

describe('round4', () => {
  it('is Number(x.toPrecision(5)), on a second call too (cached); 0, -0 and non-finite unchanged', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const want = x === 0 ? x : Number(x.toPrecision(5));
        expect(round4(x)).toBe(want);
        expect(round4(x)).toBe(want);
      }),
      { numRuns: 2000 },
    );
    expect(Object.is(round4(-0), -0)).toBe(true);
    expect(round4(Infinity)).toBe(Infinity);
    expect(round4(NaN)).toBeNaN();
  });
});
