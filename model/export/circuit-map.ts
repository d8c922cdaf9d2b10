// The ground-truth map written beside the TransformerLens export (circuit_map.json): for each wire of the
// circuit, the positions that hold and compute it, the heads that run there with the position
// each is meant to attend to, the feed-forward blocks, and the residual subspaces involved —
// what circuit-discovery methods are scored against. Everything comes from the model's metadata
// (the sequence contract, model/contract.ts: head_targets, blocks, basis) bound to its circuit;
// nothing re-runs the planner. Schema: docs/model-format.md, "circuit_map.json".

import { arity, OP_NAMES, wireDepths, wireLabel, type Circuit, type OpCode } from '../../circuits/index.js';
import { subspacesOfLabels, type BlockSpaces } from '../basis.js';
import { bindModel, type Bound } from '../bind.js';
import type { CotEntry, LoopSpec, Model, PromptEntry } from '../model.js';
import { appliedLayers, loopCount } from '../schedule.js';

export const CIRCUIT_MAP_VERSION = 1;

export interface MapHead {
  layer: number;
  head: number;
  name: string;
  /** The head's rule in head_targets. */
  target_rule: string;
  /** Indices into applied_layers where this stored layer runs (an unrolled export's layers). */
  applied_layers: number[];
  reads: string[];
  writes: string[];
  updates: string[];
}

export interface MapFeedForward {
  layer: number;
  name: string;
  /** Hidden units [from, to) of the layer. */
  units: [number, number];
  unit_names: string[];
  applied_layers: number[];
  reads: string[];
  writes: string[];
  updates: string[];
}

export interface StepHead {
  layer: number;
  head: number;
  name: string;
  /** The position the head is meant to attend to at this step. */
  target: number;
  /** What the sequence holds there: a token, or "value" (a wire's value: its token, or the value in the residual of a latent model). */
  target_token: string;
  /** The wire whose value is at the target, or null. */
  target_wire: number | null;
}

export interface MapStep {
  /** The position whose forward pass this is. */
  position: number;
  /** Token readout: the position of the token its argmax writes (position + 1); argmax readout: null (the argmax at `position` is the answer). */
  writes: number | null;
  /** What that token is: type/id, in1, in2, value. */
  role: string;
  heads: StepHead[];
  feed_forward: { layer: number; name: string; units: [number, number] }[];
}

export interface MapWire {
  wire: number;
  kind: 'input' | 'gate';
  /** Gates: the gate index (wire = n_inputs + gate). */
  gate: number | null;
  name: string;
  /** A gate's type (AND ... CONST1), or INPUT. */
  type: string;
  operands: number[];
  /** Where the wire's value is read: the token there (token readout) or the argmax there (argmax readout). */
  value_position: number;
  /** The positions of the wire's own tokens: its CoT group, or its position in a latent model. */
  positions: number[];
  /** Uniform models: the positions of its description TYPE in1 in2 #k in the prompt. */
  description_positions: number[] | null;
  steps: MapStep[];
  /** Latent models: after this many iterations of the block (applied layer index `applied_layer`, -1: the embeddings), the value at value_position is final; it may be right earlier. */
  settled_by: { iteration: number; applied_layer: number } | null;
  subspaces: { read: string[]; written: string[] };
}

export interface CircuitMap {
  format: 'gatecot-circuit-map';
  version: number;
  model: { mode: string; construction: string; cot: string; readout: string; n_layers: number; heads: number[]; d_model: number; loop: LoopSpec | null; capacity: number | null };
  /** Layer i of the computation as applied (an unrolled export's layer i) is stored layer applied_layers[i]. */
  applied_layers: number[];
  loops: number | null;
  circuit: { name: string; n_inputs: number; n_gates: number; outputs: { name: string; wires: number[] }[] };
  sequence: { prompt: PromptEntry[]; prompt_length: number; cot_length: number; seq_len: number; outputs: number[] };
  subspaces: { name: string; offset: number; size: number }[];
  heads: MapHead[];
  feed_forward: MapFeedForward[];
  embeddings: { name: string; kind: string; writes: string[] }[];
  unembedding: { name: string; reads: string[] } | null;
  wires: MapWire[];
}

export interface CircuitMapOptions {
  /** The circuit a uniform model runs (required for one; refused for a positional model). */
  circuit?: Circuit;
  /** Looped models: the loop count (default: the circuit's depth for a uniform looped model, else the model's own). */
  loops?: number;
}

