// check-cert's own forward pass for models of several layers (the uniform model), written apart
// from runtime/ and proofs/uniform/ on purpose: weights rounded once to the arithmetic, every
// product and partial sum rounded, sums left to right, dense causal softmax attention over every
// visible position (the paper's [exp] / Σ[exp] in fixed:s and float:e,s, the row maximum
// subtracted in IEEE modes), residual adds, ReLU feed-forward layers, logits. Terms with a zero
// weight are skipped, which changes no rounded sum (acc + [0·x] = acc).
//
// taint(): which residual coordinates can depend on the circuit's input (the alternatives '0'/'1'
// and FALSE/TRUE differ there, then whatever a head's value or a feed-forward unit reads from
// them). When no query or key reads one, every attention weight is the same number for every input
// (the same operations on the same numbers), and so is every head output whose value row reads
// none: a later pass reuses both from the first (Reuse) and computes only the rest.

import type { Model } from '../../model/index.js';
import type { CheckArith } from './arith.js';

/** A matrix by rows, nonzero entries only, each rounded once to the arithmetic. */
export interface Rows {
  rows: number;
  start: Int32Array;
  col: Int32Array;
  w: Float64Array;
}

export function rowsOf(W: Float32Array, rows: number, cols: number, R: (x: number) => number): Rows {
  const start = new Int32Array(rows + 1);
  const col: number[] = [];
  const w: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = R(W[r * cols + c]!);
      if (x !== 0) {
        col.push(c);
        w.push(x);
      }
    }
    start[r + 1] = col.length;
  }
  return { rows, start, col: Int32Array.from(col), w: Float64Array.from(w) };
}

/** out[oo + r] = Σ_c [W_rc · x[xo + c]], rounded left to right. */
export function mul(R: (x: number) => number, A: Rows, x: Float64Array, xo: number, out: Float64Array, oo: number): void {
  for (let r = 0; r < A.rows; r++) {
    let acc = 0;
    for (let t = A.start[r]!; t < A.start[r + 1]!; t++) acc = R(acc + R(A.w[t]! * x[xo + A.col[t]!]!));
    out[oo + r] = acc;
  }
}

/** The feed-forward layer at one position, in place: h[ho + c] += [W2·relu([W1·h + b1]) + b2]_c,
 * rounded as the runtime rounds it (z: L.m and f: d entries of scratch). */
export function feedForwardAt(R: (x: number) => number, L: Layer, h: Float64Array, ho: number, z: Float64Array, f: Float64Array): void {
  mul(R, L.w1, h, ho, z, 0);
  for (let u = 0; u < L.m; u++) {
    const y = R(z[u]! + L.b1[u]!);
    z[u] = y > 0 ? y : 0;
  }
  mul(R, L.w2, z, 0, f, 0);
  for (let c = 0; c < f.length; c++) h[ho + c] = R(h[ho + c]! + R(f[c]! + L.b2[c]!));
}

/** The coordinates row r reads. */
export function readsOf(A: Rows, r: number): number[] {
  return Array.from(A.col.subarray(A.start[r]!, A.start[r + 1]!));
}

interface Head {
  name: string;
  dk: number;
  dv: number;
  wq: Rows;
  wk: Rows;
  wv: Rows;
  wo: Rows;
}

export interface Layer {
  heads: Head[];
  m: number;
  w1: Rows;
  b1: Float64Array;
  w2: Rows;
  b2: Float64Array;
}

/** One head's weights at every position: the nonzero weights of position p over j <= p. */
export interface HeadWeights {
  at: { j: Int32Array; w: Float64Array }[];
}

export interface Pass {
  /** Residual stream after the last layer, [p * d + c]. */
  h: Float64Array;
  /** weights[l][h]. */
  weights: HeadWeights[][];
  /** outs[l][h][p * dv + e]: the head's output (before W_O). */
  outs: Float64Array[][];
}

