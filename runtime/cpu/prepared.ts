// A model's weights rounded once to the arithmetic's number format (the paper's parameters are
// numbers of the format too), each matrix also in compressed sparse row form (what the kernels
// multiply by: sparse.ts). The position embedding stays as it is (it can be large) and is
// rounded row by row when read.

import { appliedLayers, loopCount, type Model } from '../../model/index.js';
import type { Arith } from '../arith.js';
import { positionOnlyHeads } from '../position-only.js';
import { kernelsFor, type Kernels } from './kernels.js';
import { toCsr, type Csr } from './sparse.js';

export interface PreparedHead {
  name: string;
  dk: number;
  dv: number;
  wq: Float64Array;
  wk: Float64Array;
  wv: Float64Array;
  wo: Float64Array;
  /** The same four matrices in CSR form. */
  sparse: { wq: Csr; wk: Csr; wv: Csr; wo: Csr };
  /** Queries and keys read no coordinate that any token embedding touches (layer 0 only):
   *  scores then depend on positions alone and are computed once for a whole batch. */
  positionOnly: boolean;
}

export interface PreparedLayer {
  heads: PreparedHead[];
  m: number;
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
  /** W1 and W2 in CSR form. */
  sparse: { w1: Csr; w2: Csr };
  units: string[];
}

export interface PreparedModel {
  model: Model;
  arith: Arith;
  k: Kernels;
  d: number;
  V: number;
  tok: Float64Array;
  unembed: Float64Array;
  /** The unembedding in CSR form. */
  sparse: { unembed: Csr };
  /** The layers in the order they are applied (a looped block's layers recur: the same objects). */
  layers: PreparedLayer[];
  /** The stored layers, each prepared once. */
  distinct: PreparedLayer[];
  /** For each applied layer, its index among the stored ones. */
  stored: number[];
  /** Looped models: the loop count this engine runs. */
  loops?: number;
}

function rounded(a: Arith, x: Float32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a.round(x[i]!);
  return out;
}

export function prepare(m: Model, a: Arith, opts: { loops?: number } = {}): PreparedModel {
  const stored = appliedLayers(m.meta, opts.loops);
  const loops = loopCount(m.meta, opts.loops);
  const positionOnly = positionOnlyHeads(m);
  const d = m.d;
  const V = m.vocab.length;
  const unembed = rounded(a, m.unembed);
  const pm: Omit<PreparedModel, 'layers'> = {
    model: m,
    arith: a,
    k: kernelsFor(a),
    d,
    V,
    tok: rounded(a, m.tokEmb),
    unembed,
    sparse: { unembed: toCsr(unembed, V, d) },
    ...(loops !== undefined ? { loops } : {}),
    stored,
    distinct: m.layers.map((L, l) => {
      const { m: units, w1: W1, w2: W2 } = L.ff;
      const w1 = rounded(a, W1);
      const w2 = rounded(a, W2);
      return {
        heads: L.heads.map((h, hi) => {
          const [wq, wk, wv, wo] = [h.wq, h.wk, h.wv, h.wo].map((w) => rounded(a, w)) as [Float64Array, Float64Array, Float64Array, Float64Array];
          return {
            name: h.name,
            dk: h.dk,
            dv: h.dv,
            wq,
            wk,
            wv,
            wo,
            sparse: { wq: toCsr(wq, h.dk, d), wk: toCsr(wk, h.dk, d), wv: toCsr(wv, h.dv, d), wo: toCsr(wo, d, h.dv) },
            positionOnly: positionOnly[l]![hi]!,
          };
        }),
        m: units,
        w1,
        b1: rounded(a, L.ff.b1),
        w2,
        b2: rounded(a, L.ff.b2),
        sparse: { w1: toCsr(w1, units, d), w2: toCsr(w2, d, units) },
        units: L.ff.units,
      };
    }),
  };
  return { ...pm, layers: stored.map((l) => pm.distinct[l]!) };
}
