// The trace of one generation, position by position: which gate, the token the model wrote
// (its argmax), where each head looked, what the feed-forward layer computed, the residual
// stream and the logits. This JSON is the single source of the terminal and HTML views.
// The CPU engine computes every detail (in f32 its fast kernel, bit for bit the reference's
// numbers, unless cpuKernel is 'reference'). By default it also generates the tokens (one pass);
// given a sequence another engine generated (`generated`), it is teacher-forced on that
// sequence instead, and every position where its own argmax differs from that engine's token
// is recorded (`engines.disagreements`, a step's `cpu_token`).
//
// Uniform models (the circuit in the prompt; model/uniform-sequence.ts) write a CoT group for
// every wire, input wires included: a step's `wire` is the group's wire, its `gate` -1 for an
// input wire; its `role` is id, in_a, in_b or value; `heads` lists every head of every layer
// (`layer`), a head with no target at this position marked `untargeted` (its `target` is then
// the position itself); `residual.layers` holds the stream after each layer. Each step has a
// `uniform` object, what the heads fetched (the positions they attended to most), from which
// its `text` is written (runtime/uniform-line.ts):
//   description  {position, type, in1, in2, id}: the `description` head's top position and the
//                four prompt tokens of the description holding it (null when it is not in one)
//   next         {position, token}, steps writing an id: the `next` head's top position
//   operand      {position, token}, steps writing an operand value: where the value came from
//                (the `operand` head's top position)
//   inputs       [{position, token}, {position, token}], steps writing a wire's value: where
//                the gate's inputs a and b were read (group_1's top position; the query position)
// and `model.capacity` is the most wires the model takes.

import { OP_NAMES, evalOne, outputHex, wireDepths, wireLabel, type Circuit, type OpCode } from '../circuits/index.js';
import { subspacesOfLabels, type Bound, type Subspace } from '../model/index.js';
import { parseArith } from './arith.js';
import { detailStepper } from './cpu/detail-stepper.js';
import type { PositionDetail } from './cpu/stepper.js';
import { outputsOfSequence, promptOf, referenceSequences } from './reference.js';
import { stepText, type StepRole } from './trace-line.js';
import { uniformContext, uniformFetch, uniformStepText, type UniformFetch } from './uniform-line.js';

export type { StepRole } from './trace-line.js';
export type { Fetched, FetchedDescription, UniformFetch } from './uniform-line.js';

export const TRACE_VERSION = 1;

/**
 * The default half-width of the attention strips, for `trace --json` and `--html` alike: every
 * position a head can see while the sequence has at most FULL_STRIP_MAX positions, else ±32
 * around each target (the rest summed in `elsewhere`), which keeps the trace of a 16k-position
 * circuit to ~30 MB of JSON.
 */
export const FULL_STRIP_MAX = 600;
const NARROW_WINDOW = 32;

export function defaultTraceWindow(seqLen: number): number {
  return seqLen <= FULL_STRIP_MAX ? seqLen : NARROW_WINDOW;
}

export interface TraceHead {
  name: string;
  /** The layer of the head (heads of all layers are listed in order). */
  layer: number;
  /** The position the construction means this head to fetch (this position when it names none). */
  target: number;
  /** Present (true) where the model's contract names no target for this head (uniform models). */
  untargeted?: true;
  target_weight: number;
  top: { pos: number; weight: number }[];
  /** Attention weights on positions from .. from + weights.length - 1 (a window around the target). */
  strip: { from: number; weights: number[] };
  /** Total weight outside the strip. */
  elsewhere: number;
  /** What the head returned (W_V-space output before W_O). */
  out: number[];
}

export interface TraceStep {
  pos: number;
  writes: number;
  gate: number;
  /** The wire whose CoT group holds the written position (uniform models also write input wires' groups). */
  wire: number;
  slot: number;
  role: StepRole;
  /** The token written at `writes`: the generating engine's argmax. */
  token: string;
  expected: string;
  /** The CPU reference's argmax here, present only where it differs from `token` (another engine generated it). */
  cpu_token?: string;
  heads: TraceHead[];
  ff: { pre: number[]; act: number[] };
  /** After the token and position embeddings, after layer 0's attention, after the last layer;
   * models of several layers also list the stream after each layer. */
  residual: { embed: number[]; attn: number[]; out: number[]; layers?: number[][] };
  logits: number[];
  text: string;
  /** Uniform models: what the heads fetched (uniform-line.ts), the source of `text`. */
  uniform?: UniformFetch;
}

