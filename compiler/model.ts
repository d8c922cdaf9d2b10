// The model object every executor reads: hand-set weights of a decoder-only transformer in the
// class of LLZM24 §3 (token + absolute position embedding; per layer a sum of causal softmax
// heads without 1/sqrt(d), then a ReLU feed-forward layer; residual adds; no LayerNorm; output
// logits; greedy argmax). All matrices are row-major Float32Array.

export const MODEL_FORMAT_VERSION = 1;

export type CotFormat = '4tok' | 'gate';

export interface HeadWeights {
  /** Label shown in traces, e.g. "fetch_a". */
  name: string;
  dk: number;
  dv: number;
  wq: Float32Array; // [dk, d]
  wk: Float32Array; // [dk, d]
  wv: Float32Array; // [dv, d]
  wo: Float32Array; // [d, dv]
}

export interface FeedForward {
  m: number;
  w1: Float32Array; // [m, d]
  b1: Float32Array; // [m]
  w2: Float32Array; // [d, m]
  b2: Float32Array; // [d]
  /** Labels of the hidden units, for traces. */
  units: string[];
}

export interface Layer {
  heads: HeadWeights[];
  ff: FeedForward;
}

/** A prompt entry: a token id, or "x<k>" = the token "0"/"1" of input wire k. */
export type PromptEntry = number | string;
/** A CoT entry: a token id, or "w<k>" = the token "0"/"1" of wire k's value. */
export type CotEntry = number | string;

export interface ModelMeta {
  format_version: number;
  vocab: string[];
  d_model: number;
  n_layers: number;
  heads: number[];
  cot: CotFormat;
  scale: number;
  prompt: PromptEntry[];
  cot_length: number;
  /** The expected CoT as a template over wire values (what direct evaluation predicts). */
  cot_template: CotEntry[];
  /** For each output wire (groups concatenated), the 0-based position whose token is its value. */
  outputs: number[];
  /** Sequence length S = prompt.length + cot_length. */
  seq_len: number;
  /** Position-code width k = ceil(log2(S + 1)). */
  pos_bits: number;
  /** Label of every residual coordinate. */
  basis: string[];
  circuit: string;
  circuit_name: string;
  circuit_hash: string;
  n_inputs: number;
  n_gates: number;
  /** Present only in deliberately miscompiled models (compiler/faults.ts). */
  fault?: string;
}

export interface Model {
  d: number;
  vocab: string[];
  tokEmb: Float32Array; // [V, d]
  posEmb: Float32Array; // [P, d]
  unembed: Float32Array; // [V, d]
  layers: Layer[];
  meta: ModelMeta;
}

export function maxPositions(m: Model): number {
  return m.posEmb.length / m.d;
}

export function tokenId(m: { vocab: string[] }, tok: string): number {
  const i = m.vocab.indexOf(tok);
  if (i < 0) throw new Error(`token ${tok} not in the vocabulary`);
  return i;
}
