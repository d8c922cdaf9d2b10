// Which heads sparse attention may index, read from the weights and checked, never assumed.
//
// A head is a *code head* when every row t of W_K reads at most one residual coordinate, and:
//   - a row reading a constant coordinate (1 in every position-embedding row, 0 in every token
//     row, written by no layer), or no coordinate, gives every key the same value: a constant row;
//   - every other row reads a coordinate that is ±1 in every key (no layer writes it, and one of
//     the embedding tables has ±1 in that column for every row while the other has 0), or a
//     coordinate some layer writes (its value in each key is known only when the key is computed:
//     the engine tracks the smallest and largest |k_t| over the keys, bounds.ts); these are the
//     code rows, all with the same |weight| λ (the ±λ form of a match head, compiler/blocks/match.ts).
// A key's code is the sign pattern of its code rows (bit i set when k_{t_i} > 0); the score
// <q, k> of a key whose code differs from the query's sign pattern in h bits is at most
// Σ_i |q_{t_i}| max|k_{t_i}| + const − (the h smallest |q_{t_i}|(max + min |k_{t_i}|)): for the
// compiled models −2λh. Every other head runs densely (over every visible key), with the reason.

import type { Model } from '../../model/index.js';
import type { PreparedModel } from '../cpu/prepared.js';
import type { Csr } from '../cpu/sparse.js';
import { layerColumns, tokenColumns } from '../position-only.js';

/** Most code bits an index holds (codes are 31-bit integers). */
export const MAX_CODE_BITS = 31;

export interface HeadPlan {
  layer: number;
  head: number;
  name: string;
  /** index: softmax over the keys within the radius of the query's code; dense: over every key. */
  kind: 'index' | 'dense';
  /** Why the head runs densely. */
  reason?: string;
  /** Rows of W_K holding code bits, in bit order. */
  codeRows: Int32Array;
  /** Constant rows of W_K and the value every key has there. */
  constRows: Int32Array;
  constVals: Float64Array;
  /** |weight| of the code rows. */
  lambda: number;
  /** Code bits read from coordinates that some layer writes (their ±1 form is checked per key at run time). */
  dynamicBits: number;
  /** Position-only (layer 0, no token coordinate): one index and one softmax for the whole batch. */
  shared: boolean;
  /** Q, K and V read only coordinates that no layer writes: the same in the sparse and dense runs. */
  exactInputs: boolean;
}

interface ColumnKinds {
  /** No layer writes the column. */
  unwritten: Uint8Array;
  /** Constant 1 in every position: 1 in every position row, 0 in every token row, unwritten. */
  one: Uint8Array;
  /** ±1 in every (token, position) pair, unwritten. */
  sign: Uint8Array;
}

/** Classifies every residual coordinate from the embedding tables and the layers' writes. */
export function columnKinds(m: Model): ColumnKinds {
  const d = m.d;
  const written = layerColumns(m);
  const tokUsed = tokenColumns(m);
  const P = m.posEmb.length / d;
  const V = m.tokEmb.length / d;
  const posAllOne = new Uint8Array(d).fill(P > 0 ? 1 : 0);
  const posAllSign = new Uint8Array(d).fill(P > 0 ? 1 : 0);
  const posZero = new Uint8Array(d).fill(1);
  for (let p = 0; p < P; p++) {
    const row = p * d;
    for (let c = 0; c < d; c++) {
      const x = m.posEmb[row + c]!;
      if (x !== 1) posAllOne[c] = 0;
      if (x !== 1 && x !== -1) posAllSign[c] = 0;
      if (x !== 0) posZero[c] = 0;
    }
  }
  const tokAllSign = new Uint8Array(d).fill(V > 0 ? 1 : 0);
  for (let v = 0; v < V; v++) {
    for (let c = 0; c < d; c++) {
      const x = m.tokEmb[v * d + c]!;
      if (x !== 1 && x !== -1) tokAllSign[c] = 0;
    }
  }
  const unwritten = written.map((w) => (w ? 0 : 1));
  const one = new Uint8Array(d);
  const sign = new Uint8Array(d);
  for (let c = 0; c < d; c++) {
    if (!unwritten[c]) continue;
    if (posAllOne[c] && !tokUsed[c]) one[c] = 1;
    if ((posAllSign[c] && !tokUsed[c]) || (posZero[c] && tokAllSign[c])) sign[c] = 1;
  }
  return { unwritten, one, sign };
}

function readsOnly(A: Csr, ok: Uint8Array): boolean {
  for (let p = 0; p < A.idx.length; p++) if (!ok[A.idx[p]!]) return false;
  return true;
}

function densePlan(base: Omit<HeadPlan, 'kind' | 'codeRows' | 'constRows' | 'constVals' | 'lambda' | 'dynamicBits'>, reason: string): HeadPlan {
  return { ...base, kind: 'dense', reason, codeRows: new Int32Array(0), constRows: new Int32Array(0), constVals: new Float64Array(0), lambda: 0, dynamicBits: 0 };
}

/** The plan of every head of a CoT model (prepared in f32). */
export function planHeads(pm: PreparedModel): HeadPlan[][] {
  const m = pm.model;
  const kinds = columnKinds(m);
  return pm.distinct.map((L, l) =>
    L.heads.map((hd, h) => {
      const { wq, wk, wv } = hd.sparse;
      const base = {
        layer: l,
        head: h,
        name: hd.name,
        shared: hd.positionOnly,
        exactInputs: readsOnly(wq, kinds.unwritten) && readsOnly(wk, kinds.unwritten) && readsOnly(wv, kinds.unwritten),
      };
      const code: number[] = [];
      const consts: number[] = [];
      const constVals: number[] = [];
      let lambda = -1;
      let dynamicBits = 0;
      for (let t = 0; t < hd.dk; t++) {
        const n = wk.ptr[t + 1]! - wk.ptr[t]!;
        if (n === 0) {
          consts.push(t);
          constVals.push(0);
          continue;
        }
        if (n > 1) return densePlan(base, `key row ${t} reads ${n} coordinates (a code row reads one)`);
        const c = wk.idx[wk.ptr[t]!]!;
        const w = wk.val[wk.ptr[t]!]!;
        const label = m.meta.basis[c] ?? `#${c}`;
        if (kinds.one[c]) {
          consts.push(t);
          constVals.push(w);
          continue;
        }
        if (kinds.unwritten[c] && !kinds.sign[c]) return densePlan(base, `key row ${t} reads ${label}, which is neither constant nor ±1 in every embedding row`);
        if (!kinds.unwritten[c]) dynamicBits++;
        if (lambda < 0) lambda = Math.abs(w);
        else if (Math.abs(w) !== lambda) return densePlan(base, `code rows of unequal scale (${lambda} and ${Math.abs(w)}): not the ±λ form`);
        code.push(t);
      }
      if (code.length === 0) return densePlan(base, 'no key row carries a code bit');
      if (code.length > MAX_CODE_BITS) return densePlan(base, `${code.length} code bits (an index holds at most ${MAX_CODE_BITS})`);
      return { ...base, kind: 'index', codeRows: Int32Array.from(code), constRows: Int32Array.from(consts), constVals: Float64Array.from(constVals), lambda, dynamicBits };
    }),
  );
}
