// A gatecot model as a standard ONNX graph (opset 17 or later): token ids in, logits and their
// argmax out, computing exactly the forward pass of docs/model-format.md for every mode.
//
//   inputs   token_ids  int64 [B, S] (S dynamic, at most the model's positions; B fixed or dynamic)
//            loops      int64 scalar, looped models only: how often the block runs. Its default is
//                       the initializer of the same name, holding the model's own count (a uniform
//                       looped model is run with its circuit's depth instead)
//   outputs  logits     float [B, S, V]
//            tokens     int64 [B, S]: ArgMax of the logits (ties to the lowest id), the token the
//                       model writes after each position (CoT models), or the value it reads out
//                       at each position (latent models)
//
// The embedding is Gather(W_E) + Slice(W_pos, 0..S); each head MatMul / Where(causal mask) /
// Softmax / MatMul; the feed-forward MatMul + Add, Relu, MatMul + Add; residual Adds; no
// LayerNorm, no 1/sqrt(d). A looped model's block is ONE ONNX Loop node over the shared layers
// (its body reads their weights and the mask from the outer graph), not unrolled. The model's
// metadata JSON (the sequence contract) is in metadata_props["gatecot"], so the .onnx file alone
// says how to build a prompt and where to read the answer.

import { UserError } from '../../common/errors.js';
import { storedMetaJson } from '../file.js';
import type { Model } from '../model.js';
import { applyLayer, Nodes, type Shared } from './onnx-graph.js';
import { attrGraph, attrInt, BOOL, boolTensor, f32Tensor, FLOAT, i64Tensor, INT64, onnx, valueInfo, type Dim, type GraphProto, type ModelProto, type TensorProto } from './onnx-proto.js';
import { weightInitializers } from './onnx-weights.js';

export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 17;
/** The newest opset written: the operators used here are the same from 17 to 19, and onnxruntime-node 1.16.3 (the tested runtime) reads up to 19. */
export const MAX_OPSET = 19;
/** protobuf's limit on one serialized message (2 GiB - 1), which an .onnx file is. */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
/** Tensors of at least this many bytes go to the external data file when there is one. */
const EXTERNAL_MIN_BYTES = 1024;
/** Offsets in the external data file are multiples of this (page-aligned, for memory mapping). */
const EXTERNAL_ALIGN = 4096;

/** The graph's input and output names. */
export const ONNX_IO = { input: 'token_ids', loops: 'loops', logits: 'logits', tokens: 'tokens' } as const;

/** The metadata_props key holding the model's metadata JSON. */
export const ONNX_META_KEY = 'gatecot';

export class OnnxExportError extends UserError {
  override name = 'OnnxExportError';
}

/** A graph that would not fit in one protobuf message (bytes: its estimated size). */
export class OnnxSizeError extends OnnxExportError {
  override name = 'OnnxSizeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the ONNX graph would take ${gb(bytes)}, over protobuf's ${gb(limit)} limit for one .onnx file: its weights must go to an external data file`);
  }
}

function gb(n: number): string {
  return n >= 1e9 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${n} bytes`;
}

export interface OnnxExportOptions {
  /** A fixed batch size (default: a dynamic dimension "batch"). */
  batch?: number;
  /** ai.onnx opset, MIN_OPSET..MAX_OPSET (default 17). */
  opset?: number;
  producerVersion?: string;
  /** Write every weight tensor of at least 1 KiB to this file (named relative to the .onnx file) instead of into the graph. */
  externalData?: string;
  /** The most bytes the graph may take without external data (default PROTOBUF_LIMIT). */
  limit?: number;
  /**
   * Looped models: `loops` is a required input, without the initializer default (for runtimes
   * that feed graph inputs only, not initializers: onnxruntime-node lists and feeds only the
   * inputs without an initializer).
   */
  requiredLoops?: boolean;
}

export interface OnnxFile {
  /** The serialized ModelProto (the .onnx file). */
  bytes: Uint8Array;
  /** With externalData: the external file's bytes, as chunks to write in order (it may exceed one buffer). */
  externalData?: Uint8Array[];
}

/** The IR version that goes with an opset (ONNX's versioning table: 17, 18 -> 8; 19 -> 9). */
function irVersion(opset: number): number {
  return opset <= 18 ? 8 : 9;
}

