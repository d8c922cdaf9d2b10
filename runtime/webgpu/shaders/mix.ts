// The residual updates after attention: h += Σ_heads W_O a (output projection), then
// h += W2 relu(W1 h + b1) + b2 (feed-forward). Sums run left to right as in the CPU reference:
// each head's W_O a first, then the heads' outputs added in order, then added to h.

import type { LayerLayout, ModelLayout } from '../layout.js';
import { FLAT_INDEX, GRID_ARGS, PER_ELEMENT, WG, header, type ShaderSource } from './common.js';

export function outprojShader(ml: ModelLayout, L: LayerLayout): ShaderSource {
  const heads = L.heads
    .map(
      (hl) => `  {
    var o = T(0);
    for (var e = 0u; e < ${hl.dv}u; e++) { o = o + W[${hl.wo}u + x * ${hl.dv}u + e] * A[arow + ${hl.aOff}u + e]; }
    tot = tot + o;
  }`,
    )
    .join('\n');
  const code = `${header(ml.prec)}
@group(0) @binding(1) var<storage, read> W: array<T>;
@group(0) @binding(2) var<storage, read> A: array<T>;
@group(0) @binding(3) var<storage, read_write> h: array<T>;
const HDV = ${L.hdv}u;
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  ${PER_ELEMENT}
  let row = (r / P.nPos) * P.chunkCap + r % P.nPos;
  let arow = row * HDV;
  var tot = T(0);
${heads}
  h[row * D + x] = h[row * D + x] + tot;
}
`;
  return { label: 'outproj', code, bindings: ['uniform', 'read', 'read', 'rw'] };
}

export function ffnShader(ml: ModelLayout, L: LayerLayout): ShaderSource {
  const M = Math.max(1, L.m);
  const code = `${header(ml.prec)}
@group(0) @binding(1) var<storage, read> W: array<T>;
@group(0) @binding(2) var<storage, read_write> h: array<T>;
const M = ${L.m}u;
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  let D = P.dim;
  let r = ${FLAT_INDEX};
  if (r >= P.nRows * P.nPos) { return; }
  let h0 = ((r / P.nPos) * P.chunkCap + r % P.nPos) * D;
  var z: array<T, ${M}>;
  for (var u = 0u; u < M; u++) {
    var acc = T(0);
    for (var x = 0u; x < D; x++) { acc = acc + W[${L.w1}u + u * D + x] * h[h0 + x]; }
    acc = acc + W[${L.b1}u + u];
    z[u] = select(T(0), acc, acc > T(0));
  }
  for (var x = 0u; x < D; x++) {
    var f = T(0);
    for (var u = 0u; u < M; u++) { f = f + W[${L.w2}u + x * M + u] * z[u]; }
    f = f + W[${L.b2}u + x];
    h[h0 + x] = h[h0 + x] + f;
  }
}
`;
  return { label: 'ffn', code, bindings: ['uniform', 'read', 'rw'] };
}
