// A model's weights rounded once to the arithmetic's number format (the paper's parameters are
// numbers of the format too). The position embedding stays as it is (it can be large) and is
// rounded row by row when read.

import type { Model } from '../../model/index.js';
import type { Arith } from '../arith.js';
import { positionOnlyHeads } from '../position-only.js';
import { kernelsFor, type Kernels } from './kernels.js';

export interface PreparedHead {
  name: string;
  dk: number;
  dv: number;
  wq: Float64Array;
  wk: Float64Array;
  wv: Float64Array;
  wo: Float64Array;
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
  layers: PreparedLayer[];
}

function rounded(a: Arith, x: Float32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a.round(x[i]!);
  return out;
}


export function prepare(m: Model, a: Arith): PreparedModel {
  const positionOnly = positionOnlyHeads(m);
  return {
    model: m,
    arith: a,
    k: kernelsFor(a),
    d: m.d,
    V: m.vocab.length,
    tok: rounded(a, m.tokEmb),
    unembed: rounded(a, m.unembed),
    layers: m.layers.map((L, l) => ({
      heads: L.heads.map((h, hi) => ({
        name: h.name,
        dk: h.dk,
        dv: h.dv,
        wq: rounded(a, h.wq),
        wk: rounded(a, h.wk),
        wv: rounded(a, h.wv),
        wo: rounded(a, h.wo),
        positionOnly: positionOnly[l]![hi]!,
      })),
      m: L.ff.m,
      w1: rounded(a, L.ff.w1),
      b1: rounded(a, L.ff.b1),
      w2: rounded(a, L.ff.w2),
      b2: rounded(a, L.ff.b2),
      units: L.ff.units,
    })),
  };
}
