// The sequence contract, bound to one circuit: the prompt and chain-of-thought templates, where
// the outputs are read, and each head's intended target at every position. A positional model
// carries all of it in its metadata; a uniform model carries rules, bound here to the circuit
// typed into its prompt (model/uniform-sequence.ts). Verify, trace, the proofs and the fuzzer
// read this object and never re-run the compiler's planner.

import { circuitDepth, type Circuit } from '../circuits/index.js';
import type { CotEntry, CotFormat, ModelMeta, ModelMode, Readout, PositionalMeta, PromptEntry, TargetRule, UniformMeta } from './model.js';
import { ModelFileError } from './safetensors.js';
import { ownIdPosition, uniformTemplate } from './uniform-sequence.js';
import { idOfToken, UNIFORM_TYPES } from './vocab.js';

export interface BoundSequence {
  mode: ModelMode;
  /** token: a wire's value is the TOKEN at its value position (CoT); argmax: the argmax AT it (latent). */
  readout: Readout;
  cot: CotFormat;
  /** CoT tokens per wire group (1: gate CoT, 4: 4tok and uniform). */
  group: number;
  prompt: PromptEntry[];
  cotTemplate: CotEntry[];
  promptLength: number;
  cotLength: number;
  seqLen: number;
  /** For each output wire (groups concatenated), the position whose token is its value. */
  outputs: number[];
  /** For each wire, the position of the token that holds its own value (not a copy). */
  valuePos: Int32Array;
  /** targets[l][h][p]: the position head h of layer l is meant to attend to at p (-1: none). */
  targets: Int32Array[][];
  /** The wire whose CoT group holds position p (-1 in the prompt); latent models: the wire at p. */
  wireAt(p: number): number;
  /**
   * The loop count this circuit needs, where the model leaves it to the circuit: a uniform looped
   * model serves circuits of any depth and runs each with its depth (absent: the model's own count).
   */
  loops?: number;
}

function entryWire(e: PromptEntry | CotEntry, prefix: string): number {
  return typeof e === 'string' && e[0] === prefix ? Number(e.slice(1)) : -1;
}

/** Own-value positions: each wire's value at the end of its CoT group, inputs of a positional
 * prompt at their "x<k>" entries. */
function valuePositions(nWires: number, prompt: PromptEntry[], cot: CotEntry[], group: number): Int32Array {
  const pos = new Int32Array(nWires).fill(-1);
  prompt.forEach((e, p) => {
    const w = entryWire(e, 'x');
    if (w >= 0 && w < nWires) pos[w] = p;
  });
  for (let t = group - 1; t < cot.length; t += group) {
    const w = entryWire(cot[t]!, 'w');
    if (w >= 0 && w < nWires && (pos[w] === -1 || pos[w]! < prompt.length)) pos[w] = prompt.length + t;
  }
  return pos;
}

function wireAtOf(P: number, group: number, cot: CotEntry[]): (p: number) => number {
  return (p: number) => {
    if (p < P || p >= P + cot.length) return -1;
    const end = P + Math.floor((p - P) / group) * group + group - 1;
    return entryWire(cot[end - P]!, 'w');
  };
}

/** The contract of a positional model (its own circuit). */
export function bindPositional(meta: PositionalMeta, nWires: number): BoundSequence {
  const S = meta.seq_len;
  const targets = meta.head_targets.map((layer, l) =>
    layer.map((r, h) => {
      if (r.rule !== 'positions') throw new ModelFileError(`head ${h} of layer ${l}: a positional model states its targets as positions, not the rule '${r.rule}'`);
      if (r.positions.length !== S) throw new ModelFileError(`head ${h} of layer ${l}: ${r.positions.length} targets for ${S} positions`);
      return Int32Array.from(r.positions);
    }),
  );
  const group = meta.cot === 'gate' ? 1 : 4;
  const P = meta.prompt.length;
  const readout = meta.readout ?? 'token';
  return {
    mode: 'positional',
    readout,
    cot: meta.cot,
    group,
    prompt: meta.prompt,
    cotTemplate: meta.cot_template,
    promptLength: P,
    cotLength: meta.cot_length,
    seqLen: S,
    outputs: meta.outputs,
    valuePos: readout === 'argmax' ? Int32Array.from({ length: nWires }, (_, w) => 1 + w) : valuePositions(nWires, meta.prompt, meta.cot_template, group),
    targets,
    wireAt: readout === 'argmax' ? (p: number) => (p >= 1 && p <= nWires ? p - 1 : -1) : wireAtOf(P, group, meta.cot_template),
  };
}

