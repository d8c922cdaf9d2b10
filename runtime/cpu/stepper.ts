// The CPU reference transformer, one position at a time over a batch, with a KV cache:
// h = tok_emb[x] + pos_emb[i]; per layer h += Σ_heads W_O softmax(<q_i, k_j>)_j≤i · v_j, then
// h += W2 relu(W1 h + b1) + b2; logits = W_U h; next token = argmax (ties to the lowest id).
// Teacher forcing feeds the true tokens; generation feeds back its own argmax. Dense softmax
// over every visible position, every step. Weight matrices multiply through their nonzeros
// (Kernels.spmv: the same rounded sums as the dense products). The key cache is stored
// transposed (coordinate by coordinate over positions), so the scores of a position against all
// visible keys are computed with contiguous reads (Kernels.scores: the same rounded sums as one
// dot product per key).

import { rdiv } from '../arith.js';
import { argmax } from './kernels.js';
import type { PreparedLayer, PreparedModel } from './prepared.js';
import type { ScoreGroups } from './score-groups.js';

export interface HeadDetail {
  name: string;
  /** f64 here; the fast f32 kernel's stepper hands out a view of its f32 row. */
  scores: Float64Array | Float32Array;
  weights: Float64Array;
  out: Float64Array;
}

export interface LayerDetail {
  heads: HeadDetail[];
  afterAttn: Float64Array;
  ffPre: Float64Array;
  ffAct: Float64Array;
  ffOut: Float64Array;
  after: Float64Array;
}

/** Everything computed at one position of one sequence (for traces and mismatch reports). */
export interface PositionDetail {
  pos: number;
  token: number;
  embed: Float64Array;
  layers: LayerDetail[];
  logits: Float64Array;
  argmax: number;
}

export interface StepperOptions {
  /** Record details at position i of batch row 0 when this returns true. */
  traceAt?: (i: number) => boolean;
  onTrace?: (d: PositionDetail) => void;
  /** Layers whose keys and values get a cache slot (default: the applied layers, token by token). */
  slots?: PreparedLayer[];
  /** The score groups of the slots' position-only heads (score-groups.ts scoreGroups(slots)):
   *  when given, their softmax weights are kept per (group, position) and reused when a head of
   *  the same group runs position i again (a looped block in every iteration, the equal heads of
   *  a deep model's layers: their scores depend on positions alone, so they are the same rounded
   *  numbers. The weighted sum stays dense). */
  memo?: ScoreGroups;
  /** When given, the milliseconds spent attending over positions (scores, softmax, weighted
   *  sums: the O(S) work per position and head) are added to profile.attentionMs (benchmarks). */
  profile?: { attentionMs: number };
  /** A detail's scores and weights are views into the stepper's own rows, valid only until
   *  onTrace returns (a consumer that summarises every position at once, like the trace, then
   *  copies nothing; the default copies them). */
  detailViews?: boolean;
}

export class CpuStepper {
  private readonly pm: PreparedModel;
  private readonly B: number;
  private readonly L: number;
  private readonly h: Float64Array;
  private readonly kc: Float64Array[][];
  private readonly vc: Float64Array[][];
  private readonly scores: Float64Array;
  private readonly probs: Float64Array;
  private readonly q: Float64Array;
  private readonly a: Float64Array;
  private readonly o: Float64Array;
  private readonly acc: Float64Array;
  private readonly z: Float64Array;
  private readonly f: Float64Array;
  private readonly logits: Float64Array;
  private readonly opts: StepperOptions;
  private readonly memo: (Float64Array | undefined)[][][] | undefined;
  /** One key before it is stored transposed. */
  private readonly kt: Float64Array;
  /** detailViews: each (layer, head)'s own score and weight rows. */
  private readonly rows: { scores: Float64Array; weights: Float64Array }[][] | undefined;

