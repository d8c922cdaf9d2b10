// logits = W_U h (over each row's nonzeros) and the argmax (ties and NaN to the lowest id, as the CPU reference), on the
// GPU. Teacher forcing writes the argmax of position p to out[b, p]; generation writes it as
// the token at p + 1 of the token buffer that the next step's embedding reads, so the chosen
// token never goes through the host.

import type { ModelLayout } from '../layout.js';
import { FLAG_GENERATE, FLAG_LOGITS, GRID_ARGS, PER_ROW, WG, header, sparseDot, weightDecl, type ShaderSource } from './common.js';

export function unembedShader(ml: ModelLayout): ShaderSource {
  const code = `${header(ml.prec)}
${weightDecl(ml.prec)}
@group(0) @binding(2) var<storage, read> h: array<T>;
@group(0) @binding(3) var<storage, read_write> logits: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<u32>;
const V = ${ml.V}u;
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  ${PER_ROW}
  var best = 0u;
  var ninf = 0xff800000u; // a var, so the -infinity is not a (rejected) constant expression
  var bv = bitcast<f32>(ninf);
  for (var v = 0u; v < V; v++) {
    var acc = T(0);
    ${sparseDot('acc', `${ml.wUnembed}u + v`, (c) => `h[h0 + ${c}]`)}
    let y = f32(acc);
    if ((P.flags & ${FLAG_LOGITS}u) != 0u) { logits[row * V + v] = y; }
    if (y > bv) { bv = y; best = v; }
  }
  let pos = P.pos0 + c;
  if ((P.flags & ${FLAG_GENERATE}u) != 0u) {
    if (pos >= P.writeFrom && pos + 1u < P.seqLen) { dst[b * P.seqLen + pos + 1u] = best; }
  } else {
    dst[b * P.seqLen + pos] = best;
  }
}
`;
  return { label: 'unembed', code, bindings: ['uniform', 'read', 'read', 'rw', 'rw'] };
}