export interface TraceGate {
  op: string;
  a: number;
  b: number;
  label: string;
  a_label: string | null;
  b_label: string | null;
  level: number;
}

export interface TraceData {
  version: number;
  circuit: {
    name: string;
    inputs: { name: string; width: number }[];
    outputs: { name: string; width: number; wires: number[] }[];
    n_inputs: number;
    input_labels: string[];
    gates: TraceGate[];
  };
  model: {
    mode: string;
    cot: string;
    d_model: number;
    layers: number;
    heads: string[];
    vocab: string[];
    basis: string[];
    subspaces: Subspace[];
    ff_units: string[];
    seq_len: number;
    prompt_length: number;
    scale: number;
    arith: string;
    /** Uniform models: the most wires a circuit in the prompt may have. */
    capacity?: number;
    /** Present only for a deliberately miscompiled model (--inject-fault). */
    fault?: string;
  };
  input: { bits: string };
  tokens: number[];
  expected: number[];
  wire_pos: number[];
  steps: TraceStep[];
  outputs: { bits: string; expected_bits: string; hex: string[]; ok: boolean };
  window: number;
  /** Present only when another engine than the CPU reference generated the tokens. */
  engines?: TraceEngines;
}

export interface EngineName {
  backend: string;
  arith: string;
  description: string;
}

export interface TraceEngines {
  /** The engine whose argmax chose the tokens. */
  tokens: EngineName;
  /** The engine that computed the details (attention, feed-forward, logits), teacher-forced on those tokens. */
  details: EngineName;
  /** Written positions where the details engine's argmax differs from the token there. */
  disagreements: number[];
}

export interface TraceOptions {
  arith?: string;
  /** Only these gates' steps (default: all). */
  gates?: (g: number) => boolean;
  /** Half-width of the attention strips (default: defaultTraceWindow). */
  window?: number;
  /** A full sequence (prompt and CoT) that another engine generated for this input. */
  generated?: { tokens: Int32Array; engine: EngineName };
  /** Positions done of the sequence's total (for a progress bar on long traces). */
  onProgress?: (done: number, total: number) => void;
  /** The CPU loop that computes the details in f32 (default: the fast kernel), and its threads. */
  cpuKernel?: 'fast' | 'reference';
  cpuThreads?: number;
}

const ROLES_4TOK: StepRole[] = ['type', 'in_a', 'in_b', 'value'];
const ROLES_UNIFORM: StepRole[] = ['id', 'in_a', 'in_b', 'value'];

/**
 * The k largest weights, largest first, ties to the lower position: the order of verify.ts's
 * topPositions, found in one pass instead of a full sort per traced position (which dominated
 * the trace time of circuits with thousands of gates).
 */
export function topK(weights: ArrayLike<number>, k: number): { pos: number; weight: number }[] {
  const best: { pos: number; weight: number }[] = [];
  const insert = (w: number, j: number): void => {
    let at = best.length;
    while (at > 0 && w > best[at - 1]!.weight) at--;
    best.splice(at, 0, { pos: j, weight: w });
    if (best.length > k) best.pop();
  };
  const n = weights.length;
  let j = 0;
  for (; j < n && best.length < k; j++) insert(weights[j]!, j);
  if (best.length < k) return best;
  // Once k are held, a weight enters only above the k-th (ties keep the earlier position): one
  // comparison per key with the threshold in a local, the trace's hottest loop (every traced
  // position scans its whole attention row).
  let floor = best[k - 1]!.weight;
  for (; j < n; j++) {
    const w = weights[j]!;
    if (w > floor) {
      insert(w, j);
      floor = best[k - 1]!.weight;
    }
  }
  return best;
}

/** round4's results by argument: attention weights repeat (the same few values at thousands of
 *  positions), and toPrecision is slow. Cleared when it grows past ROUND_CACHE_MAX. */
const roundCache = new Map<number, number>();
const ROUND_CACHE_MAX = 1 << 16;

/** x to 5 significant digits (as x.toPrecision(5)); 0, -0 and non-finite values unchanged. */
export function round4(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  let r = roundCache.get(x);
  if (r === undefined) {
    r = Number(x.toPrecision(5));
    if (roundCache.size >= ROUND_CACHE_MAX) roundCache.clear();
    roundCache.set(x, r);
  }
  return r;
}