const ROLES: Record<string, string[]> = {
  '4tok': ['type', 'in1', 'in2', 'value'],
  uniform: ['id', 'in1', 'in2', 'value'],
  gate: ['value'],
};

function blocksOf(m: Model): BlockSpaces[] {
  return m.meta.blocks ?? [];
}

function indicesOf(applied: number[], layer: number): number[] {
  return applied.flatMap((l, i) => (l === layer ? [i] : []));
}

/** Each head with its block (matched by layer and name) and its rule. */
function mapHeads(m: Model, applied: number[]): MapHead[] {
  const blocks = blocksOf(m).filter((b) => b.kind === 'head');
  const used = new Set<BlockSpaces>();
  return m.layers.flatMap((L, l) =>
    L.heads.map((h, i) => {
      const b = blocks.find((x) => x.layer === l && x.name === h.name && !used.has(x));
      if (b) used.add(b);
      return { layer: l, head: i, name: h.name, target_rule: m.meta.head_targets[l]?.[i]?.rule ?? 'none', applied_layers: indicesOf(applied, l), reads: b?.reads ?? [], writes: b?.writes ?? [], updates: b?.updates ?? [] };
    }),
  );
}

function mapFeedForward(m: Model, applied: number[]): MapFeedForward[] {
  const blocks = blocksOf(m).filter((b) => b.kind === 'feed-forward');
  return blocks.map((b) => {
    const units: [number, number] = b.units ?? [0, m.layers[b.layer]?.ff.m ?? 0];
    return { layer: b.layer, name: b.name, units, unit_names: (m.layers[b.layer]?.ff.units ?? []).slice(units[0], units[1]), applied_layers: indicesOf(applied, b.layer), reads: b.reads, writes: b.writes, updates: b.updates ?? [] };
  });
}

/** The wire whose value an entry of the sequence template holds (x<k>, w<k>, c<k>), or -1. */
function entryWire(e: PromptEntry | CotEntry | undefined): number {
  return typeof e === 'string' && /^[xwc]\d+$/.test(e) ? Number(e.slice(1)) : -1;
}

/** What a position holds: its template entry as a string, and the wire whose value is there. */
function holder(b: Bound): (p: number) => { token: string; wire: number | null } {
  const { seq, model } = b;
  const latentWire = (p: number): number => (seq.readout === 'argmax' ? seq.wireAt(p) : -1);
  return (p) => {
    const e = p < seq.promptLength ? seq.prompt[p] : seq.cotTemplate[p - seq.promptLength];
    const lw = latentWire(p);
    if (lw >= 0 && seq.valuePos[lw] === p) return { token: 'value', wire: lw };
    const w = entryWire(e);
    if (w >= 0) return { token: 'value', wire: w };
    return { token: typeof e === 'number' ? model.vocab[e] ?? `#${e}` : String(e ?? ''), wire: null };
  };
}

/** The step (one forward pass at `position`) with every head that has a target there. */
function step(b: Bound, heads: MapHead[], ffs: MapFeedForward[], position: number, writes: number | null, role: string, hold: ReturnType<typeof holder>): MapStep {
  const stepHeads: StepHead[] = [];
  for (const h of heads) {
    if (h.applied_layers.length === 0) continue;
    const t = b.seq.targets[h.layer]?.[h.head]?.[position] ?? -1;
    if (t < 0) continue;
    const what = hold(t);
    stepHeads.push({ layer: h.layer, head: h.head, name: h.name, target: t, target_token: what.token, target_wire: what.wire });
  }
  const ff = ffs.filter((f) => f.applied_layers.length > 0).map((f) => ({ layer: f.layer, name: f.name, units: f.units }));
  return { position, writes, role, heads: stepHeads, feed_forward: ff };
}

function union(xs: string[][]): string[] {
  return [...new Set(xs.flat())];
}

/** The iteration after which wire w is final in a latent model, and the applied layer that ends it. */
function settledBy(b: Bound, lp: LoopSpec | undefined, depths: Int32Array, w: number): { iteration: number; applied_layer: number } | null {
  if (b.seq.readout !== 'argmax') return null;
  const n = b.circuit.nInputs;
  const construction = b.model.meta.construction ?? 'cot';
  const t = w < n ? 0 : construction === 'looped-cot' ? w - n + 1 : depths[w]!;
  if (!lp) return { iteration: t, applied_layer: t - 1 };   // deep: layer t-1 is iteration t
  return { iteration: t, applied_layer: lp.start + t * (lp.end - lp.start) - 1 };
}

