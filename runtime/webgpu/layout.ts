// How a Model is laid out on the GPU.
//
// Weights: one read-only buffer, bound as array<u32>, holds everything (so a kernel binds one
// weight buffer, whatever the number of layers and heads). First a dense region of elements of the precision (f32 words, or f16
// halves two per word): tok_emb and every layer's biases. Then every matrix (unembed, W_Q,
// W_K, W_V, W_O, W1, W2) in compressed sparse row form: rows + 1 row starts (absolute word
// addresses), then per nonzero, in increasing column order, a pair of words (column, value bits;
// an f16 value in the low half). A kernel's inner products run over the nonzeros only, left to
// right: the hand-set weights are almost all zero, and a zero weight adds an exact zero.
// Last, per layer, a directory of word addresses (per head W_Q, W_K, W_V, W_O; then W1, b1, W2,
// b2: dirIndex): the layer kernels read their weights' addresses from the directory whose address
// is in their parameter block, so their code depends only on the layer's shape (shapeKey) and
// layers of the same shape share one compiled pipeline (a deep model of 500 equal layers
// compiles one projection and one mix kernel, not 500). The position embedding is separate: it
// can exceed a binding.
//
// Per layer, every head's keys of a position are stored side by side in one row of the layer's
// key cache, and likewise queries: KROW = Σ_heads sets·dk4, where dk4 is dk padded to whole
// vec4s (zero padding) and sets is 1 for a position-only head, else the batch size B. The
// offset of head h in a row is kSh + kNs·B. Values: one row per position of [B][Σ dv], where
// dv is the head's value width padded up to a canonical size (canonicalDv: zero columns), so
// that heads of nearby widths share one compiled attention kernel.
//
// Position-only heads (runtime/position-only.ts): their W_Q and W_K read no coordinate that any
// token embedding touches (and, beyond a first layer applied once, none that any layer writes),
// so in any layer their queries and keys are the same for every input: the projection kernel
// computes them from batch row 0's residual. Such a head keeps ONE key set, computes each score once for the whole batch and applies the softmax
// weights to every input's values: still dense attention over every visible position.

import { targetsJustBehind, type Model } from '../../model/index.js';
import { positionOnlyHeads } from '../position-only.js';
import { f16round } from '../arith.js';
import { f16Bits, toF16Bits } from './f16.js';

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
  /** The model's value width (dv is padded up from it; the padding columns hold zeros). */
  dvModel: number;
  /** The model's contract says this head attends just behind its queries (model/contract.ts
   *  targetsJustBehind): the CPU kernel walks its keys from the newest. */
  recent: boolean;
  /** Offset of the head's output in the layer's attention output row (and value row). */
  aOff: number;
  /** Offset of the head in a key/query row: kSh + kNs·B. */
  kSh: number;
  kNs: number;
  /** Word addresses of the row starts of W_Q and W_K (dk4 rows, the padding rows empty), W_V
   *  (dv rows, likewise) and W_O (d rows, columns < dvModel). */
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
  /** Row starts of W1 (m rows) and W2 (d rows); b1, b2: element offsets in the dense region. */
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  /** Word address of the layer's directory (the addresses above, read by the layer kernels). */
  dir: number;
}

export interface ModelLayout {
  prec: Precision;
  /** Bytes per stored element. */
  bytes: number;
  d: number;
  V: number;
  /** Rows of the position embedding. */
  positions: number;
  /** Element offset of tok_emb in the dense region. */
  wTok: number;
  /** Row starts of the unembedding (V rows). */
  wUnembed: number;
  /** Words of the weight buffer. */
  wWords: number;
  layers: LayerLayout[];
}


const pad4 = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);

/** The value width a head of width dv gets: 1, 2, 4 or 8 up to 8, then the next multiple of 4
 * (heads of nearby widths compile to one attention kernel; padding wide heads further would cost
 * every key of every query up to a third more value work). */
export function canonicalDv(dv: number): number {
  if (dv <= 8) {
    let p = 1;
    while (p < dv) p *= 2;
    return p;
  }
  return Math.ceil(dv / 4) * 4;
}

/** Whether a weight is a nonzero of the precision (an f32 weight that rounds to an f16 zero is
 * dropped, as the CPU reference's f16 emulation drops it). */
function stored(w: number, prec: Precision): boolean {
  return prec === 'f16' ? f16round(w) !== 0 : w !== 0;
}

function nonzeros(W: Float32Array, prec: Precision): number {
  let n = 0;
  for (let i = 0; i < W.length; i++) if (stored(W[i]!, prec)) n++;
  return n;
}