/** The contract of a uniform model bound to a circuit of at most `capacity` wires. */
export function bindUniform(meta: UniformMeta, c: Circuit): BoundSequence {
  if (meta.readout === 'argmax') return bindUniformLooped(meta, c);
  const t = uniformTemplate(c, meta);
  const tokens = resolveTemplate(meta.vocab, t.prompt, t.cotTemplate, new Uint8Array(c.nInputs + c.ops.length));
  const targets = meta.head_targets.map((layer) => layer.map((r) => evaluateRule(r, tokens, meta)));
  const P = t.prompt.length;
  return {
    mode: 'uniform',
    readout: 'token',
    cot: '4tok',
    group: 4,
    prompt: t.prompt,
    cotTemplate: t.cotTemplate,
    promptLength: P,
    cotLength: t.cotTemplate.length,
    seqLen: P + t.cotTemplate.length,
    outputs: t.outputs,
    valuePos: valuePositions(c.nInputs + c.ops.length, t.prompt, t.cotTemplate, 4),
    targets,
    wireAt: wireAtOf(P, 4, t.cotTemplate),
  };
}

/**
 * A uniform looped model (no CoT) bound to a circuit: the prompt of the uniform model, wire w's
 * value read as the argmax at its own id (ownIdPosition), the loop run `depth(circuit)` times.
 */
function bindUniformLooped(meta: UniformMeta, c: Circuit): BoundSequence {
  const t = uniformTemplate(c, meta);
  const W = c.nInputs + c.ops.length;
  const tokens = resolveTemplate(meta.vocab, t.prompt, [], new Uint8Array(W));
  const P = t.prompt.length;
  return {
    mode: 'uniform',
    readout: 'argmax',
    cot: meta.cot,
    group: 4,
    prompt: t.prompt,
    cotTemplate: [],
    promptLength: P,
    cotLength: 0,
    seqLen: P,
    outputs: c.outputs.flatMap((o) => o.wires.map(ownIdPosition)),
    valuePos: Int32Array.from({ length: W }, (_, w) => ownIdPosition(w)),
    targets: meta.head_targets.map((layer) => layer.map((r) => evaluateRule(r, tokens, meta))),
    wireAt: (p: number) => (p >= 1 && p < P ? (p - 1) >> 2 : -1),
    loops: circuitDepth(c),
  };
}

/** Token ids of a template, with every wire-dependent entry resolved from `wires` (all wire values). */
export function resolveTemplate(vocab: string[], prompt: PromptEntry[], cot: CotEntry[], wires: Uint8Array): Int32Array {
  const out = new Int32Array(prompt.length + cot.length);
  const r = entryResolver(vocab);
  prompt.forEach((e, p) => (out[p] = r(e, wires)));
  cot.forEach((e, t) => (out[prompt.length + t] = r(e, wires)));
  return out;
}

/** Resolves one entry: a token id, x<k>/w<k> (value token of wire k), c<k> (FALSE/TRUE by wire k). */
export function entryResolver(vocab: string[]): (e: PromptEntry | CotEntry, wires: Uint8Array) => number {
  const zero = vocab.indexOf('0');
  const one = vocab.indexOf('1');
  const f = vocab.indexOf(UNIFORM_TYPES[8]!);
  const tr = vocab.indexOf(UNIFORM_TYPES[9]!);
  return (e, wires) => {
    if (typeof e === 'number') return e;
    const k = Number(e.slice(1));
    if (!Number.isInteger(k) || k < 0 || k >= wires.length) throw new ModelFileError(`sequence entry ${e} names no wire`);
    switch (e[0]) {
      case 'x':
      case 'w':
        return wires[k] ? one : zero;
      case 'c':
        if (f < 0 || tr < 0) throw new ModelFileError(`sequence entry ${e} needs FALSE/TRUE tokens in the vocabulary`);
        return wires[k] ? tr : f;
      default:
        throw new ModelFileError(`bad sequence entry ${e}`);
    }
  };
}

