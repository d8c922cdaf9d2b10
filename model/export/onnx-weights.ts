// A model's weights as ONNX initializers, named after their layer and head (TransformerLens'
// names: W_E, W_pos, W_U, blocks.{l}.attn.{h}.{head}.W_Q/W_K/W_V/W_O, blocks.{l}.mlp.W_in/b_in/
// W_out/b_out), stored the way the graph multiplies them: [in, out], h @ W (so W_Q, W_K, W_V,
// W_O, W_in, W_out and W_U are the transposes of the safetensors tensors). Each doc_string says
// the shape and the residual subspaces (basis names) the matrix reads or writes, read from its
// nonzero rows or columns: what Netron shows beside the name.

import type { HeadWeights, Model } from '../model.js';
import { f32Tensor, type TensorProto } from './onnx-proto.js';

export interface HeadNames {
  /** The head's label (meta head_names), e.g. fetch_a. */
  name: string;
  /** The prefix of its initializers, e.g. blocks.0.attn.0.fetch_a. */
  prefix: string;
  q: string;
  k: string;
  v: string;
  o: string;
}

export interface LayerNames {
  heads: HeadNames[];
  /** Absent when the layer has no hidden units (the feed-forward layer adds b_out alone). */
  mlp?: { wIn: string; bIn: string; wOut: string };
  bOut: string;
}

export interface WeightNames {
  embed: string;
  pos: string;
  unembed: string;
  layers: LayerNames[];
}

/** [rows, cols] row-major -> [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** A label usable inside a name: letters, digits and _ only. */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, '_') || '_';
}

/** The subspaces (basis names without [i]) of the residual coordinates where `nonzero(c)`, in basis order. */
function subspaces(basis: string[], d: number, nonzero: (c: number) => boolean): string {
  const names: string[] = [];
  for (let c = 0; c < d; c++) {
    if (!nonzero(c)) continue;
    const n = (basis[c] ?? `c${c}`).replace(/\[\d+\]$/, '');
    if (names[names.length - 1] !== n && !names.includes(n)) names.push(n);
  }
  return names.length ? names.join(', ') : 'nothing';
}

/** Rows (the residual axis of an [d, n] matrix) that hold a nonzero. */
function rowsUsed(w: Float32Array, d: number, n: number): (c: number) => boolean {
  const used = new Uint8Array(d);
  for (let c = 0; c < d; c++) for (let j = 0; j < n && !used[c]; j++) if (w[c * n + j] !== 0) used[c] = 1;
  return (c) => used[c] === 1;
}

/** Columns (the residual axis of an [n, d] matrix) that hold a nonzero. */
function colsUsed(w: Float32Array, n: number, d: number): (c: number) => boolean {
  const used = new Uint8Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) if (w[r * d + c] !== 0) used[c] = 1;
  return (c) => used[c] === 1;
}

function headTensors(h: HeadWeights, l: number, i: number, d: number, basis: string[]): { names: HeadNames; tensors: TensorProto[] } {
  const prefix = `blocks.${l}.attn.${i}.${slug(h.name)}`;
  const who = `head ${h.name} (layer ${l}, head ${i})`;
  const wq = transpose(h.wq, h.dk, d);
  const wk = transpose(h.wk, h.dk, d);
  const wv = transpose(h.wv, h.dv, d);
  const wo = transpose(h.wo, d, h.dv);
  const names = { name: h.name, prefix, q: `${prefix}.W_Q`, k: `${prefix}.W_K`, v: `${prefix}.W_V`, o: `${prefix}.W_O` };
  const tensors = [
    f32Tensor(names.q, [d, h.dk], wq, `query projection of ${who}, [d_model ${d}, d_head ${h.dk}]: q = h @ W_Q (no 1/sqrt(d) scaling). Reads ${subspaces(basis, d, rowsUsed(wq, d, h.dk))}`),
    f32Tensor(names.k, [d, h.dk], wk, `key projection of ${who}, [d_model ${d}, d_head ${h.dk}]: k = h @ W_K (the key scale is inside). Reads ${subspaces(basis, d, rowsUsed(wk, d, h.dk))}`),
    f32Tensor(names.v, [d, h.dv], wv, `value projection of ${who}, [d_model ${d}, d_value ${h.dv}]: v = h @ W_V. Reads ${subspaces(basis, d, rowsUsed(wv, d, h.dv))}`),
    f32Tensor(names.o, [h.dv, d], wo, `output projection of ${who}, [d_value ${h.dv}, d_model ${d}]: adds softmax(q k^T) v @ W_O to the residual. Writes ${subspaces(basis, d, colsUsed(wo, h.dv, d))}`),
  ];
  return { names, tensors };
}

