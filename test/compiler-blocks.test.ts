// Each construction block's own lemma, checked on its weights alone.
import { describe, expect, it } from 'vitest';
import { OP_NAMES, Op, applyOp, opCode, type OpCode } from '../circuits/index.js';
import { Basis, gateFeedForward, residualBasis, retrievalHead, sbin, unembedding, vocabulary, type HeadWeights } from '../compiler/index.js';
import { fixedArith, kernelsFor, parseArith, type Kernels } from '../runtime/index.js';

const K = 6;
const basis = residualBasis('4tok', K);
const d = basis.dim;

/** A residual vector for position p whose head fetches from `target`. */
function state(p: number, target: number, extra: Record<string, number> = {}): Float64Array {
  const h = new Float64Array(d);
  h[basis.at('one')] = 1;
  for (let i = 0; i < K; i++) {
    h[basis.at('pos_bits', i)] = sbin(p, i);
    h[basis.at('src_a_bits', i)] = sbin(target, i);
  }
  for (const [name, v] of Object.entries(extra)) {
    const [n, idx] = name.split('#');
    h[basis.at(n!, idx ? Number(idx) : 0)] = v;
  }
  return h;
}

function scores(k: Kernels, head: HeadWeights, target: number, P: number): number[] {
  const rq = Float64Array.from(head.wq, (x) => k.round(x));
  const rk = Float64Array.from(head.wk, (x) => k.round(x));
  const q = new Float64Array(head.dk);
  k.matvec(rq, head.dk, d, state(P - 1, target), 0, q, 0);
  const out: number[] = [];
  const key = new Float64Array(head.dk);
  for (let j = 0; j < P; j++) {
    k.matvec(rk, head.dk, d, state(j, 0), 0, key, 0);
    out.push(k.dot(q, 0, key, 0, head.dk));
  }
  return out;
}

function hamming(x: number, y: number): number {
  let z = x ^ y;
  let c = 0;
  for (; z; z &= z - 1) c++;
  return c;
}

describe('retrieval head lemma', () => {
  const P = 2 ** K;
  it('scores are -2λ·hamming(j, target) in exact arithmetic', () => {
    for (const scale of [1, 3.75, 10]) {
      const head = retrievalHead(basis, { name: 'fetch_a', src: 'src_a_bits', key: 'pos_bits', value: 'tok_val', out: 'val_a', scale });
      const k = kernelsFor(parseArith('f64'));
      for (const target of [0, 1, 5, 37, P - 1]) {
        scores(k, head, target, P).forEach((s, j) => expect(s + 0).toBe(-2 * scale * hamming(j, target) + 0));
      }
    }
  });

  it('under fixed:2 the rounded exp is exactly 1 on the target and 0 elsewhere (interleaved)', () => {
    const a = fixedArith(2);
    const k = kernelsFor(a);
    const head = retrievalHead(basis, { name: 'fetch_a', src: 'src_a_bits', key: 'pos_bits', value: 'tok_val', out: 'val_a', scale: 10 });
    for (let target = 0; target < P; target += 7) {
      const s = scores(k, head, target, P);
      s.forEach((x, j) => {
        expect(x).toBe(j === target ? 0 : -3.75);
        expect(a.round(Math.exp(x))).toBe(j === target ? 1 : 0);
      });
    }
  });

  it('a plain concatenation instead of the interleaving breaks the lemma under fixed:2', () => {
    const a = fixedArith(2);
    const k = kernelsFor(a);
    const head = retrievalHead(basis, { name: 'x', src: 'src_a_bits', key: 'pos_bits', value: 'tok_val', out: 'val_a', scale: 3.75 });
    // Reorder rows: all sbin rows first, then all constant rows.
    const perm = [...Array.from({ length: K }, (_, i) => 2 * i), ...Array.from({ length: K }, (_, i) => 2 * i + 1)];
    const re = (W: Float32Array) => {
      const out = new Float32Array(W.length);
      perm.forEach((r, i) => out.set(W.subarray(r * d, (r + 1) * d), i * d));
      return out;
    };
    const concat = { ...head, wq: re(head.wq), wk: re(head.wk) };
    const s = scores(k, concat, 9, P);
    expect(a.round(Math.exp(s[9]!))).not.toBe(1);
  });

  it('writes the fetched value to its output coordinate', () => {
    const head = retrievalHead(basis, { name: 'fetch_b', src: 'src_b_bits', key: 'pos_bits', value: 'tok_val', out: 'val_b', scale: 10 });
    expect(head.wv[basis.at('tok_val')]).toBe(1);
    expect(head.wo[basis.at('val_b')]).toBe(1);
    expect(head.wv.reduce((s, x) => s + Math.abs(x), 0)).toBe(1);
    expect(head.wo.reduce((s, x) => s + Math.abs(x), 0)).toBe(1);
  });
});