/** Refuses what this exporter does not know: an unknown mode, construction or readout, a bad opset or batch. */
export function checkExportable(m: Model, opts: OnnxExportOptions = {}): void {
  const meta = m.meta;
  const mode: unknown = meta.mode;
  if (mode !== 'positional' && mode !== 'uniform') throw new OnnxExportError(`cannot export a model of unknown mode ${JSON.stringify(mode)} (this gatecot exports positional and uniform models)`);
  const c = meta.construction;
  if (c !== undefined && c !== 'cot' && c !== 'looped' && c !== 'looped-cot' && c !== 'deep') throw new OnnxExportError(`cannot export a model of unknown construction ${JSON.stringify(c)}`);
  if (meta.readout !== undefined && meta.readout !== 'token' && meta.readout !== 'argmax') throw new OnnxExportError(`cannot export a model of unknown readout ${JSON.stringify(meta.readout)}`);
  const opset = opts.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new OnnxExportError(`the ONNX opset must be ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  if (opts.batch !== undefined && (!Number.isInteger(opts.batch) || opts.batch < 1)) throw new OnnxExportError(`the batch size must be a whole number of at least 1, got ${opts.batch}`);
}

function graphDoc(m: Model): string {
  const meta = m.meta;
  const lp = meta.loop;
  const kind = meta.mode === 'uniform' ? `uniform model (capacity ${meta.capacity} wires; the circuit goes in the prompt)` : `positional model of circuit ${meta.circuit_name}`;
  const how =
    meta.readout === 'argmax'
      ? 'Latent model: run once over the prompt; output k is tokens[:, outputs[k]].'
      : 'Chain-of-thought model: append tokens[:, -1] to token_ids and run again, cot_length times (greedy); the outputs are the tokens at the outputs positions.';
  const loop = lp ? ` Layers ${lp.start}..${lp.end - 1} are one block, run by the Loop node "loops" times (default ${lp.count} = ${lp.count_is}${meta.mode === 'uniform' ? '; feed the circuit\'s depth' : ''}).` : '';
  return [
    `gatecot ${kind}, construction ${meta.construction ?? 'cot'}: ${meta.n_layers} stored layer(s), heads ${meta.heads.join(',')}, d_model ${m.d}, vocab ${m.vocab.length}.`,
    `The forward pass of docs/model-format.md: no LayerNorm, no 1/sqrt(d) scaling, causal softmax attention, ReLU feed-forward.${loop}`,
    `Build the prompt from metadata_props "gatecot" (the sequence contract). ${how}`,
    `Residual basis: ${meta.basis.join(' ')}`,
  ].join('\n');
}

/** The ModelProto of a model (not yet serialized). */
export function onnxModelProto(m: Model, opts: OnnxExportOptions = {}): ModelProto {
  checkExportable(m, opts);
  const meta = m.meta;
  const opset = opts.opset ?? DEFAULT_OPSET;
  const B: Dim = opts.batch ?? 'batch';
  const S: Dim = 'seq';
  const d = m.d;
  const V = m.vocab.length;
  const P = m.posEmb.length / d;
  const lp = meta.loop;
  const w = weightInitializers(m);
  const consts: TensorProto[] = [
    i64Tensor('const.axis0', [1], [0], 'the 1-d tensor [0]: slice start and axis'),
    i64Tensor('const.axis1', [1], [1], 'the 1-d tensor [1]'),
    i64Tensor('const.zero', [], [0]),
    i64Tensor('const.one', [], [1]),
    f32Tensor('const.neg_inf', [], Float32Array.of(-Infinity), 'the score of a key the query may not see'),
  ];
  const g = new Nodes('');
  const ids = ONNX_IO.input;
  const seqLen1 = g.add('Shape', [ids], 'seq_len_1d', [attrInt('start', 1), attrInt('end', 2)], 'S, the sequence length');
  const seqLen = g.add('Squeeze', [seqLen1, 'const.axis0'], 'seq_len');
  const tok = g.add('Gather', [w.names.embed, ids], 'embed/tokens', [attrInt('axis', 0)], 'the token embedding of each position');
  const pos = g.add('Slice', [w.names.pos, 'const.axis0', seqLen1, 'const.axis0'], 'pos_embed/rows', [], 'position embedding rows 0..S-1');
  let h = g.add('Add', [tok, pos], 'resid_pre', [], 'h = W_E[token] + W_pos[position]');
  const idx = g.add('Range', ['const.zero', seqLen, 'const.one'], 'positions');
  const rows = g.add('Unsqueeze', [idx, 'const.axis1'], 'positions_query');
  const cols = g.add('Unsqueeze', [idx, 'const.axis0'], 'positions_key');
  const shared: Shared = { mask: g.add('LessOrEqual', [cols, rows], 'causal_mask', [], 'mask[i, j] = (j <= i): query i sees keys 0..i'), negInf: 'const.neg_inf' };

  const inputs = [valueInfo(ids, INT64, [B, S], `token ids [batch, S], S at most ${P}: the prompt (and, for a chain-of-thought model, the tokens written so far)`)];
  const apply = (nodes: Nodes, l: number, x: string): string => applyLayer(nodes, l, m.layers[l]!, w.names.layers[l]!, x, shared);
  if (lp) {
    for (let l = 0; l < lp.start; l++) h = apply(g, l, h);
    consts.push(boolTensor('const.true', true, 'the loop condition: always true, the trip count decides'));
    if (!opts.requiredLoops) consts.push(i64Tensor(ONNX_IO.loops, [], [lp.count], `how often the block runs: the model's own count ${lp.count} (${lp.count_is}) unless fed`));
    const byDefault = opts.requiredLoops ? `the model's own count is ${lp.count}` : `default ${lp.count}`;
    inputs.push(valueInfo(ONNX_IO.loops, INT64, [], `how often the looped block (layers ${lp.start}..${lp.end - 1}) runs; ${byDefault} (${lp.count_is})${meta.mode === 'uniform' ? ": feed the circuit's depth" : ''}`));
    const body = new Nodes('loop/');
    let hb = 'loop/resid_in';
    for (let l = lp.start; l < lp.end; l++) hb = apply(body, l, hb);
    const condOut = body.add('Identity', ['loop/cond_in'], 'cond_out');
    const bodyGraph: GraphProto = {
      name: 'block',
      docString: `one iteration of the shared block: layers ${lp.start}..${lp.end - 1}, over every position (reads their weights and the causal mask from the outer graph)`,
      node: body.list,
      input: [valueInfo('loop/iteration', INT64, []), valueInfo('loop/cond_in', BOOL, []), valueInfo('loop/resid_in', FLOAT, [B, S, d])],
      output: [valueInfo(condOut, BOOL, []), valueInfo(hb, FLOAT, [B, S, d])],
    };
    h = g.add('Loop', [ONNX_IO.loops, 'const.true', h], 'loop_out', [attrGraph('body', bodyGraph)], `the shared block (layers ${lp.start}..${lp.end - 1}) applied "loops" times, each time to every position`);
    for (let l = lp.end; l < meta.n_layers; l++) h = apply(g, l, h);
  } else {
    for (let l = 0; l < meta.n_layers; l++) h = apply(g, l, h);
  }
  const logits = g.add('MatMul', [h, w.names.unembed], ONNX_IO.logits, [], 'logits = h @ W_U');
  g.add('ArgMax', [logits], ONNX_IO.tokens, [attrInt('axis', -1), attrInt('keepdims', 0), attrInt('select_last_index', 0)], 'the argmax token at each position (ties to the lowest id)');
  const graph: GraphProto = {
    name: meta.mode === 'uniform' ? `gatecot_uniform_${meta.capacity}` : `gatecot_${meta.circuit_name}`,
    docString: graphDoc(m),
    node: g.list,
    initializer: [...w.tensors, ...consts],
    input: inputs,
    output: [valueInfo(ONNX_IO.logits, FLOAT, [B, S, V], 'logits [batch, S, vocab]'), valueInfo(ONNX_IO.tokens, INT64, [B, S], 'argmax of the logits [batch, S]')],
  };
  return {
    irVersion: irVersion(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'gatecot',
    producerVersion: opts.producerVersion ?? '',
    domain: 'gatecot',
    docString: 'A transformer with hand-set weights compiled by gatecot: its metadata_props "gatecot" hold the sequence contract (docs/model-format.md).',
    graph,
    metadataProps: [{ key: ONNX_META_KEY, value: storedMetaJson(m) }],
  };
}

/** The graph's initializers (the loop body holds none: it reads the outer graph's). */
function initializers(p: ModelProto): TensorProto[] {
  return p.graph?.initializer ?? [];
}

/** Moves the large tensors' bytes to external data chunks (location: the file name beside the .onnx). */
function moveToExternal(p: ModelProto, location: string): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of initializers(p)) {
    const raw = t.rawData;
    if (!raw || raw.length < EXTERNAL_MIN_BYTES) continue;
    const start = Math.ceil(offset / EXTERNAL_ALIGN) * EXTERNAL_ALIGN;
    if (start > offset) chunks.push(new Uint8Array(start - offset));
    chunks.push(raw);
    offset = start + raw.length;
    t.rawData = null;
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(start) },
      { key: 'length', value: String(raw.length) },
    ];
  }
  return chunks;
}

/** A model as an .onnx file (and its external data file when asked for). */
export function exportOnnx(m: Model, opts: OnnxExportOptions = {}): OnnxFile {
  const p = onnxModelProto(m, opts);
  if (opts.externalData !== undefined) {
    const externalData = moveToExternal(p, opts.externalData);
    return { bytes: onnx.ModelProto.encode(p).finish(), externalData };
  }
  const limit = opts.limit ?? PROTOBUF_LIMIT;
  const weights = initializers(p).reduce((s, t) => s + (t.rawData?.length ?? 0), 0);
  const estimate = weights + (p.metadataProps?.[0]?.value?.length ?? 0) + 64 * 1024;
  if (estimate > limit) throw new OnnxSizeError(estimate, limit);
  const bytes = onnx.ModelProto.encode(p).finish();
  if (bytes.length > limit) throw new OnnxSizeError(bytes.length, limit);
  return { bytes };
}
