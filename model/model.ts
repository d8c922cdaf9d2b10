// The model object every executor reads: hand-set weights of a decoder-only transformer in the
// class of LLZM24 §3 (token + absolute position embedding; per layer a sum of causal softmax
// heads without 1/sqrt(d), then a ReLU feed-forward layer; residual adds; no LayerNorm; output
// logits; greedy argmax). All matrices are row-major Float32Array.
//
// The metadata says what the model means (its sequence contract, model/contract.ts): how a
// prompt is built, where outputs are read, and what every head is meant to attend to. Engines,
// verify, trace and the proofs read it; none of them re-runs the compiler's planner.

import type { BlockSpaces } from './basis.js';

export const MODEL_FORMAT_VERSION = 2;

export type CotFormat = '4tok' | 'gate';

/** positional: one circuit in the weights (LLZM24 Thm 3.3); uniform: the circuit is in the prompt. */
export type ModelMode = 'positional' | 'uniform';

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

/**
 * A prompt entry: a token id, "x<k>" = the token "0"/"1" of input wire k's value, or (uniform
 * models) "c<k>" = the constant-gate token "FALSE"/"TRUE" that carries input wire k's value.
 */
export type PromptEntry = number | string;
/** A CoT entry: a token id, or "w<k>" = the token "0"/"1" of wire k's value. */
export type CotEntry = number | string;

/**
 * What a head is meant to attend to at each position (model/contract.ts evaluates these):
 *   positions        data: target[p] for every position p (-1: no intended target)
 *   group-slot       uniform: the token at slot min(offset, slot(p)) of p's own group
 *   previous-group   uniform: the last token of the group before p's (p itself at position 0)
 *   description      uniform: the own-id token of the description whose id starts p's group
 *   next-description uniform: the own-id token of the description after that one
 *   operand-value    uniform: the value token of the wire named by that description's first
 *                    operand (at slot 0) or second operand (at slot 1); none at slots 2, 3
 *   operand-description  uniform looped: the own-id position (slot 3) of the description whose
 *                    id is the token at slot min(offset, slot(p)) of p's group; <bos> (position
 *                    0, the key of id 0) where that token is no id (NA, a type)
 */
export type TargetRule =
  | { rule: 'positions'; positions: number[] }
  | { rule: 'group-slot'; offset: number }
  | { rule: 'previous-group' }
  | { rule: 'description' }
  | { rule: 'next-description' }
  | { rule: 'operand-value' }
  | { rule: 'operand-description'; offset: number };

/**
 * A looped model (SSRKR25): layers[start..end) form ONE block, stored once and applied `count`
 * times in a row (the engines run the loop); layers before it are the prelude, after it the coda.
 * `count` is the construction's choice (a circuit's depth, its gate count); engines accept an
 * override (model/schedule.ts).
 */
export interface LoopSpec {
  start: number;
  end: number;
  count: number;
  /**
   * What `count` is for this model: "depth" (parallel latent thoughts), "gates" (one gate per loop),
   * "capacity" (a uniform looped model: N, which every circuit it serves needs at most; run with
   * the bound circuit's depth, BoundSequence.loops).
   */
  count_is: 'depth' | 'gates' | 'capacity';
}

/**
 * Where a model's answer is read. token (CoT models): outputs are positions whose TOKEN is a
 * wire's value (written by the argmax at the position before). argmax (latent models, no CoT):
 * the argmax AT an output position is that wire's value.
 */
export type Readout = 'token' | 'argmax';

/** How the construction computes: gate-by-gate CoT, or latent (looped / deep, no CoT tokens). */
export type Construction = 'cot' | 'looped' | 'looped-cot' | 'deep';

interface MetaCommon {
  format_version: number;
  mode: ModelMode;
  vocab: string[];
  d_model: number;
  n_layers: number;
  heads: number[];
  cot: CotFormat;
  /** Key scale λ of the retrieval heads (informational: it is inside w_k). */
  scale: number;
  /** Position-code width. */
  pos_bits: number;
  /** Label of every residual coordinate. */
  basis: string[];
  /** head_targets[l][h]: what head h of layer l is meant to attend to. */
  head_targets: TargetRule[][];
  /** The construction's blocks and the subspaces each reads and writes (checked at compile time). */
  blocks?: BlockSpaces[];
  /** Present only in deliberately miscompiled models (compiler/faults.ts). */
  fault?: string;
  /** Looped models: the shared block and how often it is applied (absent: every layer once). */
  loop?: LoopSpec;
  /** Absent: 'token'. */
  readout?: Readout;
  /** Absent: 'cot'. */
  construction?: Construction;
}

/** A positional model: its circuit, prompt, CoT template and output positions are fixed. */
export interface PositionalMeta extends MetaCommon {
  mode: 'positional';
  prompt: PromptEntry[];
  cot_length: number;
  /** The expected CoT as a template over wire values (what direct evaluation predicts). */
  cot_template: CotEntry[];
  /** For each output wire (groups concatenated), the 0-based position whose token is its value. */
  outputs: number[];
  /** Sequence length S = prompt.length + cot_length. */
  seq_len: number;
  circuit: string;
  circuit_name: string;
  circuit_hash: string;
  n_inputs: number;
  n_gates: number;
}

/** A uniform model: one set of weights for every circuit of at most `capacity` wires. */
export interface UniformMeta extends MetaCommon {
  mode: 'uniform';
  /** N: the most wires (inputs + gates) a circuit may have. */
  capacity: number;
  /** Longest sequence: 1 + 8N (prompt of 1 + 4W tokens, CoT of 4W tokens); 1 + 4N for a uniform
   * looped model (construction 'looped': the prompt only). */
  max_seq_len: number;
  /** Width of a wire-id code: ids 0..2^id_bits - 1 (0 names no wire). */
  id_bits: number;
  /** Position p has the label p + label_offset; its slot is label mod 4, its group label div 4. */
  label_offset: number;
}

export type ModelMeta = PositionalMeta | UniformMeta;

export interface Model {
  d: number;
  vocab: string[];
  tokEmb: Float32Array; // [V, d]
  posEmb: Float32Array; // [P, d]
  unembed: Float32Array; // [V, d]
  layers: Layer[];
  meta: ModelMeta;
}

export type PositionalModel = Model & { meta: PositionalMeta };
export type UniformModel = Model & { meta: UniformMeta };

export function maxPositions(m: Model): number {
  return m.posEmb.length / m.d;
}

export function tokenId(m: { vocab: string[] }, tok: string): number {
  const i = m.vocab.indexOf(tok);
  if (i < 0) throw new Error(`token ${tok} not in the vocabulary`);
  return i;
}

export function isUniform(m: Model): m is UniformModel {
  return m.meta.mode === 'uniform';
}

export function isPositional(m: Model): m is PositionalModel {
  return m.meta.mode === 'positional';
}
