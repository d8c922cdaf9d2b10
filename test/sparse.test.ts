// The CPU reference's sparse kernels (weights in CSR form, sums over the nonzeros only) against a
// plain dense implementation written here: every product and partial sum rounded, left to
// right, every zero weight included. Bitwise equal, in every arithmetic: on random sparse
// matrices (with -0 weights, and activations that are not finite), and on the logits of real
// models (positional and uniform) at every position. And the WebGPU weight buffer (no adapter
// needed): every matrix read back from its CSR words equals the model's, in f32 and f16.

import { describe, expect, it } from 'vitest';
import { generate } from '../circuits/gen/index.js';
import { Rng } from '../circuits/gen/prng.js';
import { compile, compileUniform } from '../compiler/index.js';
import { bindModel, type Bound } from '../model/index.js';
import { CpuStepper, f16round, kernelsFor, parseArith, prepare, referenceSequences, sampleInputs, toCsr, type Arith, type Csr, type Kernels, type PreparedModel } from '../runtime/index.js';
import { canonicalDv, layoutOf, packWeights, type Precision } from '../runtime/webgpu/layout.js';
import { loadShared } from './shared.js';

const ARITHS = ['f64', 'f32', 'f16', 'fixed:2', 'fixed:5', 'float:2,3', 'float:4,6'];

/** out[r] = R(... R(R(0 + R(W[r][0] x[0])) + R(W[r][1] x[1])) ...): the definition. */
function denseMatvec(a: Arith, W: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>, xo: number, out: Float64Array, o: number): void {
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    for (let c = 0; c < cols; c++) acc = a.round(acc + a.round(W[r * cols + c]! * x[xo + c]!));
    out[o + r] = acc;
  }
}