/** The ground-truth map of a model bound to its circuit (its own, or `opts.circuit` for a uniform model). */
export function circuitMap(model: Model, opts: CircuitMapOptions = {}): CircuitMap {
  const b = bindModel(model, opts.circuit);
  const meta = model.meta;
  const c = b.circuit;
  if (opts.loops !== undefined) loopCount(meta, opts.loops); // refuses a count for a model without a loop
  const loops = opts.loops ?? b.seq.loops;
  const applied = appliedLayers(meta, loops);
  const heads = mapHeads(model, applied);
  const ffs = mapFeedForward(model, applied);
  const blocks = blocksOf(model);
  const embeddings = blocks.filter((x) => x.kind === 'token-embedding' || x.kind === 'position-embedding');
  const unembed = blocks.find((x) => x.kind === 'unembedding');
  const hold = holder(b);
  const depths = wireDepths(c);
  const n = c.nInputs;
  const W = n + c.ops.length;
  const uniform = meta.mode === 'uniform';
  const roles = ROLES[uniform ? 'uniform' : meta.cot] ?? ROLES.gate!;
  const wires: MapWire[] = [];
  for (let w = 0; w < W; w++) {
    const g = w - n;
    const op = g >= 0 ? (c.ops[g] as OpCode) : undefined;
    const operands = op === undefined ? [] : [c.a[g]!, c.b[g]!].slice(0, arity(op));
    const vp = b.seq.valuePos[w]!;
    let positions: number[];
    let steps: MapStep[];
    if (b.seq.readout === 'argmax') {
      positions = [vp];
      steps = [step(b, heads, ffs, vp, null, 'value', hold)];
    } else if (w < n && !uniform) {
      positions = [vp];
      steps = [];
    } else {
      const size = b.seq.group;
      const start = vp - size + 1;
      positions = Array.from({ length: size }, (_, i) => start + i);
      steps = positions.map((p, i) => step(b, heads, ffs, p - 1, p, roles[i] ?? 'value', hold));
    }
    const involved = [...embeddings, ...(unembed ? [unembed] : [])];
    const used = new Set(steps.flatMap((s) => s.heads.map((h) => `${h.layer}/${h.head}`)));
    const hs = heads.filter((h) => used.has(`${h.layer}/${h.head}`));
    const fs = steps.length > 0 ? ffs.filter((f) => f.applied_layers.length > 0) : [];
    wires.push({
      wire: w,
      kind: w < n ? 'input' : 'gate',
      gate: w < n ? null : g,
      name: wireLabel(c, w),
      type: op === undefined ? 'INPUT' : OP_NAMES[op]!,
      operands,
      value_position: vp,
      positions,
      description_positions: uniform ? [4 * w + 1, 4 * w + 2, 4 * w + 3, 4 * w + 4] : null,
      steps,
      settled_by: settledBy(b, meta.loop, depths, w),
      subspaces: {
        read: union([...hs.map((h) => [...h.reads, ...h.updates]), ...fs.map((f) => [...f.reads, ...f.updates]), ...involved.map((x) => x.reads)]),
        written: union([...hs.map((h) => [...h.writes, ...h.updates]), ...fs.map((f) => [...f.writes, ...f.updates]), ...involved.map((x) => x.writes)]),
      },
    });
  }
  return {
    format: 'gatecot-circuit-map',
    version: CIRCUIT_MAP_VERSION,
    model: {
      mode: meta.mode,
      construction: meta.construction ?? 'cot',
      cot: meta.cot,
      readout: b.seq.readout,
      n_layers: meta.n_layers,
      heads: meta.heads,
      d_model: model.d,
      loop: meta.loop ?? null,
      capacity: meta.mode === 'uniform' ? meta.capacity : null,
    },
    applied_layers: applied,
    loops: meta.loop ? (loops ?? meta.loop.count) : null,
    circuit: { name: c.name, n_inputs: n, n_gates: c.ops.length, outputs: c.outputs.map((o) => ({ name: o.name, wires: o.wires })) },
    sequence: { prompt: b.seq.prompt, prompt_length: b.seq.promptLength, cot_length: b.seq.cotLength, seq_len: b.seq.seqLen, outputs: b.seq.outputs },
    subspaces: subspacesOfLabels(meta.basis),
    heads,
    feed_forward: ffs,
    embeddings: embeddings.map((x) => ({ name: x.name, kind: x.kind, writes: x.writes })),
    unembedding: unembed ? { name: unembed.name, reads: unembed.reads } : null,
    wires,
  };
}
