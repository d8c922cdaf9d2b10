// The model as the multi-layer certifier sees it: the prepared weights in sparse form, each
// head's match structure, the tokens each position may hold, and one layer of the forward pass
// over boxes (proofs/uniform/ops.ts) given each head's output.

import type { Bound } from '../../model/index.js';
import type { Csr, PreparedModel } from '../../runtime/index.js';
import { matchStructure, type MatchStructure } from './match.js';
import { newBox, type Box, type BoxOps } from './ops.js';

export interface CsrHead {
  wq: Csr;
  wk: Csr;
  wv: Csr;
  wo: Csr;
  dv: number;
  struct: MatchStructure;
}

export interface CsrLayer {
  heads: CsrHead[];
  m: number;
  w1: Csr;
  b1: Float64Array;
  w2: Csr;
  b2: Float64Array;
}

export interface Network {
  bound: Bound;
  pm: PreparedModel;
  ops: BoxOps;
  d: number;
  layers: CsrLayer[];
  unembed: Csr;
  /** options[p]: the token ids position p can hold (by the wire bit: [bit 0, bit 1], or one fixed token). */
  options: Int32Array[];
  /** wireOf[p]: the wire whose value chooses the token at p, or -1 for a fixed token. */
  wireOf: Int32Array;
}

/** The network, or why the certifier cannot treat this model (a head that is not a match head). */
export function network(bound: Bound, pm: PreparedModel, ops: BoxOps): Network | string {
  const d = pm.d;
  const layers: CsrLayer[] = [];
  for (let l = 0; l < pm.layers.length; l++) {
    const L = pm.layers[l]!;
    const heads: CsrHead[] = [];
    for (const hd of L.heads) {
      const struct = matchStructure(pm, l, hd);
      if (typeof struct === 'string') return struct;
      heads.push({ ...hd.sparse, dv: hd.dv, struct });
    }
    layers.push({ heads, m: L.m, w1: L.sparse.w1, b1: L.b1, w2: L.sparse.w2, b2: L.b2 });
  }
  const { seq } = bound;
  const vocab = bound.model.vocab;
  const id = (t: string) => vocab.indexOf(t);
  const S = seq.seqLen;
  const options: Int32Array[] = new Array(S);
  const wireOf = new Int32Array(S).fill(-1);
  const entries = [...seq.prompt, ...seq.cotTemplate];
  entries.forEach((e, p) => {
    if (typeof e === 'number') {
      options[p] = Int32Array.of(e);
      return;
    }
    wireOf[p] = Number(e.slice(1));
    options[p] = e[0] === 'c' ? Int32Array.of(id('FALSE'), id('TRUE')) : Int32Array.of(id('0'), id('1'));
  });
  return { bound, pm, ops, d, layers, unembed: pm.sparse.unembed, options, wireOf };
}

/** The embedding box at p: the token fixed by `bit` (undefined: the hull of both alternatives). */
export function embedAt(net: Network, p: number, bit: number | undefined): Box {
  const { pm, ops, d } = net;
  const opts = net.options[p]!;
  const pos = pm.model.posEmb;
  if (opts.length === 1 || bit !== undefined) return ops.embed(pm.tok, opts[opts.length === 1 ? 0 : bit!]! * d, pos, p * d, d);
  const a = ops.embed(pm.tok, opts[0]! * d, pos, p * d, d);
  const b = ops.embed(pm.tok, opts[1]! * d, pos, p * d, d);
  for (let c = 0; c < d; c++) {
    a.lo[c] = Math.min(a.lo[c]!, b.lo[c]!);
    a.hi[c] = Math.max(a.hi[c]!, b.hi[c]!);
  }
  return a;
}

/** Layer l at one position: h plus every head's W_O·output, then the feed-forward layer. */
export function layerStep(net: Network, l: number, h: Box, headOut: Box[]): Box {
  const { ops } = net;
  const L = net.layers[l]!;
  const os = L.heads.map((hd, i) => ops.matvec(hd.wo, headOut[i]!));
  const h1 = ops.residual(h, os);
  if (L.m === 0) return h1;
  const z = ops.relu(ops.matvec(L.w1, h1, L.b1));
  const f = ops.matvec(L.w2, z, L.b2);
  return ops.residual(h1, [f]);
}

export const zeroBox = (n: number): Box => newBox(n);