function sameBits(got: Float64Array, want: Float64Array): number {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

describe('sparse matrix-vector products = dense rounded sums, bit for bit', () => {
  const rng = new Rng(7n);
  const uniform = (): number => rng.nextU32() / 2 ** 32;
  for (const spec of ARITHS) {
    it(spec, () => {
      const a = parseArith(spec);
      const k = kernelsFor(a);
      for (let trial = 0; trial < 60; trial++) {
        const rows = 1 + (rng.nextU32() % 12);
        const cols = 1 + (rng.nextU32() % 40);
        const density = [0, 0.05, 0.3, 1][trial % 4]!;
        const scale = 2 ** ((rng.nextU32() % 16) - 6);
        // Weights: numbers of the format (as prepare() rounds them), zeros of both signs.
        const W = Float64Array.from({ length: rows * cols }, () => (uniform() < density ? a.round((uniform() * 2 - 1) * scale) : uniform() < 0.5 ? -0 : 0));
        const x = Float64Array.from({ length: cols + 3 }, () => a.round((uniform() * 2 - 1) * 2 ** ((rng.nextU32() % 20) - 8)));
        if (a.max === Infinity && trial % 5 === 4) x[3 + (rng.nextU32() % cols)] = [Infinity, -Infinity, NaN][trial % 3]!;
        const A = toCsr(W, rows, cols);
        for (let r = 0; r < rows; r++) for (let p = A.ptr[r]! + 1; p < A.ptr[r + 1]!; p++) expect(A.idx[p]!).toBeGreaterThan(A.idx[p - 1]!);
        const want = new Float64Array(rows + 2);
        const got = new Float64Array(rows + 2);
        denseMatvec(a, W, rows, cols, x, 3, want, 2);
        k.spmv(A, x, 3, got, 2);
        expect(sameBits(got, want), `${spec}, trial ${trial}: first differing row`).toBe(-1);
      }
    });
  }
});

/** The prepared model with kernels whose spmv is the dense definition on the dense matrix the
 * CSR form came from, and whose scores is one dot product per key (the definition of the
 * transposed key cache's column sweep), and whose softmax computes every exponential (no
 * shortcut below expZeroBelow); every other kernel unchanged. */
function denseTwin(pm: PreparedModel): PreparedModel {
  const dense = new Map<Csr, Float64Array>();
  dense.set(pm.sparse.unembed, pm.unembed);
  for (const L of pm.layers) {
    dense.set(L.sparse.w1, L.w1).set(L.sparse.w2, L.w2);
    for (const h of L.heads) dense.set(h.sparse.wq, h.wq).set(h.sparse.wk, h.wk).set(h.sparse.wv, h.wv).set(h.sparse.wo, h.wo);
  }
  const a = pm.arith;
  const k: Kernels = {
    round: (x) => pm.k.round(x),
    expZeroBelow: -Infinity,
    dot: (...args) => pm.k.dot(...args),
    matvec: (...args) => pm.k.matvec(...args),
    wsum: (...args) => pm.k.wsum(...args),
    spmv: (A, x, xo, out, o) => denseMatvec(a, dense.get(A)!, A.rows, A.cols, x, xo, out, o),
    scores: (q, dk, K, ko, stride, n, out) => {
      const key = new Float64Array(dk);
      for (let j = 0; j < n; j++) {
        for (let t = 0; t < dk; t++) key[t] = K[ko + t * stride + j]!;
        out[j] = pm.k.dot(q, 0, key, 0, dk);
      }
    },
  };
  return { ...pm, k };
}

/** Every position's logits of two steppers on the same teacher-forced batch: the first
 * (position, batch row, token) where they differ in any bit, or null. */
function firstLogitDifference(b: Bound, arith: string, inputs: number): string | null {
  const pm = prepare(b.model, parseArith(arith));
  const twin = denseTwin(pm);
  const seqs = referenceSequences(b, sampleInputs(b.circuit.nInputs, inputs, 3n).slice(0, inputs));
  const B = seqs.length;
  const S = seqs[0]!.length;
  const [s1, s2] = [new CpuStepper(pm, B, S), new CpuStepper(twin, B, S)];
  const [l1, l2] = [new Float64Array(B * pm.V), new Float64Array(B * pm.V)];
  const toks = new Int32Array(B);
  for (let i = 0; i < S; i++) {
    for (let r = 0; r < B; r++) toks[r] = seqs[r]![i]!;
    s1.step(i, toks, l1);
    s2.step(i, toks, l2);
    const at = sameBits(l1, l2);
    if (at >= 0) return `position ${i}, row ${Math.floor(at / pm.V)}, token ${at % pm.V}: ${l1[at]} vs ${l2[at]}`;
  }
  return null;
}

describe('sparse CPU reference = dense CPU reference on real models: bitwise equal logits', () => {
  const c17 = loadShared('iscas85/c17.bench');
  const rand = generate('random', { gates: '20', inputs: '4', seed: '5' });
  const models: [string, () => Bound][] = [
    ['positional c17, gate CoT', () => bindModel(compile(c17, { cot: 'gate' }))],
    ['positional random 20 gates, 4tok CoT', () => bindModel(compile(rand, { cot: '4tok' }))],
    ['uniform N=16 bound to c17', () => bindModel(compileUniform(16), c17)],
    ['uniform N=64 bound to a random 20-gate circuit', () => bindModel(compileUniform(64), rand)],
  ];
  for (const [name, make] of models) {
    it(name, () => {
      const b = make();
      for (const arith of ARITHS) expect(firstLogitDifference(b, arith, 2), arith).toBeNull();
    }, 120_000);
  }
});

/** The value of a binary16 bit pattern (finite ones). */
function f16(h: number): number {
  const e = (h >> 10) & 31;
  const v = e === 0 ? (h & 1023) * 2 ** -24 : (1 + (h & 1023) / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

/** The dense rows x cols matrix stored in CSR form at word `at` of a packed weight buffer. */
function unpack(w: Uint32Array, at: number, rows: number, cols: number, prec: Precision): Float64Array {
  const f32 = new Float32Array(w.buffer);
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let last = -1;
    for (let q = w[at + r]!; q < w[at + r + 1]!; q += 2) {
      const c = w[q]!;
      expect(c).toBeGreaterThan(last);
      expect(c).toBeLessThan(cols);
      last = c;
      out[r * cols + c] = prec === 'f16' ? f16(w[q + 1]!) : f32[q + 1]!;
    }
  }
  return out;
}

describe('the WebGPU weight buffer: matrices in CSR form', () => {
  it('canonical value widths: the least 2^k or 3·2^k at or above dv', () => {
    expect([1, 2, 3, 4, 5, 7, 9, 13, 16, 17, 24, 25].map(canonicalDv)).toEqual([1, 2, 4, 4, 8, 8, 12, 16, 16, 20, 24, 28]);
  });
  for (const prec of ['f32', 'f16'] as Precision[]) {
    it(`every matrix reads back as the model's (${prec}); padding rows are empty`, () => {
      for (const m of [compileUniform(16), compile(loadShared('iscas85/c17.bench'), { cot: '4tok' })]) {
        const ml = layoutOf(m, prec);
        const w = packWeights(m, ml);
        const R = prec === 'f16' ? f16round : (x: number) => x;
        const same = (at: number, W: Float32Array, rows: number, padRows: number, cols: number): void => {
          const got = unpack(w, at, padRows, cols, prec);
          for (let i = 0; i < padRows * cols; i++) expect(got[i]! + 0).toBe(i < rows * cols ? R(W[i]!) + 0 : 0);
        };
        const dense = (o: number, x: Float32Array): void => {
          const got = prec === 'f16' ? Array.from(new Uint16Array(w.buffer).subarray(o, o + x.length), f16) : new Float32Array(w.buffer).subarray(o, o + x.length);
          x.forEach((v, i) => expect(got[i]! + 0).toBe(R(v) + 0));
        };
        dense(ml.wTok, m.tokEmb);
        m.layers.forEach((L, l) => (dense(ml.layers[l]!.b1, L.ff.b1), dense(ml.layers[l]!.b2, L.ff.b2)));
        same(ml.wUnembed, m.unembed, ml.V, ml.V, m.d);
        m.layers.forEach((L, l) => {
          const Ly = ml.layers[l]!;
          L.heads.forEach((h, i) => {
            const hl = Ly.heads[i]!;
            expect(hl.dv).toBe(canonicalDv(h.dv));
            same(hl.wq, h.wq, h.dk, hl.dk4, m.d);
            same(hl.wk, h.wk, h.dk, hl.dk4, m.d);
            same(hl.wv, h.wv, h.dv, hl.dv, m.d);
            same(hl.wo, h.wo, m.d, m.d, h.dv);
          });
          same(Ly.w1, L.ff.w1, L.ff.m, L.ff.m, m.d);
          same(Ly.w2, L.ff.w2, m.d, m.d, L.ff.m);
        });
      }
    });
  }
});
