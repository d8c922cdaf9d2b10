// A layer's projections for a chunk, all heads in one dispatch: q = W_Q h and k = W_K h (once
// per batch for a position-only head, else per row) and v = W_V h for every row. Keys and values
// go straight into the layer's cache segment, queries into the chunk's query buffer. Each
// invocation computes one output coordinate as a left-to-right inner product over the weight
// row's nonzeros (layout.ts), the order in which the CPU reference rounds. The weights'
// addresses come from the layer directory at P.wDir: the code depends on the layer's shape only.

import type { LayerLayout, ModelLayout } from '../layout.js';
import { FLAT_INDEX, GRID_ARGS, WG, dirWord, header, kOffExpr, kRowExpr, sparseDot, vIndex, weightDecl, type ShaderSource } from './common.js';

export function projectShader(ml: ModelLayout, L: LayerLayout): ShaderSource {
  const parts = L.heads
    .map((hl, h) => {
      const sets = hl.shared ? '1u' : 'P.nRows';
      return `  {
    let kOff = ${kOffExpr(hl)};
    let perSet = P.nPos * ${hl.dk4}u;
    let nq = ${sets} * perSet;
    if (j < 2u * nq) {
      let isK = j >= nq;
      let jj = select(j, j - nq, isK);
      let s = jj / perSet;
      let c = (jj % perSet) / ${hl.dk4}u;
      let o = jj % ${hl.dk4}u;
      let hrow = (s * P.chunkCap + c) * D;
      if (isK) {
        K[(P.pos0 + c - P.kvBase) * KROW + kOff + s * ${hl.dk4}u + o] = dotRow(${dirWord(L, h, 'wk')} + o, hrow);
      } else {
        Q[c * KROW + kOff + s * ${hl.dk4}u + o] = dotRow(${dirWord(L, h, 'wq')} + o, hrow);
      }
      return;
    }
    j = j - 2u * nq;
    let nv = P.nRows * P.nPos * ${hl.dv}u;
    if (j < nv) {
      let r = j / ${hl.dv}u;
      let e = j % ${hl.dv}u;
      let b = r / P.nPos;
      let c = r % P.nPos;
      Vc[${vIndex(L, hl, 'P.pos0 + c', 'b', 'e')}] = dotRow(${dirWord(L, h, 'wv')} + e, (b * P.chunkCap + c) * D);
      return;
    }
    j = j - nv;
  }`;
    })
    .join('\n');
  const code = `${header(ml.prec)}
${weightDecl(ml.prec)}
@group(0) @binding(2) var<storage, read> h: array<T>;
@group(0) @binding(3) var<storage, read_write> Q: array<T>;
@group(0) @binding(4) var<storage, read_write> K: array<T>;
@group(0) @binding(5) var<storage, read_write> Vc: array<T>;

fn dotRow(start: u32, h0: u32) -> T {
  var acc = T(0);
  ${sparseDot('acc', 'start', (c) => `h[h0 + ${c}]`)}
  return acc;
}

@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  let D = P.dim;
  let KROW = ${kRowExpr(L)};
  var j = ${FLAT_INDEX};
${parts}
}
`;
  return { label: 'project', code, bindings: ['uniform', 'read', 'read', 'rw', 'rw', 'rw'] };
}

/** Invocations a projection dispatch needs. */
export function projectJobs(L: LayerLayout, nRows: number, nPos: number): number {
  return L.heads.reduce((n, hl) => n + 2 * (hl.shared ? 1 : nRows) * nPos * hl.dk4 + nRows * nPos * hl.dv, 0);
}
