// How a Model is laid out on the GPU.
//
// Weights: one read-only buffer holds tok_emb, unembed and every layer's matrices at fixed
// offsets, baked into the shaders as constants (so a kernel binds one weight buffer, whatever
// the number of layers and heads). The position embedding is separate: it can exceed a binding.
//
// Per layer, every head's keys of a position are stored side by side in one row of the layer's
// key cache, and likewise queries: KROW = Σ_heads sets·dk4, where dk4 is dk padded to whole
// vec4s (zero padding) and sets is 1 for a position-only head, else the batch size B. The
// offset of head h in a row is kSh + kNs·B. Values: one row per position of [B][Σ dv].
//
// Position-only heads (runtime/position-only.ts): their W_Q and W_K read no coordinate that any token
// embedding touches, so in layer 0 their queries and keys are the same for every input. Such a
// head keeps ONE key set, computes each score once for the whole batch and applies the softmax
// weights to every input's values: still dense attention over every visible position.

import type { Model } from '../../model/index.js';
import { positionOnlyHeads } from '../position-only.js';

export type Precision = 'f32' | 'f16';

/** What the attention kernels' code depends on (everything else comes from the parameter block). */
export interface HeadShape {
  /** dk rounded up to a multiple of 4. */
  dk4: number;
  dv: number;
  shared: boolean;
}

export interface HeadLayout extends HeadShape {
  dk: number;
  /** Offset of the head's output in the layer's attention output row (and value row). */
  aOff: number;
  /** Offset of the head in a key/query row: kSh + kNs·B. */
  kSh: number;
  kNs: number;
  /** Offsets in the weight buffer: W_Q and W_K [dk4][d] (padding rows zero), W_V [dv][d], W_O [d][dv]. */
  wq: number;
  wk: number;
  wv: number;
  wo: number;
}

export interface LayerLayout {
  heads: HeadLayout[];
  /** Σ dv: width of the attention output and of a value row per sequence. */
  hdv: number;
  /** Key/query row width: kRowSh + kRowNs·B. */
  kRowSh: number;
  kRowNs: number;
  m: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

export interface ModelLayout {
  prec: Precision;
  /** Bytes per stored element. */
  bytes: number;
  d: number;
  V: number;
  /** Rows of the position embedding. */
  positions: number;
  wTok: number;
  wUnembed: number;
  /** Elements of the weight buffer. */
  wSize: number;
  layers: LayerLayout[];
}


const pad4 = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);

export function layoutOf(m: Model, prec: Precision): ModelLayout {
  const d = m.d;
  const V = m.vocab.length;
  const positionOnly = positionOnlyHeads(m);
  let off = 0;
  const take = (n: number): number => {
    const o = off;
    off += n;
    return o;
  };
  const wTok = take(V * d);
  const wUnembed = take(V * d);
  const layers = m.layers.map((L, l): LayerLayout => {
    let aOff = 0;
    let kSh = 0;
    let kNs = 0;
    const heads = L.heads.map((h, hi): HeadLayout => {
      const dk4 = pad4(h.dk);
      const shared = positionOnly[l]![hi]!;
      const hl: HeadLayout = { dk: h.dk, dk4, dv: h.dv, shared, aOff, kSh, kNs, wq: take(dk4 * d), wk: take(dk4 * d), wv: take(h.dv * d), wo: take(d * h.dv) };
      aOff += h.dv;
      if (shared) kSh += dk4;
      else kNs += dk4;
      return hl;
    });
    const f = L.ff;
    return { heads, hdv: Math.max(1, aOff), kRowSh: kSh, kRowNs: kNs, m: f.m, w1: take(f.m * d), b1: take(f.m), w2: take(d * f.m), b2: take(d) };
  });
  return { prec, bytes: prec === 'f16' ? 2 : 4, d, V, positions: m.posEmb.length / d, wTok, wUnembed, wSize: Math.max(4, off), layers };
}

/** Key/query row width of a layer for a batch of B. */
export function kRow(L: LayerLayout, B: number): number {
  return L.kRowSh + L.kRowNs * B;
}

/** The weight buffer's contents as float32 values (before any f16 conversion). */
export function packWeights(m: Model, ml: ModelLayout): Float32Array {
  const out = new Float32Array(ml.wSize);
  out.set(m.tokEmb, ml.wTok);
  out.set(m.unembed, ml.wUnembed);
  m.layers.forEach((layer, l) => {
    const L = ml.layers[l]!;
    layer.heads.forEach((h, i) => {
      const hl = L.heads[i]!;
      out.set(h.wq, hl.wq); // rows dk..dk4-1 stay zero
      out.set(h.wk, hl.wk);
      out.set(h.wv, hl.wv);
      out.set(h.wo, hl.wo);
    });
    out.set(layer.ff.w1, L.w1);
    out.set(layer.ff.b1, L.b1);
    out.set(layer.ff.w2, L.w2);
    out.set(layer.ff.b2, L.b2);
  });
  return out;
}
