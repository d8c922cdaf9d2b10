// The shared pieces of the certifier's passes over positions: the value vectors each position can
// hold, and the induction step at one position (claim 4), given each head's attended position and
// the range of its output for each token that position may hold.

import type { CertContext } from './context.js';
import type { Csr } from '../runtime/index.js';
import { intervalSpmv } from './kernels.js';

export interface Setup {
  ctx: CertContext;
  H: number;
  /** hOf(t, j, out): the residual stream after embedding token t at position j. */
  hOf(t: number, j: number, out: Float64Array): void;
  /** keys[h]: S x dk (position-only heads: the same for every token). */
  keys: Float64Array[];
  /** vals[h][(j * 2 + slot) * dv + e]: value vector at j for its first / second possible token. */
  vals: Float64Array[];
  vlo: Float64Array[];
  vhi: Float64Array[];
  /** CSR forms of the matrices used at every position (the prepared model's). */
  wq: Csr[];
  wo: Csr[];
  w1: Csr;
  w2: Csr;
  unembed: Csr;
  /** Scratch space of inductionStep. */
  scratch: Float64Array[];
}

export function setup(ctx: CertContext): Setup {
  const { pm, S } = ctx;
  const { k, d } = pm;
  const heads = pm.layers[0]!.heads;
  const pos = pm.model.posEmb;
  const hOf = (t: number, j: number, out: Float64Array) => {
    for (let c = 0; c < d; c++) out[c] = k.round(pm.tok[t * d + c]! + k.round(pos[j * d + c]!));
  };
  const hbuf = new Float64Array(d);
  const layer = pm.layers[0]!;
  const keys = heads.map((hd) => new Float64Array(S * hd.dk));
  const vals = heads.map((hd) => new Float64Array(S * 2 * hd.dv));
  const vlo = heads.map((hd) => new Float64Array(S * hd.dv));
  const vhi = heads.map((hd) => new Float64Array(S * hd.dv));
  for (let j = 0; j < S; j++) {
    const toks = tokensAt(ctx, j);
    toks.forEach((t, slot) => {
      hOf(t, j, hbuf);
      heads.forEach((hd, h) => {
        if (slot === 0) k.spmv(hd.sparse.wk, hbuf, 0, keys[h]!, j * hd.dk);
        k.spmv(hd.sparse.wv, hbuf, 0, vals[h]!, (j * 2 + slot) * hd.dv);
      });
    });
    heads.forEach((hd, h) => {
      for (let e = 0; e < hd.dv; e++) {
        const a = vals[h]![j * 2 * hd.dv + e]!;
        const b = toks.length > 1 ? vals[h]![(j * 2 + 1) * hd.dv + e]! : a;
        vlo[h]![j * hd.dv + e] = Math.min(a, b);
        vhi[h]![j * hd.dv + e] = Math.max(a, b);
      }
    });
  }
  const V = pm.V;
  const m = layer.m;
  return {
    ctx,
    H: heads.length,
    hOf,
    keys,
    vals,
    vlo,
    vhi,
    wq: heads.map((hd) => hd.sparse.wq),
    wo: heads.map((hd) => hd.sparse.wo),
    w1: layer.sparse.w1,
    w2: layer.sparse.w2,
    unembed: pm.sparse.unembed,
    scratch: [d, d, d, d, d, d, m, m, d, d, V, V, d].map((n) => new Float64Array(n)),
  };
}

/** The tokens position j can hold: its fixed token, or "0" and "1" for a wire's value. */
export function tokensAt(ctx: CertContext, j: number): number[] {
  return ctx.src[j]! < 0 ? [-1 - ctx.src[j]!] : [ctx.t0, ctx.t1];
}

/** Output ranges of one head at one position: lo/hi[slot][e], slot = the token at its attended position. */
export interface HeadRange {
  attended: number;
  lo: Float64Array[];
  hi: Float64Array[];
}

