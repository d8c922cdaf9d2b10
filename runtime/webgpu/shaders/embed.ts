// h[b, c] = tok_emb[x_b,pos] + pos_emb[pos] for every row of a chunk (pos = pos0 + c). The
// position embedding is bound one segment at a time (it can exceed one storage binding).

import type { ModelLayout } from '../layout.js';
import { GRID_ARGS, PER_ELEMENT, WG, header, weightDecl, type ShaderSource } from './common.js';

export function embedShader(ml: ModelLayout): ShaderSource {
  const code = `${header(ml.prec)}
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
${weightDecl(ml.prec, 2)}
@group(0) @binding(3) var<storage, read> pe: array<T>;
@group(0) @binding(4) var<storage, read_write> h: array<T>;
const V = ${ml.V}u;
@compute @workgroup_size(${WG})
fn main(${GRID_ARGS}) {
  ${PER_ELEMENT}
  let b = r / P.nPos;
  let c = r % P.nPos;
  let pos = P.pos0 + c;
  let t = min(tokens[b * P.seqLen + pos], V - 1u);
  h[(b * P.chunkCap + c) * D + x] = wDense(${ml.wTok}u + t * D + x) + pe[(pos - P.posBase) * D + x];
}
`;
  return { label: 'embed', code, bindings: ['uniform', 'read', 'read', 'read', 'rw'] };
}