export function traceGeneration(bound: Bound, inputBits: Uint8Array, opts: TraceOptions = {}): TraceData {
  const { model, circuit: c, seq: contract } = bound;
  const meta = model.meta;
  const arith = parseArith(opts.arith ?? 'f32');
  const P = contract.promptLength;
  const S = contract.seqLen;
  const window = opts.window ?? defaultTraceWindow(S);
  const n = c.nInputs;
  const gateOf = (p: number) => {
    const w = contract.wireAt(p);
    return w >= n ? w - n : -1;
  };
  const expected = referenceSequences(bound, [inputBits])[0]!;
  const gen = opts.generated;
  const seq = gen ? givenSequence(gen.tokens, promptOf(bound, inputBits), S) : new Int32Array(S);
  if (!gen) seq.set(promptOf(bound, inputBits));
  const want = (i: number) => {
    if (i < P - 1 || i >= S - 1) return false;
    return opts.gates ? opts.gates(gateOf(i + 1)) : true;
  };
  const per = contract.group;
  const roles = meta.mode === 'uniform' ? ROLES_UNIFORM : ROLES_4TOK;
  const tok = (id: number) => model.vocab[id] ?? String(id);
  // Each position's detail is turned into its step as soon as the stepper reports it: the
  // detail holds full-length attention rows, and keeping them all would take O(S²) memory
  // (gigabytes for a circuit of a few thousand gates). The plain-language line needs the token
  // written at this step, so it is filled in after generation. With a given sequence the token
  // is that sequence's; the CPU's own argmax is kept where it differs.
  const steps: TraceStep[] = [];
  const onTrace = (d: PositionDetail) => steps.push(stepOfDetail(d));
  const stepOfDetail = (d: PositionDetail): TraceStep => {
    const p = d.pos;
    const g = gateOf(p + 1);
    const slot = (p + 1 - P) % per;
    const role: StepRole = per === 1 ? 'value' : roles[slot]!;
    const heads = d.layers.flatMap((Ld, l) => Ld.heads.map((h, hi): TraceHead => {
      const stated = contract.targets[l]?.[hi]?.[p] ?? -1;
      const target = stated >= 0 ? stated : p;
      const from = Math.max(0, target - window);
      const to = Math.min(p, target + window);
      const w = Array.from(h.weights.subarray(from, to + 1), round4);
      const inStrip = h.weights.subarray(from, to + 1).reduce((s, x) => s + x, 0);
      return {
        name: h.name,
        layer: l,
        target,
        ...(stated < 0 ? { untargeted: true as const } : {}),
        target_weight: round4(h.weights[target] ?? 0),
        top: topK(h.weights, 3).map((t) => ({ pos: t.pos, weight: round4(t.weight) })),
        strip: { from, weights: w },
        elsewhere: round4(Math.max(0, 1 - inStrip)),
        out: Array.from(h.out, round4),
      };
    }));
    const written = gen ? seq[p + 1]! : d.argmax;
    return {
      pos: p,
      writes: p + 1,
      gate: g,
      wire: contract.wireAt(p + 1),
      slot,
      role,
      token: tok(written),
      expected: tok(expected[p + 1]!),
      ...(written !== d.argmax ? { cpu_token: tok(d.argmax) } : {}),
      heads,
      ff: { pre: d.layers.flatMap((L) => Array.from(L.ffPre, round4)), act: d.layers.flatMap((L) => Array.from(L.ffAct, round4)) },
      residual: {
        embed: Array.from(d.embed, round4),
        attn: Array.from(d.layers[0]!.afterAttn, round4),
        out: Array.from(d.layers[d.layers.length - 1]!.after, round4),
        ...(d.layers.length > 1 ? { layers: d.layers.map((L) => Array.from(L.after, round4)) } : {}),
      },
      logits: Array.from(d.logits, round4),
      text: '',
    };
  };
  const st = detailStepper(model, arith, S, { traceAt: want, onTrace }, { ...(opts.cpuKernel ? { kernel: opts.cpuKernel } : {}), ...(opts.cpuThreads ? { threads: opts.cpuThreads } : {}) });
  const disagreements: number[] = [];
  try {
    for (let i = 0; i < S - 1; i++) {
      if (opts.onProgress && (i & 255) === 0) opts.onProgress(i, S - 1);
      const am = st.step(i, [seq[i]!]);
      if (i < P - 1) continue;
      if (!gen) seq[i + 1] = am[0]!;
      else if (am[0] !== seq[i + 1]) disagreements.push(i + 1);
    }
  } finally {
    st.dispose();
  }
  if (meta.mode === 'uniform') {
    const x = uniformContext({ promptLength: P, labelOffset: meta.label_offset, wirePos: contract.valuePos, seq, expected, tok });
    for (const t of steps) {
      t.uniform = uniformFetch(x, t);
      t.text = uniformStepText(x, t, t.uniform);
    }
  } else {
    const line = { c, cot: meta.cot, wirePos: contract.valuePos, seq, expected, tok };
    for (const t of steps) t.text = stepText(line, t);
  }
  const got = outputsOfSequence(bound, seq);
  const want2 = outputsOfSequence(bound, expected);
  return {
    version: TRACE_VERSION,
    circuit: traceCircuit(c),
    model: {
      mode: meta.mode,
      cot: meta.cot,
      d_model: meta.d_model,
      layers: meta.n_layers,
      heads: model.layers.flatMap((L) => L.heads.map((h) => h.name)),
      vocab: model.vocab,
      basis: meta.basis,
      subspaces: subspacesOfLabels(meta.basis),
      ff_units: model.layers.flatMap((L, l) => L.ff.units.map((u) => (model.layers.length > 1 ? `L${l} ${u}` : u))),
      seq_len: S,
      prompt_length: P,
      scale: meta.scale,
      arith: arith.name,
      ...(meta.mode === 'uniform' ? { capacity: meta.capacity } : {}),
      ...(meta.fault !== undefined ? { fault: meta.fault } : {}),
    },
    input: { bits: Array.from(inputBits).join('') },
    tokens: Array.from(seq),
    expected: Array.from(expected),
    wire_pos: Array.from(contract.valuePos),
    steps,
    outputs: outputsVerdict(c, got, want2),
    window,
    ...(gen ? { engines: { tokens: gen.engine, details: { backend: 'cpu', arith: arith.name, description: st.description }, disagreements } } : {}),
  };
}