export interface StepResult {
  margin: number;
  detail: string;
}

/** The wires whose values the induction step at position i enumerates: the one whose value sits at
 * i, those at the positions the heads attend to, and those the next token depends on. */
export function wiresThatMatter(ctx: CertContext, i: number, attended: number[], deps: number[]): number[] {
  const rel: number[] = [];
  for (const w of [ctx.src[i]!, ...attended.map((j) => ctx.src[j]!), ...deps]) if (w >= 0 && !rel.includes(w)) rel.push(w);
  return rel;
}

/** Claim 4 at position i: the least lead of the right next token over every other, on the box. */
export function inductionStep(s: Setup, i: number, ranges: HeadRange[]): StepResult {
  const { ctx } = s;
  const { pm } = ctx;
  const { k, d } = pm;
  const layer = pm.layers[0]!;
  const exp = ctx.expectation(i + 1);
  const rel = wiresThatMatter(ctx, i, ranges.map((r) => r.attended), exp.deps);
  const [oLo, oHi, accLo, accHi, hLo, hHi, zLo, zHi, fLo, fHi, lLo, lHi, emb] = s.scratch as [
    Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
    Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
  ];
  let worst = Infinity;
  let detail = '';
  for (let m = 0; m < 1 << rel.length; m++) {
    const val = (w: number) => (m >> rel.indexOf(w)) & 1;
    const src = (j: number) => ctx.src[j]!;
    const tokAt = (j: number) => (src(j) < 0 ? -1 - src(j) : val(src(j)) ? ctx.t1 : ctx.t0);
    const slotAt = (j: number) => (src(j) < 0 ? 0 : val(src(j)));
    s.hOf(tokAt(i), i, emb);
    accLo.fill(0);
    accHi.fill(0);
    layer.heads.forEach((_hd, h) => {
      const r = ranges[h]!;
      const slot = slotAt(r.attended);
      intervalSpmv(k, s.wo[h]!, r.lo[slot]!, r.hi[slot]!, oLo, oHi);
      for (let c = 0; c < d; c++) {
        accLo[c] = k.round(accLo[c]! + oLo[c]!);
        accHi[c] = k.round(accHi[c]! + oHi[c]!);
      }
    });
    for (let c = 0; c < d; c++) {
      hLo[c] = k.round(emb[c]! + accLo[c]!);
      hHi[c] = k.round(emb[c]! + accHi[c]!);
    }
    intervalSpmv(k, s.w1, hLo, hHi, zLo, zHi);
    for (let u = 0; u < layer.m; u++) {
      zLo[u] = Math.max(0, k.round(zLo[u]! + layer.b1[u]!));
      zHi[u] = Math.max(0, k.round(zHi[u]! + layer.b1[u]!));
    }
    intervalSpmv(k, s.w2, zLo, zHi, fLo, fHi);
    for (let c = 0; c < d; c++) {
      hLo[c] = k.round(hLo[c]! + k.round(fLo[c]! + layer.b2[c]!));
      hHi[c] = k.round(hHi[c]! + k.round(fHi[c]! + layer.b2[c]!));
    }
    intervalSpmv(k, s.unembed, hLo, hHi, lLo, lHi);
    const want = exp.token(exp.deps.map(val));
    let rival = -Infinity;
    let rivalTok = -1;
    for (let v = 0; v < pm.V; v++) {
      if (v !== want && lHi[v]! > rival) {
        rival = lHi[v]!;
        rivalTok = v;
      }
    }
    const margin = lLo[want]! - rival;
    if (margin < worst) {
      worst = margin;
      const wires = rel.map((w) => `wire ${w}=${val(w)}`).join(', ') || 'no free wire';
      detail = `with ${wires}, '${pm.model.vocab[want]}' has logit >= ${lLo[want]} but '${pm.model.vocab[rivalTok]}' may reach ${rival}`;
    }
  }
  return { margin: worst, detail };
}
