// The fast path one position at a time with a key/value cache (greedy generation, and the trace):
// position i of every batch row through every layer, as the reference stepper
// (runtime/cpu/stepper.ts), with each head's scores against all cached keys from the one-query
// SIMD kernel (kernels.ts scores1) and the same weights and value sums as attention.ts. A
// position-only head's query and key come from batch row 0 and its weights serve every row.
// With traceAt / onTrace it reports, for batch row 0, the same PositionDetail as the reference
// (its score and weight rows are views, valid until onTrace returns).

import type { PreparedModel } from '../prepared.js';
import { allFinite } from '../sparse.js';
import type { LayerDetail, PositionDetail } from '../stepper.js';
import { expBounds, laneMax, rowWeights, tailScores, valueSums, type ExpBounds, type Scratch } from './attention.js';
import { keyStep } from './kernels.js';
import { pad4, pad8, type SimdReadout } from './forward.js';
import type { FastRuntime } from './pool.js';
import type { ArgmaxJob } from './readout.js';
import { RowOps } from './row-ops.js';

interface Cache {
  /** The batch rows this cache serves (one for a head that reads the input, all for a position-only
   *  one: their values side by side, position i, row s at (i * rows + s) * dv). */
  rows: number[];
  kt: number;
  v: number;
  dense: boolean;
}

export interface FastStepperOptions {
  /** Record details at position i of batch row 0 when this returns true. */
  traceAt?: (i: number) => boolean;
  onTrace?: (d: PositionDetail) => void;
}

export class FastStepper {
  private readonly A;
  private readonly mark: number;
  private readonly ops: RowOps;
  private readonly caches: Cache[][][];
  private readonly outs: number[][];
  private readonly q: number;
  private readonly sc: Scratch;
  private readonly ut: number;
  private readonly H: Float32Array;
  private readonly eb: ExpBounds;
  private readonly Lpad: number;
  /** detail rows per (layer, head): scores and weights (views handed to onTrace). */
  private readonly rows: { scores: Float32Array; weights: Float64Array }[][] | undefined;
  private disposed = false;

  constructor(
    private readonly rt: FastRuntime,
    private readonly pm: PreparedModel,
    private readonly sr: SimdReadout | undefined,
    private readonly B: number,
    private readonly T: number,
    private readonly opts: FastStepperOptions = {},
  ) {
    const A = (this.A = rt.arena);
    this.mark = A.mark();
    this.ops = new RowOps(pm);
    const Lpad = (this.Lpad = pad8(T));
    this.caches = pm.layers.map((L) =>
      L.heads.map((hd) => {
        const groups = hd.positionOnly ? [Array.from({ length: B }, (_, b) => b)] : Array.from({ length: B }, (_, b) => [b]);
        return groups.map((rows): Cache => ({ rows, kt: A.alloc(hd.dk * Lpad), v: A.alloc(rows.length * T * hd.dv + 4), dense: false }));
      }),
    );
    this.outs = pm.layers.map((L) => L.heads.map((hd) => A.alloc(B * hd.dv)));
    this.q = A.alloc(Math.max(1, ...pm.layers.flatMap((L) => L.heads.map((h) => h.dk))));
    this.sc = rt.scratch(Lpad);
    this.ut = sr ? A.alloc(sr.ut.length) : -1;
    if (sr) A.f32.set(sr.ut, this.ut);
    this.H = new Float32Array(B * pm.d);
    this.eb = expBounds(pm.k.expZeroBelow);
    this.rows = opts.traceAt ? pm.layers.map((L) => L.heads.map(() => ({ scores: new Float32Array(T), weights: new Float64Array(T) }))) : undefined;
  }

  /** Processes position i of every batch row (tokens[b] is the token there); returns each row's
   *  argmax (all 0 when readout is false: generation skips the prompt's). */
  step(i: number, tokens: ArrayLike<number>, readout = true): Int32Array {
    if (this.disposed) throw new Error('FastStepper used after dispose');
    const { pm, B, H, ops } = this;
    const { d } = pm;
    if (i >= this.T) throw new RangeError(`position ${i} is beyond the stepper's ${this.T} positions`);
    const trace = this.opts.traceAt?.(i) ? this.newDetail(i, tokens[0]!) : undefined;
    for (let b = 0; b < B; b++) ops.embed(H, b * d, tokens[b]!, i);
    if (trace) trace.embed.set(H.subarray(0, d));
    const heads: number[] = [];
    pm.layers.forEach((layer, l) => {
      const tl = trace?.layers[l];
      layer.heads.forEach((hd, hi) => {
        for (const c of this.caches[l]![hi]!) this.attend(l, hi, c, i, tl && c.rows[0] === 0 ? tl : undefined);
      });
      const f = this.A.f32;
      for (let b = 0; b < B; b++) {
        layer.heads.forEach((hd, hi) => (heads[hi] = this.outs[l]![hi]! + b * hd.dv));
        ops.finish(layer, H, b * d, f, heads, b === 0 ? tl : undefined);
      }
    });
    const out = readout || trace ? this.readout(trace !== undefined) : new Int32Array(B);
    if (trace) {
      trace.logits.set(ops.logits.subarray(0, pm.V));
      trace.argmax = out[0]!;
      this.opts.onTrace?.(trace);
    }
    return out;
  }

