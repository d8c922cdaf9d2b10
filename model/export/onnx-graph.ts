// The nodes of the ONNX graph: one application of a stored layer, exactly the forward pass of
// docs/model-format.md (what runtime/cpu computes): per head q = h W_Q, k = h W_K, v = h W_V,
// scores q k^T with no 1/sqrt(d) scaling, the causal mask (Where: key j > query i gets -inf),
// Softmax over the keys, z = weights v, out = z W_O; the heads' outputs summed in order and added
// to the residual; then h + (relu(h W_in + b_in) W_out + b_out). No LayerNorm.

import type { Layer } from '../model.js';
import { attrInt, attrInts, type AttributeProto, type NodeProto } from './onnx-proto.js';
import type { LayerNames } from './onnx-weights.js';

/**
 * The nodes of one graph (the main graph or the loop body). Every value it makes is named
 * scope + name, so a loop body's values never shadow the main graph's (ONNX forbids it).
 */
export class Nodes {
  readonly list: NodeProto[] = [];
  constructor(readonly scope: string) {}

  /** Adds a node with one output, named (and its node named) scope + output; returns that name. */
  add(opType: string, input: string[], output: string, attribute: AttributeProto[] = [], docString = ''): string {
    const out = this.scope + output;
    this.list.push({ opType, name: out, input, output: [out], attribute, ...(docString ? { docString } : {}) });
    return out;
  }
}

/** Values every layer reads: the causal mask ([S, S] bool, true where key j <= query i) and -inf. */
export interface Shared {
  mask: string;
  negInf: string;
}

function attention(g: Nodes, l: number, layer: Layer, w: LayerNames, h: string, s: Shared): string | undefined {
  let acc: string | undefined;
  layer.heads.forEach((hd, i) => {
    const n = w.heads[i]!;
    // a head without value coordinates adds exactly 0: the sum is the same without it
    if (hd.dv === 0) return;
    const p = n.prefix;
    const q = g.add('MatMul', [h, n.q], `${p}/q`);
    const k = g.add('MatMul', [h, n.k], `${p}/k`);
    const v = g.add('MatMul', [h, n.v], `${p}/v`);
    const kT = g.add('Transpose', [k], `${p}/k_T`, [attrInts('perm', [0, 2, 1])]);
    const scores = g.add('MatMul', [q, kT], `${p}/scores`, [], `head ${hd.name}: q . k for every (query, key) pair, no 1/sqrt(d) scaling`);
    const masked = g.add('Where', [s.mask, scores, s.negInf], `${p}/causal`, [], 'causal: position i sees keys 0..i (later keys get -inf)');
    const weights = g.add('Softmax', [masked], `${p}/pattern`, [attrInt('axis', -1)], 'softmax over the visible keys');
    const z = g.add('MatMul', [weights, v], `${p}/z`);
    const out = g.add('MatMul', [z, n.o], `${p}/out`);
    acc = acc === undefined ? out : g.add('Add', [acc, out], `blocks.${l}.attn/sum_${i}`);
  });
  return acc;
}

/** One application of stored layer l to the residual h ([B, S, d]); returns the new residual's name. */
export function applyLayer(g: Nodes, l: number, layer: Layer, w: LayerNames, h: string, s: Shared): string {
  const acc = attention(g, l, layer, w, h, s);
  const mid = acc === undefined ? h : g.add('Add', [h, acc], `blocks.${l}/resid_mid`, [], `layer ${l}: residual + the sum of its heads`);
  let ff = w.bOut;
  if (w.mlp) {
    const pre = g.add('MatMul', [mid, w.mlp.wIn], `blocks.${l}.mlp/h_W_in`);
    const hidden = g.add('Add', [pre, w.mlp.bIn], `blocks.${l}.mlp/pre`);
    const act = g.add('Relu', [hidden], `blocks.${l}.mlp/post`);
    const out = g.add('MatMul', [act, w.mlp.wOut], `blocks.${l}.mlp/post_W_out`);
    ff = g.add('Add', [out, w.bOut], `blocks.${l}.mlp/out`);
  }
  return g.add('Add', [mid, ff], `blocks.${l}/resid_post`, [], `layer ${l}: residual + its feed-forward output`);
}