export function layoutOf(m: Model, prec: Precision): ModelLayout {
  const d = m.d;
  const V = m.vocab.length;
  const bytes = prec === 'f16' ? 2 : 4;
  const positionOnly = positionOnlyHeads(m);
  // Dense region (elements), then the sparse matrices (words).
  let el = 0;
  const dense = (n: number): number => {
    const o = el;
    el += n;
    return o;
  };
  const wTok = dense(V * d);
  const biases = m.layers.map((L) => ({ b1: dense(L.ff.m), b2: dense(d) }));
  let off = Math.ceil((el * bytes) / 4);
  const csr = (W: Float32Array, rows: number): number => {
    const o = off;
    off += rows + 1 + 2 * nonzeros(W, prec);
    return o;
  };
  const wUnembed = csr(m.unembed, V);
  const layers = m.layers.map((L, l): LayerLayout => {
    let aOff = 0;
    let kSh = 0;
    let kNs = 0;
    const heads = L.heads.map((h, hi): HeadLayout => {
      const dk4 = pad4(h.dk);
      const dv = canonicalDv(h.dv);
      const shared = positionOnly[l]![hi]!;
      const recent = targetsJustBehind(m.meta?.head_targets?.[l]?.[hi]);
      const hl: HeadLayout = { dk: h.dk, dk4, dv, dvModel: h.dv, recent, shared, aOff, kSh, kNs, wq: csr(h.wq, dk4), wk: csr(h.wk, dk4), wv: csr(h.wv, dv), wo: csr(h.wo, d) };
      aOff += dv;
      if (shared) kSh += dk4;
      else kNs += dk4;
      return hl;
    });
    const f = L.ff;
    return { heads, hdv: Math.max(1, aOff), kRowSh: kSh, kRowNs: kNs, m: f.m, w1: csr(f.w1, f.m), ...biases[l]!, w2: csr(f.w2, d), dir: 0 };
  });
  for (const L of layers) {
    L.dir = off;
    off += dirWords(L);
  }
  return { prec, bytes, d, V, positions: m.posEmb.length / d, wTok, wUnembed, wWords: Math.max(4, off), layers };
}

/** Words of a layer's directory: four per head, four for the feed-forward layer. */
const dirWords = (L: LayerLayout): number => 4 * L.heads.length + 4;

/** Index in a layer's directory of head h's matrix, or (h = -1) of the feed-forward part. */
export function dirIndex(L: Pick<LayerLayout, 'heads'>, h: number, what: 'wq' | 'wk' | 'wv' | 'wo' | 'w1' | 'b1' | 'w2' | 'b2'): number {
  if (h >= 0) return 4 * h + ['wq', 'wk', 'wv', 'wo'].indexOf(what);
  return 4 * L.heads.length + ['w1', 'b1', 'w2', 'b2'].indexOf(what);
}

/** Everything a layer kernel's code depends on besides the model's precision (layers with equal
 * keys share one compiled projection and one mix kernel; their weights come from the directory). */
export function shapeKey(L: LayerLayout): string {
  const heads = L.heads.map((h) => `${h.dk4}.${h.dv}.${h.shared ? 's' : 'n'}.${h.kSh}.${h.kNs}.${h.aOff}`).join(',');
  return `${heads}|${L.hdv}.${L.kRowSh}.${L.kRowNs}.${L.m}`;
}

/** Key/query row width of a layer for a batch of B. */
export function kRow(L: LayerLayout, B: number): number {
  return L.kRowSh + L.kRowNs * B;
}

/** Writes a rows x cols matrix in CSR form at word `at` (rows + 1 starts, then the pairs),
 * with `padRows` >= rows starts (the padding rows empty). */
function writeCsr(out: Uint32Array, at: number, W: Float32Array, rows: number, padRows: number, prec: Precision, bits: (w: number) => number): void {
  const cols = rows > 0 ? W.length / rows : 0;
  let q = at + padRows + 1;
  for (let r = 0; r < padRows; r++) {
    out[at + r] = q;
    for (let c = 0; r < rows && c < cols; c++) {
      const w = W[r * cols + c]!;
      if (stored(w, prec)) {
        out[q++] = c;
        out[q++] = bits(w);
      }
    }
  }
  out[at + padRows] = q;
}

/** The weight buffer's contents (see the file header). */
export function packWeights(m: Model, ml: ModelLayout): Uint32Array {
  const out = new Uint32Array(ml.wWords);
  const f32 = new Float32Array(1);
  const f32bits = new Uint32Array(f32.buffer);
  const bits = ml.prec === 'f16' ? f16Bits : (w: number): number => ((f32[0] = w), f32bits[0]!);
  const dense = (x: Float32Array, o: number): void => {
    if (ml.prec === 'f16') new Uint16Array(out.buffer).set(toF16Bits(x), o);
    else new Float32Array(out.buffer).set(x, o);
  };
  dense(m.tokEmb, ml.wTok);
  writeCsr(out, ml.wUnembed, m.unembed, ml.V, ml.V, ml.prec, bits);
  m.layers.forEach((layer, l) => {
    const L = ml.layers[l]!;
    layer.heads.forEach((h, i) => {
      const hl = L.heads[i]!;
      writeCsr(out, hl.wq, h.wq, h.dk, hl.dk4, ml.prec, bits);
      writeCsr(out, hl.wk, h.wk, h.dk, hl.dk4, ml.prec, bits);
      writeCsr(out, hl.wv, h.wv, h.dv, hl.dv, ml.prec, bits);
      writeCsr(out, hl.wo, h.wo, ml.d, ml.d, ml.prec, bits);
    });
    writeCsr(out, L.w1, layer.ff.w1, layer.ff.m, layer.ff.m, ml.prec, bits);
    writeCsr(out, L.w2, layer.ff.w2, ml.d, ml.d, ml.prec, bits);
    dense(layer.ff.b1, L.b1);
    dense(layer.ff.b2, L.b2);
    L.heads.forEach((hl, h) => (['wq', 'wk', 'wv', 'wo'] as const).forEach((w) => (out[L.dir + dirIndex(L, h, w)] = hl[w])));
    (['w1', 'b1', 'w2', 'b2'] as const).forEach((w) => (out[L.dir + dirIndex(L, -1, w)] = L[w]));
  });
  return out;
}