  constructor(pm: PreparedModel, batch: number, maxLen: number, opts: StepperOptions = {}) {
    this.pm = pm;
    this.B = batch;
    this.L = maxLen;
    this.opts = opts;
    const d = pm.d;
    this.h = new Float64Array(batch * d);
    const slots = opts.slots ?? pm.layers;
    if (opts.memo) {
      const { group, count } = opts.memo;
      const shared = Array.from({ length: count }, (): (Float64Array | undefined)[] => []);
      this.memo = group.map((hs) => hs.map((g) => (g === undefined ? [] : shared[g]!)));
    } else this.memo = undefined;
    // keys transposed: coordinate t of row r's key at position i is at ((r * dk + t) * maxLen + i)
    this.kc = slots.map((L) => L.heads.map((hd) => new Float64Array((hd.positionOnly ? 1 : batch) * maxLen * hd.dk)));
    this.vc = slots.map((L) => L.heads.map((hd) => new Float64Array(batch * maxLen * hd.dv)));
    const dk = Math.max(1, ...pm.layers.flatMap((L) => L.heads.map((hd) => hd.dk)));
    const dv = Math.max(1, ...pm.layers.flatMap((L) => L.heads.map((hd) => hd.dv)));
    const m = Math.max(1, ...pm.layers.map((L) => L.m));
    this.scores = new Float64Array(maxLen);
    this.probs = new Float64Array(maxLen);
    this.q = new Float64Array(dk);
    this.kt = new Float64Array(dk);
    this.rows = opts.detailViews ? pm.layers.map((L) => L.heads.map(() => ({ scores: new Float64Array(maxLen), weights: new Float64Array(maxLen) }))) : undefined;
    this.a = new Float64Array(dv);
    this.o = new Float64Array(d);
    this.acc = new Float64Array(batch * d);
    this.z = new Float64Array(m);
    this.f = new Float64Array(d);
    this.logits = new Float64Array(batch * pm.V);
  }

  /** Processes position i for every batch row (tokens[b] is the token there); returns each row's argmax. */
  step(i: number, tokens: ArrayLike<number>, logitsOut?: Float64Array): Int32Array {
    const trace = this.opts.traceAt?.(i) ? this.newDetail(i, tokens[0]!) : null;
    this.embed(i, tokens);
    if (trace) trace.embed.set(this.h.subarray(0, this.pm.d));
    this.pm.layers.forEach((layer, l) => this.layer(l, layer, i, trace?.layers[l]));
    const out = this.readout(logitsOut);
    if (trace) {
      trace.logits.set(this.logits.subarray(0, this.pm.V));
      trace.argmax = out[0]!;
      this.opts.onTrace?.(trace);
    }
    return out;
  }

