// Match heads (compiler/blocks/match.ts), recognised in the weights and their lemma checked.
//
// Structure (read from W_Q, W_K, W_V, W_O alone): query row 2i is a linear form (the code bit
// q_i), row 2i+1 reads `one` with weight 1; key row 2i reads ONE coordinate with weight λ (the key
// bit k_i), row 2i+1 reads `one` with weight -λ, the same λ for every pair; every value row copies
// one coordinate (weight 1) and every output column writes one coordinate (weight 1).
//
// Lemma (paper arithmetic, checked by a finite automaton over the partial sums of the rounded
// left-to-right inner product): for bits q_i, k_i in {-1, 0, +1}, the rounded score is exactly 0
// when q_i = k_i ≠ 0 for every pair, and its rounded exp is exactly 0 otherwise, while [exp 0] = 1.
// Then, whatever the other keys hold: with a unique visible matching key the softmax weights are
// exactly 1 there and 0 elsewhere (Z = [1]); with none, Z = 0 and every weight is [0/0] = 0; and the
// head's output is exactly the matching key's value vector (or 0): [1·v] = v, [0·v] = 0.

import type { Arith, Kernels, PreparedHead, PreparedModel } from '../../runtime/index.js';

export interface MatchStructure {
  name: string;
  layer: number;
  pairs: number;
  /** The key scale λ as the runtime holds it (rounded to the arithmetic). */
  lambda: number;
  /** Query bit i: coordinate -> coefficient. */
  query: Map<number, number>[];
  /** Key bit i: the coordinate read. */
  key: number[];
  /** [from, to] coordinates copied by value e. */
  copies: [number, number][];
}

function nonzeros(W: Float64Array, row: number, d: number): [number, number][] {
  const out: [number, number][] = [];
  for (let c = 0; c < d; c++) if (W[row * d + c] !== 0) out.push([c, W[row * d + c]!]);
  return out;
}

/** The head's match structure, or why it is not a match head. */
export function matchStructure(pm: PreparedModel, layer: number, hd: PreparedHead): MatchStructure | string {
  const d = pm.d;
  const one = pm.model.meta.basis.indexOf('one');
  if (hd.dk % 2 !== 0 || hd.dk === 0) return `head ${hd.name}: dk ${hd.dk} is not a whole number of (code, constant) pairs`;
  const pairs = hd.dk / 2;
  const query: Map<number, number>[] = [];
  const key: number[] = [];
  let lambda = NaN;
  for (let i = 0; i < pairs; i++) {
    const qc = nonzeros(hd.wq, 2 * i + 1, d);
    const kc = nonzeros(hd.wk, 2 * i + 1, d);
    const kb = nonzeros(hd.wk, 2 * i, d);
    if (qc.length !== 1 || qc[0]![0] !== one || qc[0]![1] !== 1) return `head ${hd.name}: query row ${2 * i + 1} is not the constant 1`;
    if (kb.length !== 1) return `head ${hd.name}: key row ${2 * i} reads ${kb.length} coordinates, not one`;
    const l = kb[0]![1];
    if (Number.isNaN(lambda)) lambda = l;
    if (l !== lambda || !(l > 0)) return `head ${hd.name}: key row ${2 * i} has scale ${l}, the head ${lambda}`;
    if (kc.length !== 1 || kc[0]![0] !== one || kc[0]![1] !== -lambda) return `head ${hd.name}: key row ${2 * i + 1} is not -λ·one`;
    key.push(kb[0]![0]);
    query.push(new Map(nonzeros(hd.wq, 2 * i, d)));
  }
  const copies: [number, number][] = [];
  const written = new Set<number>();
  for (let e = 0; e < hd.dv; e++) {
    const v = nonzeros(hd.wv, e, d);
    const o: [number, number][] = [];
    for (let c = 0; c < d; c++) if (hd.wo[c * hd.dv + e] !== 0) o.push([c, hd.wo[c * hd.dv + e]!]);
    if (v.length !== 1 || v[0]![1] !== 1 || o.length !== 1 || o[0]![1] !== 1) return `head ${hd.name}: value ${e} is not a copy of one coordinate into one coordinate`;
    if (written.has(o[0]![0])) return `head ${hd.name}: two values write coordinate ${o[0]![0]}`;
    written.add(o[0]![0]);
    copies.push([v[0]![0], o[0]![0]]);
  }
  return { name: hd.name, layer, pairs, lambda, query, key, copies };
}

export interface AutomatonResult {
  holds: boolean;
  /** Reachable partial sums (both kinds) over the pairs. */
  states: number;
  /** The rounded exp of the largest score a non-matching pattern reaches. */
  maxMissExp: number;
  detail: string;
}

/**
 * The automaton lemma for `pairs` interleaved pairs under arithmetic a (no max subtraction: the
 * paper's softmax): every all-matching pattern scores exactly 0, every other pattern's rounded exp
 * is exactly 0. Query and key bits range over {-1, 0, +1}.
 */
export function automatonLemma(k: Kernels, a: Arith, lambda: number, pairs: number): AutomatonResult {
  const R = (x: number) => k.round(x);
  const L = R(lambda);
  const negL = R(-lambda);
  const bits = [-1, 0, 1];
  let matched = new Set<number>([0]);
  let missed = new Set<number>();
  let states = 1;
  for (let i = 0; i < pairs; i++) {
    const nm = new Set<number>();
    const nx = new Set<number>();
    const step = (acc: number, q: number, kb: number) => {
      const key = R(L * kb);
      const s1 = R(acc + R(q * key));
      return R(s1 + R(1 * negL));
    };
    for (const acc of matched) {
      for (const q of bits) for (const kb of bits) (q === kb && q !== 0 ? nm : nx).add(step(acc, q, kb));
    }
    for (const acc of missed) for (const q of bits) for (const kb of bits) nx.add(step(acc, q, kb));
    matched = nm;
    missed = nx;
    states += matched.size + missed.size;
  }
  const exp = (x: number) => R(Math.exp(R(x)));
  const badMatch = [...matched].find((x) => x !== 0 || exp(x) !== 1);
  let maxMissExp = 0;
  let worst = NaN;
  for (const x of missed) {
    const e = exp(x);
    if (e > maxMissExp || Number.isNaN(worst)) {
      maxMissExp = Math.max(maxMissExp, e);
      worst = x;
    }
  }
  void a;
  const holds = badMatch === undefined && maxMissExp === 0;
  const detail = badMatch !== undefined
    ? `an all-matching pattern scores ${badMatch}, not exactly 0`
    : maxMissExp !== 0
      ? `a non-matching pattern scores ${worst}, whose rounded exp is ${maxMissExp}, not 0`
      : `${pairs} pairs, λ = ${L}: match scores 0 (exp 1), every other pattern's rounded exp is 0 (${states} states)`;
  return { holds, states, maxMissExp, detail };
}