/** Every initializer of the model's weights, and their names by role. */
export function weightInitializers(m: Model): { tensors: TensorProto[]; names: WeightNames } {
  const d = m.d;
  const V = m.vocab.length;
  const P = m.posEmb.length / d;
  const basis = m.meta.basis;
  const tensors: TensorProto[] = [];
  const wu = transpose(m.unembed, V, d);
  tensors.push(
    f32Tensor('embed.W_E', [V, d], m.tokEmb, `token embedding [vocab ${V}, d_model ${d}]: row t is added at a position holding token t (vocab in metadata_props "gatecot"). Writes ${subspaces(basis, d, colsUsed(m.tokEmb, V, d))}`),
    f32Tensor('pos_embed.W_pos', [P, d], m.posEmb, `absolute position embedding [positions ${P}, d_model ${d}]: row p is added at position p${m.meta.mode === 'positional' ? ' (the circuit lives here)' : ''}. Writes ${subspaces(basis, d, colsUsed(m.posEmb, P, d))}`),
    f32Tensor('unembed.W_U', [d, V], wu, `output layer [d_model ${d}, vocab ${V}]: logits = h @ W_U, next token = argmax (ties to the lowest id). Reads ${subspaces(basis, d, rowsUsed(wu, d, V))}`),
  );
  const layers = m.layers.map((L, l): LayerNames => {
    const heads = L.heads.map((h, i) => {
      const r = headTensors(h, l, i, d, basis);
      tensors.push(...r.tensors);
      return r.names;
    });
    const f = L.ff;
    const p = `blocks.${l}.mlp`;
    const bOut = `${p}.b_out`;
    const bias = f32Tensor(bOut, [d], f.b2, `feed-forward output bias of layer ${l} [d_model ${d}]. Writes ${subspaces(basis, d, (c) => f.b2[c] !== 0)}`);
    if (f.m === 0) {
      tensors.push(bias);
      return { heads, bOut };
    }
    const wIn = transpose(f.w1, f.m, d);
    const wOut = transpose(f.w2, d, f.m);
    const units = f.units.length ? ` (units ${f.units.slice(0, 8).join(', ')}${f.units.length > 8 ? ', ...' : ''})` : '';
    tensors.push(
      f32Tensor(`${p}.W_in`, [d, f.m], wIn, `feed-forward layer ${l}, first layer [d_model ${d}, hidden ${f.m}]${units}: relu(h @ W_in + b_in). Reads ${subspaces(basis, d, rowsUsed(wIn, d, f.m))}`),
      f32Tensor(`${p}.b_in`, [f.m], f.b1, `feed-forward layer ${l}, hidden bias [hidden ${f.m}]`),
      f32Tensor(`${p}.W_out`, [f.m, d], wOut, `feed-forward layer ${l}, second layer [hidden ${f.m}, d_model ${d}]: adds relu(...) @ W_out + b_out to the residual. Writes ${subspaces(basis, d, colsUsed(wOut, f.m, d))}`),
      bias,
    );
    return { heads, mlp: { wIn: `${p}.W_in`, bIn: `${p}.b_in`, wOut: `${p}.W_out` }, bOut };
  });
  return { tensors, names: { embed: 'embed.W_E', pos: 'pos_embed.W_pos', unembed: 'unembed.W_U', layers } };
}