/** The circuit as a trace shows it (the trace JSON's `circuit`; the latent trace's too). */
export function traceCircuit(c: Circuit): TraceData['circuit'] {
  const n = c.nInputs;
  const depth = wireDepths(c);
  return {
    name: c.name,
    inputs: c.inputs.map((g) => ({ name: g.name, width: g.width })),
    outputs: c.outputs.map((g) => ({ name: g.name, width: g.wires.length, wires: g.wires })),
    n_inputs: n,
    input_labels: Array.from({ length: n }, (_, w) => wireLabel(c, w)),
    gates: Array.from(c.ops, (op, g): TraceGate => ({
      op: OP_NAMES[op as OpCode],
      a: c.a[g]!,
      b: c.b[g]!,
      label: wireLabel(c, n + g),
      a_label: c.a[g]! >= 0 ? wireLabel(c, c.a[g]!) : null,
      b_label: c.b[g]! >= 0 ? wireLabel(c, c.b[g]!) : null,
      level: depth[n + g]!,
    })),
  };
}

/** A copy of a sequence another engine generated, checked against the model's length and this input's prompt. */
function givenSequence(tokens: Int32Array, prompt: Int32Array, S: number): Int32Array {
  if (tokens.length !== S) throw new RangeError(`the generated sequence has ${tokens.length} positions, the model ${S}`);
  if (prompt.some((t, i) => tokens[i] !== t)) throw new RangeError('the generated sequence does not start with this input\'s prompt');
  return Int32Array.from(tokens);
}

/** The outputs a trace read, against direct evaluation's (the trace JSON's `outputs`). */
export function outputsVerdict(c: Circuit, got: Uint8Array, want: Uint8Array): TraceData['outputs'] {
  return { bits: Array.from(got).join(''), expected_bits: Array.from(want).join(''), hex: outputHex(c, got), ok: got.every((x, i) => x === want[i]) };
}

/** Direct evaluation of one input (for the trace's verdict lines). */
export function directOutputs(c: Circuit, inputBits: Uint8Array): Uint8Array {
  const v = evalOne(c, inputBits);
  return Uint8Array.from(c.outputs.flatMap((o) => o.wires), (w) => v[w]!);
}