/** Slot (0..3) and group start of position p in a uniform sequence. */
export function uniformSlot(meta: Pick<UniformMeta, 'label_offset'>, p: number): { slot: number; start: number } {
  const slot = (p + meta.label_offset) & 3;
  return { slot, start: p - slot };
}

/**
 * Whether a rule's targets lie just behind the query (the same or the previous 4-token group: at
 * most 7 positions back), so that an attention kernel walking keys from the newest finds them
 * first. Rules that name a position by its contents (a description, an operand) and explicit
 * positions say no.
 */
export function targetsJustBehind(rule: TargetRule | undefined): boolean {
  return rule?.rule === 'group-slot' || rule?.rule === 'previous-group';
}

/**
 * Evaluates a target rule over a token sequence (for every position, -1 where the rule names
 * nothing or what it names is not visible). Uniform rules look only at id tokens and positions,
 * so they give the same targets for every input of a circuit.
 */
export function evaluateRule(rule: TargetRule, tokens: Int32Array, meta: ModelMeta): Int32Array {
  const S = tokens.length;
  const out = new Int32Array(S).fill(-1);
  if (rule.rule === 'positions') {
    for (let p = 0; p < S; p++) out[p] = rule.positions[p] ?? -1;
    return out;
  }
  if (meta.mode !== 'uniform') throw new ModelFileError(`the rule '${rule.rule}' belongs to uniform models`);
  const vocab = meta.vocab;
  const ids = Int32Array.from(tokens, (t) => idOfToken(vocab[t] ?? ''));
  const isVal = (t: number) => vocab[t] === '0' || vocab[t] === '1';
  const at = (p: number) => uniformSlot(meta, p);
  const groupId = (p: number): number => {
    const s = at(p).start;
    return s >= 0 ? ids[s]! : 0;
  };
  // descriptions: own-id tokens at slot 3; CoT values: value tokens at slot 3 of a group started by an id
  const descOf = new Map<number, number>();
  const descAfter = new Map<number, number>();
  const valueOf = new Map<number, number>();
  for (let p = 0; p < S; p++) {
    const { slot, start } = at(p);
    if (slot !== 3) continue;
    if (ids[p]! > 0) {
      if (!descOf.has(ids[p]!)) descOf.set(ids[p]!, p);
      const prev = start - 1 >= 0 ? ids[start - 1]! : 0;
      if (!descAfter.has(prev)) descAfter.set(prev, p);
    } else if (isVal(tokens[p]!) && start >= 0 && ids[start]! > 0 && !valueOf.has(ids[start]!)) {
      valueOf.set(ids[start]!, p);
    }
  }
  const visible = (p: number, q: number | undefined) => (q !== undefined && q >= 0 && q <= p ? q : -1);
  for (let p = 0; p < S; p++) {
    const { slot, start } = at(p);
    switch (rule.rule) {
      case 'group-slot':
        out[p] = visible(p, start + Math.min(rule.offset, slot));
        break;
      case 'previous-group':
        out[p] = start - 1 >= 0 ? start - 1 : p;
        break;
      case 'description':
        out[p] = visible(p, descOf.get(groupId(p)));
        break;
      case 'next-description':
        out[p] = visible(p, descAfter.get(groupId(p)));
        break;
      case 'operand-description': {
        const q = start + Math.min(rule.offset, slot);
        const id = q >= 0 ? ids[q]! : 0;
        out[p] = id > 0 ? visible(p, descOf.get(id)) : 0;
        break;
      }
      case 'operand-value': {
        const d = descOf.get(groupId(p));
        const operand = d !== undefined && slot < 2 ? ids[d - 2 + slot]! : 0;
        out[p] = operand > 0 ? visible(p, valueOf.get(operand)) : -1;
        break;
      }
    }
  }
  return out;
}
