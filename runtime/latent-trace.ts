// The trace of a latent model (looped, looped-cot, deep: no CoT; compiler/looped): the values
// settling, iteration by iteration. The CPU reference runs layer by layer (cpu/layer-major.ts)
// and hands out the residual after every applied layer; after each iteration (one application
// of the looped block; for a model without a loop, one layer) every wire's value is READ FROM
// THE RESIDUAL the way the model answers: the argmax of the output layer at the wire's position
// (never host evaluation). Recorded per iteration: each wire's value, the wires that changed,
// and how many are final (hold their value at the end and never change again). Iteration 0 is
// the embedding (inputs hold their bits, gates the readout of an empty value: 0). For the
// gates chosen (`detail`), each iteration also records what the gate's heads attended to (their
// top positions, the weight on the target the model's contract names: bound.seq.targets) and
// the feed-forward units that fired. The outputs and every wire are compared with direct
// evaluation. This JSON is the single source of the terminal and HTML views of a latent trace.

import { evalOne, wireLabel, type Circuit } from '../circuits/index.js';
import { loopCount, type Bound } from '../model/index.js';
import { parseArith } from './arith.js';
import { argmax } from './cpu/kernels.js';
import { forwardLayerMajor, type PassState } from './cpu/layer-major.js';
import { prepare } from './cpu/prepared.js';
import type { LayerDetail } from './cpu/stepper.js';
import type { LoopSetting } from './engine.js';
import { autoLimit } from './latent.js';
import { outputsOfSequence, promptOf } from './reference.js';
import { directOutputs, outputsVerdict, round4, topK, traceCircuit, type EngineName, type TraceData } from './trace.js';

export const LATENT_TRACE_VERSION = 1;

/** Without a chosen gate, every gate is detailed while wires x iterations stays at most this. */
export const DETAIL_ALL_MAX = 50_000;

export interface LatentHead {
  name: string;
  /** The stored layer of the head. */
  layer: number;
  /** The position the contract means this head to attend to here (-1: none). */
  target: number;
  target_weight: number;
  top: { pos: number; weight: number }[];
  /** What the head returned (W_V-space output before W_O). */
  out: number[];
}

/** One gate in one iteration. */
export interface LatentGateStep {
  t: number;
  /** The gate's value (readout) before and after the iteration. */
  before: string;
  after: string;
  /** Its operands' values before the iteration ('' where the gate has no such operand). */
  a: string;
  b: string;
  heads: LatentHead[];
  /** Feed-forward units with a positive activation ("L<l> " before each when the iteration applies several layers). */
  fired: string[];
}

export interface LatentGateTrace {
  gate: number;
  wire: number;
  label: string;
  steps: LatentGateStep[];
}

export interface LatentIteration {
  /** 0: the embedding; t >= 1: after the t-th iteration. */
  t: number;
  /** The stored layers applied in this iteration, in order. */
  layers: number[];
  /** One character per wire: the token its readout picks ('0', '1', '?', or '*' for a longer token). */
  values: string;
  /** Wires whose value differs from the iteration before. */
  changed: number[];
  /** How many wires are final from this iteration on. */
  final: number;
}

export interface LatentLoops {
  /** Iterations of the block run. */
  run: number;
  source: 'model' | 'given' | 'auto' | 'circuit depth';
  /** The model's own count and what it counts. */
  model: number;
  model_is: string;
  /** --loops auto: the iterations after which the residual stopped changing (one more was run to see it). */
  settled?: number;
}

export interface LatentTraceData {
  kind: 'latent';
  version: number;
  circuit: TraceData['circuit'];
  model: {
    construction: string;
    d_model: number;
    /** Stored layers, and the heads of each. */
    layers: number;
    heads: string[][];
    vocab: string[];
    seq_len: number;
    scale: number;
    arith: string;
  };
  loops?: LatentLoops;
  input: { bits: string };
  wire_pos: number[];
  iterations: LatentIteration[];
  /** For each wire: the first iteration from which it holds its final value for good. */
  final_from: number[];
  /** Direct evaluation of every wire ('0'/'1'), and the wires whose final readout differs from it. */
  expected: string;
  wrong: number[];
  outputs: { bits: string; expected_bits: string; hex: string[]; ok: boolean };
  /** The detailed gates (see `detail_note` when not every gate is). */
  details: LatentGateTrace[];
  detail_note?: string;
  /** Present when another engine ran the model too: its final readout compared with the CPU's. */
  engines?: { values: EngineName; details: EngineName; disagreements: number[] };
}