export interface Taint {
  /** The first head whose query or key reads an input-dependent coordinate. */
  attention?: string;
  /** varying[l][h][e]: value row e of head h in layer l reads an input-dependent coordinate. */
  varying: boolean[][][];
}

/** What a pass may take from an earlier one: its weights, and its head outputs where not varying. */
export interface Reuse {
  pass: Pass;
  varying: boolean[][][];
}

export class DenseNet {
  readonly R: (x: number) => number;
  readonly d: number;
  readonly V: number;
  readonly tok: Float64Array;
  readonly unembed: Rows;
  readonly layers: Layer[];

  constructor(
    readonly model: Model,
    readonly arith: CheckArith,
  ) {
    const R = arith.round;
    const d = model.d;
    this.R = R;
    this.d = d;
    this.V = model.vocab.length;
    this.tok = Float64Array.from(model.tokEmb, (x) => R(x));
    this.unembed = rowsOf(model.unembed, this.V, d, R);
    this.layers = model.layers.map((L) => ({
      heads: L.heads.map((h) => ({ name: h.name, dk: h.dk, dv: h.dv, wq: rowsOf(h.wq, h.dk, d, R), wk: rowsOf(h.wk, h.dk, d, R), wv: rowsOf(h.wv, h.dv, d, R), wo: rowsOf(h.wo, d, h.dv, R) })),
      m: L.ff.m,
      w1: rowsOf(L.ff.w1, L.ff.m, d, R),
      b1: Float64Array.from(L.ff.b1, (x) => R(x)),
      w2: rowsOf(L.ff.w2, d, L.ff.m, R),
      b2: Float64Array.from(L.ff.b2, (x) => R(x)),
    }));
  }

  /** h_p = [tok + [pos_p]] for every position. */
  embed(tokens: Int32Array): Float64Array {
    const { d, R } = this;
    const pos = this.model.posEmb;
    const h = new Float64Array(tokens.length * d);
    tokens.forEach((t, p) => {
      for (let c = 0; c < d; c++) h[p * d + c] = R(this.tok[t * d + c]! + R(pos[p * d + c]!));
    });
    return h;
  }

  /** Dense causal softmax of one head over every position, from queries Q and keys K ([p * dk + t]). */
  softmax(Q: Float64Array, K: Float64Array, dk: number, S: number): HeadWeights {
    const { R } = this;
    const s = new Float64Array(S);
    const e = new Float64Array(S);
    const at: HeadWeights['at'] = [];
    for (let p = 0; p < S; p++) {
      let top = -Infinity;
      for (let j = 0; j <= p; j++) {
        let acc = 0;
        for (let t = 0; t < dk; t++) acc = R(acc + R(Q[p * dk + t]! * K[j * dk + t]!));
        s[j] = acc;
        if (acc > top) top = acc;
      }
      const shift = this.arith.shift ? top : 0;
      let Z = 0;
      for (let j = 0; j <= p; j++) {
        e[j] = R(Math.exp(R(s[j]! - shift)));
        Z = R(Z + e[j]!);
      }
      const js: number[] = [];
      const ws: number[] = [];
      for (let j = 0; j <= p; j++) {
        const w = Z === 0 ? (e[j] === 0 ? 0 : R(Infinity)) : R(e[j]! / Z);
        if (w !== 0) {
          js.push(j);
          ws.push(w);
        }
      }
      at.push({ j: Int32Array.from(js), w: Float64Array.from(ws) });
    }
    return { at };
  }

