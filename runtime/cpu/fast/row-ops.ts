// The fast path's per-position work around attention, for one residual row h (f32): the
// embedding, the projections, adding the heads' outputs, the feed-forward layer and the small
// output layer. The same operations in the same order as the reference stepper (its rounding is
// Math.fround here, the reference's F32Kernels.round), products through the reference's own f32
// kernels (CSR, every operation rounded to f32): O(d) per position, no allocation.

import { argmax } from '../kernels.js';
import type { PreparedLayer, PreparedModel } from '../prepared.js';
import type { Csr } from '../sparse.js';
import type { LayerDetail } from '../stepper.js';

export class RowOps {
  readonly tmp: Float64Array;
  private readonly acc: Float64Array;
  private readonly o: Float64Array;
  private readonly z: Float64Array;
  private readonly f: Float64Array;
  readonly logits: Float64Array;

  private readonly pos: Float32Array;

  constructor(readonly pm: PreparedModel) {
    if (pm.arith.kind !== 'f32') throw new Error('RowOps: the fast path is f32 only');
    this.pos = pm.model.posEmb;
    const d = pm.d;
    const widest = Math.max(d, 1, ...pm.distinct.flatMap((L) => [L.m, ...L.heads.flatMap((h) => [h.dk, h.dv])]));
    this.tmp = new Float64Array(widest);
    this.acc = new Float64Array(d);
    this.o = new Float64Array(d);
    this.z = new Float64Array(Math.max(1, ...pm.distinct.map((L) => L.m)));
    this.f = new Float64Array(d);
    this.logits = new Float64Array(pm.V);
  }

  /** h = tok_emb[token] + pos_emb[i] (the reference's roundings; its range errors). */
  embed(h: Float32Array, ho: number, token: number, i: number): void {
    const { d, V, tok } = this.pm;
    const pos = this.pos;
    if ((i + 1) * d > pos.length) throw new RangeError(`position ${i} is beyond the model's ${pos.length / d} positions`);
    if (!(token >= 0 && token < V)) throw new RangeError(`token id ${token} outside the vocabulary`);
    const to = token * d;
    const po = i * d;
    for (let c = 0; c < d; c++) h[ho + c] = Math.fround(tok[to + c]! + Math.fround(pos[po + c]!));
  }

  /** A x for the row at h[ho ..], into this.tmp. */
  project(A: Csr, h: ArrayLike<number>, ho: number): Float64Array {
    this.pm.k.spmv(A, h, ho, this.tmp, 0);
    return this.tmp;
  }

  /**
   * Adds the heads' outputs (head hi's attention output a at f[heads[hi] ..], dv words) through
   * W_O, then the feed-forward layer, to the row h[ho ..] (recorded in tl when given).
   */
  finish(layer: PreparedLayer, h: Float32Array, ho: number, f: Float32Array, heads: number[], tl?: LayerDetail): void {
    const { d, k } = this.pm;
    const rnd = Math.fround;
    const { acc, o, z } = this;
    acc.fill(0);
    for (let hi = 0; hi < layer.heads.length; hi++) {
      k.spmv(layer.heads[hi]!.sparse.wo, f, heads[hi]!, o, 0);
      for (let c = 0; c < d; c++) acc[c] = rnd(acc[c]! + o[c]!);
    }
    for (let c = 0; c < d; c++) h[ho + c] = rnd(h[ho + c]! + acc[c]!);
    if (tl) tl.afterAttn.set(h.subarray(ho, ho + d));
    const m = layer.m;
    k.spmv(layer.sparse.w1, h, ho, z, 0);
    for (let u = 0; u < m; u++) z[u] = rnd(z[u]! + layer.b1[u]!);
    if (tl) tl.ffPre.set(z.subarray(0, m));
    for (let u = 0; u < m; u++) if (!(z[u]! > 0)) z[u] = 0;
    if (tl) tl.ffAct.set(z.subarray(0, m));
    k.spmv(layer.sparse.w2, z, 0, this.f, 0);
    for (let c = 0; c < d; c++) {
      const fc = rnd(this.f[c]! + layer.b2[c]!);
      this.f[c] = fc;
      h[ho + c] = rnd(h[ho + c]! + fc);
    }
    if (tl) {
      tl.ffOut.set(this.f.subarray(0, d));
      tl.after.set(h.subarray(ho, ho + d));
    }
  }

  /** The output layer on the row: its argmax; the logits stay in this.logits. */
  readout(h: ArrayLike<number>, ho: number): number {
    const { pm } = this;
    pm.k.spmv(pm.sparse.unembed, h, ho, this.logits, 0);
    return argmax(this.logits, 0, pm.V);
  }
}