  /** The output layer on the current state: each row's argmax (logits into logitsOut when given). */
  readout(logitsOut?: Float64Array): Int32Array {
    const { pm, B } = this;
    const { d, k, V } = pm;
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      k.spmv(pm.sparse.unembed, this.h, b * d, this.logits, b * V);
      out[b] = argmax(this.logits, b * V, V);
    }
    if (logitsOut) logitsOut.set(this.logits.subarray(0, B * V));
    return out;
  }

  /** The embedding of position i (every batch row) into the current state h. */
  embed(i: number, tokens: ArrayLike<number>): void {
    const { pm, B } = this;
    const { d, k } = pm;
    const pos = pm.model.posEmb;
    if (i >= this.L || (i + 1) * d > pos.length) throw new RangeError(`position ${i} is beyond the model's ${pos.length / d} positions`);
    for (let b = 0; b < B; b++) {
      const t = tokens[b]!;
      if (!(t >= 0 && t < pm.V)) throw new RangeError(`token id ${t} outside the vocabulary`);
      for (let c = 0; c < d; c++) this.h[b * d + c] = k.round(pm.tok[t * d + c]! + k.round(pos[i * d + c]!));
    }
  }

  /** The current state (batch rows x d): what embed and layer read and write. */
  get state(): Float64Array {
    return this.h;
  }

  /**
   * One layer at position i on the current state, its keys and values cached in cache slot
   * `slot` (the applied layer when stepping token by token; the stored layer when a pass runs
   * layer by layer over all positions, which fills a slot's positions 0..i before reading them).
   */
  layer(slot: number, layer: PreparedLayer, i: number, tl?: LayerDetail): void {
    const { pm, B } = this;
    const { d, k } = pm;
    const rnd = (x: number) => k.round(x);
    this.acc.fill(0);
    layer.heads.forEach((hd, hi) => {
      const kc = this.kc[slot]![hi]!;
      const vc = this.vc[slot]![hi]!;
      const { dk, dv } = hd;
      const shared = hd.positionOnly;
      const memo = shared ? this.memo?.[slot]![hi] : undefined;
      const known = tl ? undefined : memo?.[i];
      if (known) this.probs.set(known);
      for (let b = 0; b < B; b++) {
        // value of this position, then key (once when shared). The key is stored even when the
        // weights are known: a detail (tl) recomputes the scores from this slot's own keys, and
        // a score group's weights may have come from another slot (another layer).
        k.spmv(hd.sparse.wv, this.h, b * d, vc, (b * this.L + i) * dv);
        if (!shared || b === 0) {
          k.spmv(hd.sparse.wk, this.h, b * d, this.kt, 0);
          const kb = (shared ? 0 : b) * dk * this.L + i;
          for (let t = 0; t < dk; t++) kc[kb + t * this.L] = this.kt[t]!;
        }
      }
      const prof = this.opts.profile;
      for (let b = 0; b < B; b++) {
        const t0 = prof ? performance.now() : 0;
        if (!known && (!shared || b === 0)) {
          k.spmv(hd.sparse.wq, this.h, b * d, this.q, 0);
          k.scores(this.q, dk, kc, (shared ? 0 : b) * dk * this.L, this.L, i + 1, this.scores);
          this.softmax(i + 1);
          if (memo) memo[i] = this.probs.slice(0, i + 1);
        }
        this.a.fill(0);
        const vb = b * this.L * dv;
        for (let e = 0; e < dv; e++) this.a[e] = k.wsum(this.probs, vc, vb + e, dv, i + 1);
        if (prof) prof.attentionMs += performance.now() - t0;
        k.spmv(hd.sparse.wo, this.a, 0, this.o, 0);
        for (let c = 0; c < d; c++) this.acc[b * d + c] = rnd(this.acc[b * d + c]! + this.o[c]!);
        if (tl && b === 0) {
          const own = this.rows?.[slot]?.[hi];
          if (own) {
            own.scores.set(this.scores.subarray(0, i + 1));
            own.weights.set(this.probs.subarray(0, i + 1));
          }
          tl.heads.push({
            name: hd.name,
            scores: own ? own.scores.subarray(0, i + 1) : this.scores.slice(0, i + 1),
            weights: own ? own.weights.subarray(0, i + 1) : this.probs.slice(0, i + 1),
            out: this.a.slice(0, dv),
          });
        }
      }
    });
    for (let x = 0; x < B * d; x++) this.h[x] = rnd(this.h[x]! + this.acc[x]!);
    if (tl) tl.afterAttn.set(this.h.subarray(0, d));
    const { m } = layer;
    for (let b = 0; b < B; b++) {
      k.spmv(layer.sparse.w1, this.h, b * d, this.z, 0);
      for (let u = 0; u < m; u++) this.z[u] = rnd(this.z[u]! + layer.b1[u]!);
      if (tl && b === 0) tl.ffPre.set(this.z.subarray(0, m));
      for (let u = 0; u < m; u++) if (!(this.z[u]! > 0)) this.z[u] = 0;
      if (tl && b === 0) tl.ffAct.set(this.z.subarray(0, m));
      k.spmv(layer.sparse.w2, this.z, 0, this.f, 0);
      for (let c = 0; c < d; c++) {
        const fc = rnd(this.f[c]! + layer.b2[c]!);
        this.f[c] = fc;
        this.h[b * d + c] = rnd(this.h[b * d + c]! + fc);
      }
      if (tl && b === 0) {
        tl.ffOut.set(this.f.subarray(0, d));
        tl.after.set(this.h.subarray(0, d));
      }
    }
  }

  private softmax(n: number): void {
    const { arith, k } = this.pm;
    const s = this.scores;
    const p = this.probs;
    let shift = 0;
    if (arith.maxSubtract) {
      shift = -Infinity;
      for (let j = 0; j < n; j++) if (s[j]! > shift) shift = s[j]!;
    }
    let Z = 0;
    const zero = k.expZeroBelow;
    for (let j = 0; j < n; j++) {
      const x = k.round(s[j]! - shift);
      const e = x < zero ? 0 : k.round(Math.exp(x));
      p[j] = e;
      Z = k.round(Z + e);
    }
    for (let j = 0; j < n; j++) p[j] = rdiv(arith, p[j]!, Z);
  }

  private newDetail(i: number, token: number): PositionDetail {
    const { d } = this.pm;
    return {
      pos: i,
      token,
      embed: new Float64Array(d),
      layers: this.pm.layers.map((L) => ({
        heads: [],
        afterAttn: new Float64Array(d),
        ffPre: new Float64Array(L.m),
        ffAct: new Float64Array(L.m),
        ffOut: new Float64Array(d),
        after: new Float64Array(d),
      })),
      logits: new Float64Array(this.pm.V),
      argmax: -1,
    };
  }
}