  /** One head at position i for the rows of cache c: key and values cached, then the query's attention. */
  private attend(l: number, hi: number, c: Cache, i: number, tl: LayerDetail | undefined): void {
    const { A, H, ops, Lpad, sc } = this;
    const { d } = this.pm;
    const hd = this.pm.layers[l]!.heads[hi]!;
    const { dk, dv } = hd;
    const f = A.f32;
    const kv = ops.project(hd.sparse.wk, H, c.rows[0]! * d);
    for (let t = 0; t < dk; t++) f[c.kt + t * Lpad + i] = kv[t]!;
    c.rows.forEach((b, si) => {
      const v = ops.project(hd.sparse.wv, H, b * d);
      const at = c.v + (i * c.rows.length + si) * dv;
      for (let e = 0; e < dv; e++) f[at + e] = v[e]!;
      if (!allFinite(f, at, dv)) c.dense = true;
    });
    const qv = ops.project(hd.sparse.wq, H, c.rows[0]! * d);
    for (let t = 0; t < dk; t++) f[this.q + t] = qv[t]!;
    const step = keyStep(1);
    const nk = Math.floor((i + 1) / step) * step;
    f.fill(-Infinity, sc.mx, sc.mx + 4);
    if (nk > 0) A.kernels.scores1(4 * this.q, dk, 4 * c.kt, Lpad, nk, 4 * sc.s, Lpad, 4 * sc.mx);
    const m = tailScores(f, this.q, 1, dk, c.kt, Lpad, nk, i + 1, sc.s, laneMax(f, sc.mx));
    const own = tl ? this.rows![l]![hi]! : undefined;
    if (own) own.scores.set(f.subarray(sc.s, sc.s + i + 1));
    const n = rowWeights(A, sc, sc.s, i, m, this.eb);
    const out = this.outs[l]![hi]! + c.rows[0]! * dv;
    valueSums(A, sc, { v: c.v, dv: c.rows.length * dv, out, dense: c.dense }, i, n);
    if (tl && own) {
      const w = own.weights;
      const Z = f[sc.z]!;
      const p0 = Z === 0 ? 0 : Math.fround(0 / Z); // a key left out (e = 0): rdiv(0, Z)
      w.fill(p0, 0, i + 1);
      for (let x = 0; x < n; x++) w[A.i32[sc.cj + x]!] = f[sc.cp + x]!;
      tl.heads.push({ name: hd.name, scores: own.scores.subarray(0, i + 1), weights: w.subarray(0, i + 1), out: Float64Array.from(f.subarray(out, out + dv)) });
    }
  }

  /** The argmax of each of the B current rows (the SIMD kernel for a large vocabulary); with
   *  `logits`, row 0's logits are left in ops.logits. */
  private readout(logits: boolean): Int32Array {
    const { A, B, H, ops, sr, pm } = this;
    const { d, V } = pm;
    const out = new Int32Array(B);
    if (sr && allFinite(H, 0, H.length)) {
      const m = A.mark();
      const cu = sr.cols.length;
      const q = A.alloc(pad4(B) * cu);
      const am = A.alloc(B);
      const lg = logits ? A.alloc(V) : -1;
      const f = A.f32;
      for (let b = 0; b < B; b++) for (let t = 0; t < cu; t++) f[q + (b >> 2) * cu * 4 + t * 4 + (b & 3)] = H[b * d + sr.cols[t]!]!;
      const job: ArgmaxJob = { kind: 'argmax', L: logits ? 1 : B, cu, V, Vpad: sr.Vpad, q, kt: this.ut, out: am, logits: lg };
      this.rt.run(job);
      if (logits) {
        for (let v = 0; v < V; v++) ops.logits[v] = A.f32[lg + v]!;
        const rest = { ...job, L: B, logits: -1 };
        if (B > 1) this.rt.run(rest);
      }
      out.set(A.i32.subarray(am, am + B));
      A.release(m);
      return out;
    }
    // the reference's own sparse product: row 0's logits stay in ops.logits for a trace
    for (let b = B - 1; b >= 0; b--) out[b] = ops.readout(H, b * d);
    return out;
  }

  private newDetail(i: number, token: number): PositionDetail {
    const { d, V } = this.pm;
    return {
      pos: i,
      token,
      embed: new Float64Array(d),
      layers: this.pm.layers.map((L) => ({ heads: [], afterAttn: new Float64Array(d), ffPre: new Float64Array(L.m), ffAct: new Float64Array(L.m), ffOut: new Float64Array(d), after: new Float64Array(d) })),
      logits: new Float64Array(V),
      argmax: -1,
    };
  }

  /** Releases the stepper's memory (the runtime's arena: dispose before other fast-path work). */
  dispose(): void {
    if (!this.disposed) this.A.release(this.mark);
    this.disposed = true;
  }
}

/** Extends each prompt (equal lengths) by `steps` argmax tokens. */
export function fastGenerate(rt: FastRuntime, pm: PreparedModel, sr: SimdReadout | undefined, prompts: Int32Array[], steps: number, onProgress?: (fraction: number) => void): Int32Array[] {
  const B = prompts.length;
  const P = prompts[0]!.length;
  const T = P + steps;
  const seqs = prompts.map((p) => {
    const s = new Int32Array(T);
    s.set(p);
    return s;
  });
  const st = new FastStepper(rt, pm, sr, B, T);
  try {
    const toks = new Int32Array(B);
    for (let i = 0; i < T - 1; i++) {
      if (onProgress && (i & 63) === 0) onProgress(i / T);
      for (let b = 0; b < B; b++) toks[b] = seqs[b]![i]!;
      const am = st.step(i, toks, i >= P - 1);
      if (i >= P - 1) for (let b = 0; b < B; b++) seqs[b]![i + 1] = am[b]!;
    }
  } finally {
    st.dispose();
  }
  return seqs;
}