  /** The forward pass over a whole sequence (teacher forcing); `reuse`: the attention weights and
   * the head outputs that do not vary with the input, from a pass over another input. */
  run(tokens: Int32Array, reuse?: Reuse): Pass {
    const { d, R } = this;
    const S = tokens.length;
    const h = this.embed(tokens);
    const weights: HeadWeights[][] = [];
    const outs: Float64Array[][] = [];
    const acc = new Float64Array(S * d);
    const o = new Float64Array(d);
    this.layers.forEach((L, l) => {
      acc.fill(0);
      const lw: HeadWeights[] = [];
      const lo: Float64Array[] = [];
      for (const [hi, hd] of L.heads.entries()) {
        let W = reuse?.pass.weights[l]![hi]!;
        const old = reuse?.pass.outs[l]![hi]!;
        const varying = reuse?.varying[l]![hi]!;
        if (!W) {
          const Q = new Float64Array(S * hd.dk);
          const K = new Float64Array(S * hd.dk);
          for (let p = 0; p < S; p++) {
            mul(R, hd.wq, h, p * d, Q, p * hd.dk);
            mul(R, hd.wk, h, p * d, K, p * hd.dk);
          }
          W = this.softmax(Q, K, hd.dk, S);
        }
        lw.push(W);
        const { dv } = hd;
        const Vv = new Float64Array(S * dv);
        for (let p = 0; p < S; p++) mul(R, hd.wv, h, p * d, Vv, p * dv);
        const a = new Float64Array(S * dv);
        for (let p = 0; p < S; p++) {
          const { j, w } = W.at[p]!;
          for (let x = 0; x < dv; x++) {
            if (old && varying && !varying[x]) {
              a[p * dv + x] = old[p * dv + x]!;
              continue;
            }
            let sum = 0;
            for (let t = 0; t < j.length; t++) sum = R(sum + R(w[t]! * Vv[j[t]! * dv + x]!));
            a[p * dv + x] = sum;
          }
          mul(R, hd.wo, a, p * dv, o, 0);
          for (let c = 0; c < d; c++) acc[p * d + c] = R(acc[p * d + c]! + o[c]!);
        }
        lo.push(a);
      }
      weights.push(lw);
      outs.push(lo);
      for (let x = 0; x < S * d; x++) h[x] = R(h[x]! + acc[x]!);
      const z = new Float64Array(L.m);
      const f = new Float64Array(d);
      for (let p = 0; p < S; p++) feedForwardAt(R, L, h, p * d, z, f);
    });
    return { h, weights, outs };
  }

  /** Logits at position p of a pass. */
  logits(pass: Pass, p: number): Float64Array {
    const out = new Float64Array(this.V);
    mul(this.R, this.unembed, pass.h, p * this.d, out, 0);
    return out;
  }

  /** Which queries, keys and value rows read an input-dependent coordinate. `alternatives`:
   * pairs of tokens an input chooses between. */
  taint(alternatives: [number, number][]): Taint {
    const { d } = this;
    const tainted = new Uint8Array(d);
    for (const [x, y] of alternatives) for (let c = 0; c < d; c++) if (this.tok[x * d + c] !== this.tok[y * d + c]) tainted[c] = 1;
    const readsTainted = (A: Rows, r: number) => readsOf(A, r).some((c) => tainted[c] === 1);
    let attention: string | undefined;
    const varying = this.layers.map((L, l) => {
      const fresh: number[] = [];
      const rows = L.heads.map((hd) => {
        for (let r = 0; r < hd.dk; r++) if (!attention && (readsTainted(hd.wq, r) || readsTainted(hd.wk, r))) attention = `head ${hd.name} (layer ${l})`;
        const dirty = Array.from({ length: hd.dv }, (_, e) => readsTainted(hd.wv, e));
        for (let c = 0; c < d; c++) if (readsOf(hd.wo, c).some((e) => dirty[e])) fresh.push(c);
        return dirty;
      });
      for (const c of fresh) tainted[c] = 1;
      const units = new Set<number>();
      for (let u = 0; u < L.m; u++) if (readsTainted(L.w1, u)) units.add(u);
      for (let c = 0; c < d; c++) if (readsOf(L.w2, c).some((u) => units.has(u))) tainted[c] = 1;
      return rows;
    });
    return attention ? { attention, varying } : { varying };
  }
}