export interface LatentTraceOptions {
  arith?: string;
  loops?: LoopSetting;
  /** Gates (0-based) to detail; default: every gate while the trace is small (DETAIL_ALL_MAX). */
  gates?: number[];
}

/** The gates to detail: the chosen ones, or all while the trace stays small. */
function detailPlan(c: Circuit, iterations: number, gates: number[] | undefined): { gates: number[]; note?: string } {
  if (gates) return { gates };
  const W = c.nInputs + c.ops.length;
  if (W * iterations <= DETAIL_ALL_MAX) return { gates: Array.from(c.ops, (_, g) => g) };
  return { gates: [], note: `no gate detailed: ${W} wires x ${iterations} iterations is over ${DETAIL_ALL_MAX}; choose one with --gate` };
}

export function traceLatent(bound: Bound, inputBits: Uint8Array, opts: LatentTraceOptions = {}): LatentTraceData {
  const { model, circuit: c, seq: contract } = bound;
  const meta = model.meta;
  const arith = parseArith(opts.arith ?? 'f32');
  // A uniform looped model's count comes from the circuit (its depth) unless one is given.
  const fromCircuit = opts.loops === undefined && bound.seq.loops !== undefined;
  const setting = opts.loops ?? bound.seq.loops;
  if (setting === 'auto') loopCount(meta, 1); // refuses 'auto' for a model without a loop
  const pm = prepare(model, arith, typeof setting === 'number' ? { loops: setting } : {});
  const { d, V } = pm;
  const n = c.nInputs;
  const W = n + c.ops.length;
  const S = contract.seqLen;
  const pos = contract.valuePos;
  const tok = (id: number) => {
    const s = model.vocab[id] ?? '*';
    return s.length === 1 ? s : '*';
  };
  const lg = new Float64Array(V);
  const readout = (H: Float64Array): { values: string; ids: Int32Array } => {
    const ids = new Int32Array(W);
    for (let w = 0; w < W; w++) {
      pm.k.spmv(pm.sparse.unembed, H, pos[w]! * d, lg, 0);
      ids[w] = argmax(lg, 0, V);
    }
    return { values: Array.from(ids, tok).join(''), ids };
  };
  const lp = meta.loop;
  const endsIteration = (l: number) => !lp || l < lp.start || l >= lp.end - 1;
  // The plan needs the iteration count; with auto it is known only afterwards: the model's own
  // count and one more to see that nothing changed (what the constructions here take at most).
  const expectIters = lp ? pm.stored.length - (lp.end - lp.start) * (pm.loops ?? 0) + (setting === 'auto' ? lp.count + 1 : pm.loops ?? 0) : pm.stored.length;
  const plan = detailPlan(c, Math.max(1, expectIters), opts.gates);
  const detailGates = new Map<number, number>(plan.gates.map((g) => [pos[n + g]!, g]));
  const details: LatentGateTrace[] = plan.gates.map((g) => ({ gate: g, wire: n + g, label: wireLabel(c, n + g), steps: [] }));
  const detailOf = new Map<number, LatentGateTrace>(details.map((x) => [x.gate, x]));

  const seq = promptOf(bound, inputBits);
  const iterations: LatentIteration[] = [];
  let layersNow: number[] = [];
  let pending = new Map<number, { heads: LatentHead[]; fired: string[] }>();
  let values = '';
  let lastIds: Int32Array = new Int32Array(W);
  const record = (H: Float64Array, layers: number[]) => {
    const r = readout(H);
    const prev = values;
    const changed: number[] = [];
    if (prev) for (let w = 0; w < W; w++) if (r.values[w] !== prev[w]) changed.push(w);
    const t = iterations.length;
    iterations.push({ t, layers, values: r.values, changed, final: 0 });
    if (t > 0) {
      for (const [g, x] of pending) {
        const w = n + g;
        const a = c.a[g]!;
        const b = c.b[g]!;
        detailOf.get(g)!.steps.push({ t, before: prev[w]!, after: r.values[w]!, a: a >= 0 ? prev[a]! : '', b: b >= 0 ? prev[b]! : '', ...x });
      }
    }
    values = r.values;
    lastIds = r.ids;
    pending = new Map();
  };
  const noteDetail = (l: number, layerDetails: Map<number, LayerDetail>, several: boolean) => {
    for (const [p, det] of layerDetails) {
      const g = detailGates.get(p)!;
      const x = pending.get(g) ?? { heads: [], fired: [] };
      det.heads.forEach((h, hi) => {
        const target = contract.targets[l]?.[hi]?.[p] ?? -1;
        x.heads.push({ name: h.name, layer: l, target, target_weight: round4(target >= 0 ? h.weights[target] ?? 0 : 0), top: topK(h.weights, 3).map((tp) => ({ pos: tp.pos, weight: round4(tp.weight) })), out: Array.from(h.out, round4) });
      });
      const units = pm.distinct[l]!.units;
      det.ffAct.forEach((v, u) => {
        if (v > 0) x.fired.push(`${several ? `L${l} ` : ''}${units[u] ?? `unit ${u}`}`);
      });
      pending.set(g, x);
    }
  };
  const several = lp ? lp.end - lp.start > 1 : false;
  let loopsRun = 0;
  const onPass = (ps: PassState) => {
    if (ps.stored < 0) return record(ps.H, []); // iteration 0: the embedding
    if (lp && ps.stored === lp.start) loopsRun++;
    layersNow.push(ps.stored);
    noteDetail(ps.stored, ps.details, several && lp !== undefined && ps.stored >= lp.start && ps.stored < lp.end);
    if (endsIteration(ps.stored)) {
      record(ps.H, layersNow);
      layersNow = [];
    }
  };
  const auto = setting === 'auto' ? { maxLoops: autoLimit(model, S) } : undefined;
  const result = forwardLayerMajor(pm, [seq], { onPass, ...(detailGates.size ? { detailAt: (i: number) => detailGates.has(i) } : {}), ...(auto ? { auto } : {}) });

  // final_from: the first iteration from which a wire keeps its last value.
  const last = iterations[iterations.length - 1]!.values;
  const finalFrom = new Array<number>(W).fill(0);
  for (let t = iterations.length - 1; t >= 0; t--) {
    const v = iterations[t]!.values;
    for (let w = 0; w < W; w++) if (finalFrom[w] === 0 && v[w] !== last[w]) finalFrom[w] = t + 1;
  }
  for (const it of iterations) it.final = finalFrom.reduce((s, f) => s + (f <= it.t ? 1 : 0), 0);

  // Outputs: the readout at every position, the way the engines answer (reference.ts).
  const answer = result.argmax[0]!;
  for (let w = 0; w < W; w++) if (answer[pos[w]!] !== lastIds[w]) throw new Error(`latent trace: the readout of wire ${w} differs from the forward pass`);
  const got = outputsOfSequence(bound, answer);
  const want = directOutputs(c, inputBits);
  const direct = evalOne(c, inputBits);
  const expected = Array.from(direct.subarray(0, W)).join('');
  const wrong: number[] = [];
  for (let w = 0; w < W; w++) if (last[w] !== expected[w]) wrong.push(w);
  const loops = lp
    ? {
        run: loopsRun,
        source: setting === 'auto' ? ('auto' as const) : fromCircuit ? ('circuit depth' as const) : setting !== undefined ? ('given' as const) : ('model' as const),
        model: lp.count,
        model_is: lp.count_is,
        ...(setting === 'auto' ? { settled: result.loops![0]! } : {}),
      }
    : undefined;
  return {
    kind: 'latent',
    version: LATENT_TRACE_VERSION,
    circuit: traceCircuit(c),
    model: {
      construction: meta.construction ?? 'latent',
      d_model: meta.d_model,
      layers: meta.n_layers,
      heads: model.layers.map((L) => L.heads.map((h) => h.name)),
      vocab: model.vocab,
      seq_len: S,
      scale: meta.scale,
      arith: arith.name,
    },
    ...(loops ? { loops } : {}),
    input: { bits: Array.from(inputBits).join('') },
    wire_pos: Array.from(pos),
    iterations,
    final_from: finalFrom,
    expected,
    wrong,
    outputs: outputsVerdict(c, got, want),
    details,
    ...(plan.note ? { detail_note: plan.note } : {}),
  };
}
