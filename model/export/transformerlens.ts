// Export to TransformerLens (HookedTransformer): a config of HookedTransformerConfig fields and a
// state dict under TransformerLens's names and shapes. gatecot's forward pass is TransformerLens's
// with normalization_type None (no LayerNorm), use_attn_scale False (no 1/sqrt(d_head)), a ReLU
// MLP and a "standard" (absolute, learned) position embedding, so the weights are transposes:
//   embed.W_E [V, d] = tok_emb              pos_embed.W_pos [n_ctx, d] = pos_emb
//   blocks.L.attn.W_Q/W_K [H, d, D] = w_q/w_k transposed, W_V [H, d, D] = w_v transposed
//   blocks.L.attn.W_O [H, D, d] = w_o transposed;  b_Q, b_K, b_V [H, D], b_O [d]: zeros
//   blocks.L.mlp.W_in [d, M] = w1 transposed, b_in [M] = b1, W_out [M, d] = w2 transposed, b_out = b2
//   unembed.W_U [d, V] = unembed transposed, b_U [V]: zeros
// TransformerLens has one head count H and one head width D per model and one MLP width M: heads
// are padded with zero columns to D = the widest head, layers with zero heads to H = the most heads
// (zero W_Q/W_K give a uniform pattern, zero W_V/W_O add nothing), MLPs with zero units to M
// (relu(0) = 0 through a zero W_out row). TransformerLens has no loops: a looped model is unrolled,
// block L being stored layer applied_layers[L] (the model's loop count, or the one given).

import { appliedLayers, loopCount } from '../schedule.js';
import { encodeSafetensors, type Tensor } from '../safetensors.js';
import { storedMetaJson } from '../file.js';
import { maxPositions, type Model } from '../model.js';

/** HookedTransformerConfig fields (HookedTransformerConfig(**config) builds it). */
export interface TlConfig {
  model_name: string;
  n_layers: number;
  d_model: number;
  d_head: number;
  n_heads: number;
  d_mlp: number;
  d_vocab: number;
  d_vocab_out: number;
  n_ctx: number;
  act_fn: 'relu';
  normalization_type: null;
  positional_embedding_type: 'standard';
  use_attn_scale: false;
  attn_only: false;
  gated_mlp: false;
  parallel_attn_mlp: false;
  final_rms: false;
  default_prepend_bos: false;
  tokenizer_name: null;
  original_architecture: null;
  init_weights: false;
}

/** What the export did beyond renaming: stored in the state dict's metadata as "gatecot_export". */
export interface TlNotes {
  to: 'transformerlens';
  /** blocks.L is stored layer applied_layers[L]. */
  applied_layers: number[];
  /** Looped models: how often the block was unrolled (null: no loop). */
  loops: number | null;
  /** Per stored layer: the real head count and each head's (dk, dv), and the real MLP width. */
  layers: { heads: { name: string; dk: number; dv: number }[]; d_mlp: number }[];
}

export interface TlExport {
  config: TlConfig;
  notes: TlNotes;
  /** safetensors bytes: the state dict, and the metadata "gatecot" (the model's) and "gatecot_export" (TlNotes). */
  stateDict: Uint8Array;
}

export interface TlOptions {
  /** Looped models: unroll the block this many times (default: the model's own count). */
  loops?: number;
  /** config.model_name (default "gatecot"). */
  name?: string;
}

/** Row-major [rows, cols] source matrix `src` transposed into `dst` (row stride `stride`) at `offset`. */
function putTransposed(dst: Float32Array, offset: number, stride: number, src: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[offset + c * stride + r] = src[r * cols + c]!;
}

function transposed(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  putTransposed(out, 0, rows, src, rows, cols);
  return out;
}

/** The tensors of one stored layer, under blocks.{L}. */
function blockTensors(m: Model, l: number, L: number, H: number, D: number, M: number): [string, Tensor][] {
  const d = m.d;
  const layer = m.layers[l]!;
  const wq = new Float32Array(H * d * D);
  const wk = new Float32Array(H * d * D);
  const wv = new Float32Array(H * d * D);
  const wo = new Float32Array(H * D * d);
  layer.heads.forEach((h, i) => {
    putTransposed(wq, i * d * D, D, h.wq, h.dk, d); // [dk, d] -> W_Q[i][:, :dk]
    putTransposed(wk, i * d * D, D, h.wk, h.dk, d);
    putTransposed(wv, i * d * D, D, h.wv, h.dv, d);
    putTransposed(wo, i * D * d, d, h.wo, d, h.dv); // [d, dv] -> W_O[i][:dv, :]
  });
  const f = layer.ff;
  const wIn = new Float32Array(d * M);
  putTransposed(wIn, 0, M, f.w1, f.m, d); // [m, d] -> W_in[:, :m]
  const bIn = new Float32Array(M);
  bIn.set(f.b1);
  const wOut = new Float32Array(M * d);
  wOut.set(transposed(f.w2, d, f.m)); // [d, m] -> W_out[:m, :]
  const p = `blocks.${L}`;
  return [
    [`${p}.attn.W_Q`, { shape: [H, d, D], data: wq }],
    [`${p}.attn.W_K`, { shape: [H, d, D], data: wk }],
    [`${p}.attn.W_V`, { shape: [H, d, D], data: wv }],
    [`${p}.attn.W_O`, { shape: [H, D, d], data: wo }],
    [`${p}.attn.b_Q`, { shape: [H, D], data: new Float32Array(H * D) }],
    [`${p}.attn.b_K`, { shape: [H, D], data: new Float32Array(H * D) }],
    [`${p}.attn.b_V`, { shape: [H, D], data: new Float32Array(H * D) }],
    [`${p}.attn.b_O`, { shape: [d], data: new Float32Array(d) }],
    [`${p}.mlp.W_in`, { shape: [d, M], data: wIn }],
    [`${p}.mlp.b_in`, { shape: [M], data: bIn }],
    [`${p}.mlp.W_out`, { shape: [M, d], data: wOut }],
    [`${p}.mlp.b_out`, { shape: [d], data: f.b2 }],
  ];
}

