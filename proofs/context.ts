// What the certifier knows about each position of the reference sequence: which wire's value
// (or which fixed token) sits there, and on which wires the token written next depends.

import { applyOp, type Circuit, type OpCode } from '../circuits/index.js';
import type { Bound, BoundSequence, Model } from '../model/index.js';
import { parseArith, prepare, type Arith, type PreparedModel } from '../runtime/index.js';

export interface Expectation {
  /** Wires the next token depends on. */
  deps: number[];
  /** The next token's id, given the values of `deps` (in order). */
  token(values: number[]): number;
}

export interface CertContext {
  model: Model;
  circuit: Circuit;
  arith: Arith;
  pm: PreparedModel;
  /** The model's sequence contract for this circuit: the positions each head is meant to fetch. */
  seq: BoundSequence;
  S: number;
  P: number;
  t0: number;
  t1: number;
  /** Per position: a wire id (>= 0) whose value is the token there, or -1 - tokenId for a fixed token. */
  src: Int32Array;
  expectation(p: number): Expectation;
}

export function certContext(bound: Bound, arithName: string): CertContext {
  const { model, circuit, seq } = bound;
  const arith = parseArith(arithName);
  const S = seq.seqLen;
  const P = seq.promptLength;
  const t0 = model.vocab.indexOf('0');
  const t1 = model.vocab.indexOf('1');
  const src = new Int32Array(S);
  const entry = (e: number | string): number => (typeof e === 'number' ? -1 - e : Number(e.slice(1)));
  seq.prompt.forEach((e, p) => (src[p] = entry(e)));
  seq.cotTemplate.forEach((e, t) => (src[P + t] = entry(e)));
  const n = circuit.nInputs;
  const bit = (v: number) => (v ? t1 : t0);
  const expectation = (p: number): Expectation => {
    const s = src[p]!;
    if (s < 0) return { deps: [], token: () => -1 - s };
    if (s >= n && seq.valuePos[s] === p) {
      const g = s - n;
      const op = circuit.ops[g] as OpCode;
      const deps = [circuit.a[g]!, circuit.b[g]!].filter((w) => w >= 0);
      return { deps, token: (v) => bit(applyOp(op, v[0] ?? 0, v[1] ?? 0)) };
    }
    return { deps: [s], token: (v) => bit(v[0]!) };
  };
  return { model, circuit, arith, pm: prepare(model, arith), seq, S, P, t0, t1, src, expectation };
}
