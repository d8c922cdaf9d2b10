// The residual updates after attention, one kernel per layer: h += Σ_heads W_O a (output
// projection), then h += W2 relu(W1 h + b1) + b2 (feed-forward). Sums run left to right over
// each weight row's nonzeros as in the CPU reference: each head's W_O a first, then the heads'
// outputs added in order, then added to h. One invocation per row: the weight reads are then
// the same for every invocation (a CPU adapter loads them once for all its lanes). The weights'
// addresses come from the layer directory at P.wDir: the code depends on the layer's shape only.

import type { LayerLayout, ModelLayout } from '../layout.js';
import { GRID_ARGS, PER_ROW, WG, dirWord, header, sparseDot, weightDecl, type ShaderSource } from './common.js';

/** One invocation per row of the chunk: the output projection, then the feed-forward layer. */
export function mixShader(ml: ModelLayout, L: LayerLayout): ShaderSource {
  const M = Math.max(1, L.m);
  const heads = L.heads
    .map(
      (hl, h) => `    {
      var o = T(0);
      ${sparseDot('o', `wo${h} + x`, (c) => `A[arow + ${hl.aOff}u + ${c}]`)}
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
  ${PER_ROW}
  let arow = row * ${L.hdv}u;
${L.heads.map((_, h) => `  let wo${h} = ${dirWord(L, h, 'wo')};`).join('\n')}
  let w1 = ${dirWord(L, -1, 'w1')};
  let b1 = ${dirWord(L, -1, 'b1')};
  let w2 = ${dirWord(L, -1, 'w2')};
  let b2 = ${dirWord(L, -1, 'b2')};
  for (var x = 0u; x < D; x++) {
    var tot = T(0);
${heads}
    h[h0 + x] = h[h0 + x] + tot;
  }
  var z: array<T, ${M}>;
  for (var u = 0u; u < M; u++) {
    var acc = T(0);
    ${sparseDot('acc', 'w1 + u', (c) => `h[h0 + ${c}]`)}
    acc = acc + wDense(b1 + u);
    z[u] = select(T(0), acc, acc > T(0));
  }
  for (var x = 0u; x < D; x++) {
    var f = T(0);
    ${sparseDot('f', 'w2 + x', (c) => `z[${c}]`)}
    f = f + wDense(b2 + x);
    h[h0 + x] = h[h0 + x] + f;
  }
}
`;
  return { label: 'mix', code, bindings: ['uniform', 'read', 'read', 'rw'] };
}