/** The TransformerLens config and state dict of a model (a looped one unrolled). */
export function transformerLensExport(m: Model, opts: TlOptions = {}): TlExport {
  if (opts.loops !== undefined) loopCount(m.meta, opts.loops); // refuses a count for a model without a loop
  const applied = appliedLayers(m.meta, opts.loops);
  const d = m.d;
  const V = m.vocab.length;
  const H = Math.max(1, ...m.layers.map((L) => L.heads.length));
  const D = Math.max(1, ...m.layers.flatMap((L) => L.heads.map((h) => Math.max(h.dk, h.dv))));
  const M = Math.max(1, ...m.layers.map((L) => L.ff.m));
  const P = maxPositions(m);
  const config: TlConfig = {
    model_name: opts.name ?? 'gatecot',
    n_layers: applied.length,
    d_model: d,
    d_head: D,
    n_heads: H,
    d_mlp: M,
    d_vocab: V,
    d_vocab_out: V,
    n_ctx: P,
    act_fn: 'relu',
    normalization_type: null,
    positional_embedding_type: 'standard',
    use_attn_scale: false,
    attn_only: false,
    gated_mlp: false,
    parallel_attn_mlp: false,
    final_rms: false,
    default_prepend_bos: false,
    tokenizer_name: null,
    original_architecture: null,
    init_weights: false,
  };
  const notes: TlNotes = {
    to: 'transformerlens',
    applied_layers: applied,
    loops: m.meta.loop ? (opts.loops ?? m.meta.loop.count) : null,
    layers: m.layers.map((L) => ({ heads: L.heads.map((h) => ({ name: h.name, dk: h.dk, dv: h.dv })), d_mlp: L.ff.m })),
  };
  const tensors: [string, Tensor][] = [
    ['embed.W_E', { shape: [V, d], data: m.tokEmb }],
    ['pos_embed.W_pos', { shape: [P, d], data: m.posEmb }],
  ];
  applied.forEach((l, L) => tensors.push(...blockTensors(m, l, L, H, D, M)));
  tensors.push(['unembed.W_U', { shape: [d, V], data: transposed(m.unembed, V, d) }]);
  tensors.push(['unembed.b_U', { shape: [V], data: new Float32Array(V) }]);
  const stateDict = encodeSafetensors(tensors, { format: 'pt', gatecot: storedMetaJson(m), gatecot_export: JSON.stringify(notes) });
  return { config, notes, stateDict };
}

/** The README.md written beside the export. */
export function transformerLensReadme(x: TlExport, m: Model): string {
  const c = x.config;
  const lp = m.meta.loop;
  const unrolled = lp
    ? `\nThe model is looped (stored layers ${lp.start}..${lp.end - 1} applied ${x.notes.loops} times); TransformerLens has no loops, so the\nblock is UNROLLED: blocks.L is stored layer applied_layers[L] = ${JSON.stringify(x.notes.applied_layers)}.\n${m.meta.mode === 'uniform' ? `A circuit needs at most as many loops as its depth: this export serves circuits of depth <= ${x.notes.loops}.\n` : ''}`
    : '';
  return `# gatecot model for TransformerLens

- config.json: HookedTransformerConfig fields: ${c.n_layers} layers, ${c.n_heads} heads of width ${c.d_head}, d_model ${c.d_model}, d_mlp ${c.d_mlp}, vocabulary ${c.d_vocab}, n_ctx ${c.n_ctx};
  no LayerNorm (normalization_type null), no attention scaling (use_attn_scale false), ReLU MLP, absolute position embedding.
- state_dict.safetensors: the weights under TransformerLens's names; its metadata holds the gatecot
  metadata ("gatecot": the sequence contract of docs/model-format.md) and "gatecot_export" (how it was padded and unrolled).
- circuit_map.json: the ground truth: for every wire of the circuit, the positions, heads (with the
  positions they attend to), feed-forward blocks and residual subspaces that compute it (docs/model-format.md, "circuit_map.json").

Heads are padded with zeros to one width (${c.d_head}) and one count per layer (${c.n_heads}), the MLP to ${c.d_mlp} units:
padded heads and units add nothing. The vocabulary is gatecot's (no tokenizer): feed token ids.
${unrolled}
Load it (torch and transformer_lens installed):

    from safetensors.torch import load_file
    model = HookedTransformer(HookedTransformerConfig(**json.load(open("config.json"))))
    model.load_state_dict(load_file("state_dict.safetensors"), strict=False)   # missing: only the attention masks

gatecot's examples/python/transformerlens.py does this, runs it with hooks and checks it.
`;
}