describe('gate feed-forward lemma', () => {
  const ff = gateFeedForward(basis, { a: 'val_a', b: 'val_b', table: 'tt', out: 'ff_out' });
  const run = (k: Kernels, op: OpCode, a: number, b: number): number => {
    const h = state(0, 0, { val_a: a, val_b: b });
    [applyOp(op, 0, 0), applyOp(op, 0, 1), applyOp(op, 1, 0), applyOp(op, 1, 1)].forEach((x, u) => (h[basis.at('tt', u)] = x));
    const z = new Float64Array(ff.m);
    k.matvec(Float64Array.from(ff.w1, (x) => k.round(x)), ff.m, d, h, 0, z, 0);
    for (let u = 0; u < ff.m; u++) z[u] = Math.max(0, k.round(z[u]! + ff.b1[u]!));
    const y = new Float64Array(d);
    k.matvec(Float64Array.from(ff.w2, (x) => k.round(x)), d, ff.m, z, 0, y, 0);
    return y[basis.at('ff_out')]!;
  };
  for (const arith of ['f64', 'f32', 'fixed:2', 'float:8,1']) {
    it(`computes every gate type on all four input pairs (${arith})`, () => {
      const k = kernelsFor(parseArith(arith));
      for (const name of OP_NAMES) {
        const op = opCode(name)!;
        for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) expect(run(k, op, a, b)).toBe(applyOp(op, a, b));
      }
    });
  }
  it('stays within 2ε of the right bit for fetched values off by ε', () => {
    const k = kernelsFor(parseArith('f64'));
    for (const name of OP_NAMES) {
      const op = opCode(name)!;
      for (const [a, b] of [[0.1, 0.05], [0.95, 0.1], [0.02, 0.9], [0.9, 0.92]] as const) {
        const want = applyOp(op, Math.round(a), Math.round(b));
        expect(Math.abs(run(k, op, a, b) - want)).toBeLessThanOrEqual(2 * 0.1 + 1e-12);
      }
    }
  });
  it('has no effect outside ff_out', () => {
    for (let c = 0; c < d; c++) if (c !== basis.at('ff_out')) for (let u = 0; u < ff.m; u++) expect(ff.w2[c * ff.m + u]).toBe(0);
  });
});

describe('output layer', () => {
  const vocab = vocabulary('4tok');
  const W = unembedding(basis, vocab);
  const logits = (h: Float64Array) => vocab.map((_, v) => W.subarray(v * d, (v + 1) * d).reduce((s, w, c) => s + w * h[c]!, 0));
  const winner = (h: Float64Array) => {
    const l = logits(h);
    const best = l.indexOf(Math.max(...l));
    const second = Math.max(...l.filter((_, i) => i !== best));
    return { tok: vocab[best], margin: l[best]! - second };
  };
  const withTable = (op: OpCode, extra: Record<string, number>) => {
    const h = state(0, 0, extra);
    [applyOp(op, 0, 0), applyOp(op, 0, 1), applyOp(op, 1, 0), applyOp(op, 1, 1)].forEach((x, u) => (h[basis.at('tt', u)] = x));
    return h;
  };
  it('writes the value bit in value mode, by a margin of at least 0.5', () => {
    for (const name of OP_NAMES) for (const y of [0, 1]) {
      const w = winner(withTable(opCode(name)!, { ff_out: y }));
      expect(w.tok).toBe(String(y));
      expect(w.margin).toBeGreaterThanOrEqual(0.5);
    }
  });
  it('writes the type token in type mode and "-" in na mode, whatever y is', () => {
    for (const name of OP_NAMES) for (const y of [0, 1]) {
      const t = winner(withTable(opCode(name)!, { ff_out: y, mode_type: 1 }));
      expect(t.tok).toBe(name);
      expect(t.margin).toBeGreaterThanOrEqual(0.5);
      const n = winner(withTable(Op.BUF, { ff_out: y, mode_na: 1 }));
      expect(n.tok).toBe('-');
    }
  });
  it('keeps every coefficient inside F_2', () => {
    for (const x of W) expect(Math.abs(x) <= 3.75 && Number.isInteger(x * 4)).toBe(true);
  });
  it('basis labels name every coordinate', () => {
    const labels = new Basis().add('one').add('pos_bits', 3).labels();
    expect(labels).toEqual(['one', 'pos_bits[0]', 'pos_bits[1]', 'pos_bits[2]']);
    expect(basis.labels()).toHaveLength(d);
  });
});
