// The residual updates after attention, one kernel per layer: h += Σ_heads W_O a (output
// projection), then h += W2 relu(W1 h + b1) + b2 (feed-forward). Sums run left to right over
// each weight row's nonzeros as in the CPU reference: each head's W_O a first, then the heads'
// outputs added in order, then added to h. One invocation per row: the weight reads are then
// the same for every invocation (a CPU adapter loads them once for all its lanes).

import type { LayerLayout, ModelLayout } from '../layout.js';
import { FLAT_INDEX, GRID_ARGS, WG, header, sparseDot, weightDecl, type ShaderSource } from './common.js';

/** One invocation per row of the chunk: the output projection, then the feed-forward layer. */
export function mixShader(ml: ModelLayout, L: LayerLayout): ShaderSource {
  const M = Math.max(1, L.m);
  const heads = L.heads
    .map(
      (hl) => `    {
      var o = T(0);
      ${sparseDot('o', `${hl.wo}u + x`, (c) => `A[arow + ${hl.aOff}u + ${c}]`)}
      tot = tot + o;
    }`,
    )
    .join('\n');
  const code = `${header(ml.prec)}
${weightDecl(ml.prec)}
@group(0) @binding(2) var<storage, read> A: array<T>;
@group(0) @binding(3) var<storage, read_write> h: array<T>;
const M = ${L.m}u;
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  let D = P.dim;
  let r = ${FLAT_INDEX};
  if (r >= P.nRows * P.nPos) { return; }
  let row = (r / P.nPos) * P.chunkCap + r % P.nPos;
  let h0 = row * D;
  let arow = row * ${L.hdv}u;
  for (var x = 0u; x < D; x++) {
    var tot = T(0);
${heads}
    h[h0 + x] = h[h0 + x] + tot;
  }
  var z: array<T, ${M}>;
  for (var u = 0u; u < M; u++) {
    var acc = T(0);
    ${sparseDot('acc', `${L.w1}u + u`, (c) => `h[h0 + ${c}]`)}
    acc = acc + wDense(${L.b1}u + u);
    z[u] = select(T(0), acc, acc > T(0));
  }
  for (var x = 0u; x < D; x++) {
    var f = T(0);
    ${sparseDot('f', `${L.w2}u + x`, (c) => `z[${c}]`)}
    f = f + wDense(${L.b2}u + x);
    h[h0 + x] = h[h0 + x] + f;
  }
}
`;
  return { label: 'mix', code, bindings: ['uniform', 'read', 'read', 'rw'] };
}
