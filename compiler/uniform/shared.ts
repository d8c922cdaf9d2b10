// Pieces both uniform constructions build the same way (the 4tok CoT model, compile.ts, and the
// looped model, looped.ts): the token embedding (what a token is), the position embedding (a
// position's label code and slot), and the layer-0 heads that read the tokens of a position's
// label group, and the metadata. Optional subspaces are filled only where the construction's
// basis has them.

import { Op, truthTable, type OpCode } from '../../circuits/index.js';
import { idOfToken, MODEL_FORMAT_VERSION, UNIFORM_LABEL_OFFSET, UNIFORM_NA, UNIFORM_TYPES, type Basis, type BlockSpaces, type HeadWeights, type Layer, type TargetRule, type UniformMeta } from '../../model/index.js';
import { sbin } from '../layout.js';
import { coords, matchHead } from '../blocks/match.js';

/**
 * Token embedding: tcode (sbin of a wire id, sbin(0) for other tokens), t_tt (a type's truth
 * table), and where the basis has them t_id, t_isval (±1), t_val ("1"), t_na (NA).
 * `swapAnd`: the swap-gate fault (AND gets OR's table).
 */
export function uniformTokenEmbedding(basis: Basis, vocab: string[], swapAnd = false): Float32Array {
  const d = basis.dim;
  const k = basis.space('tcode').size;
  const at = (name: string, i = 0) => basis.at(name, i);
  const e = new Float32Array(vocab.length * d);
  vocab.forEach((t, v) => {
    const row = v * d;
    const id = idOfToken(t);
    for (let b = 0; b < k; b++) e[row + at('tcode', b)] = sbin(id, b);
    if (basis.has('t_id')) e[row + at('t_id')] = id > 0 ? 1 : -1;
    if (basis.has('t_isval')) e[row + at('t_isval')] = t === '0' || t === '1' ? 1 : -1;
    if (basis.has('t_val') && t === '1') e[row + at('t_val')] = 1;
    if (basis.has('t_na') && t === UNIFORM_NA) e[row + at('t_na')] = 1;
    const op = UNIFORM_TYPES.indexOf(t);
    if (op >= 0) {
      const table = swapAnd && op === Op.AND ? truthTable(Op.OR) : truthTable(op as OpCode);
      table.forEach((x, u) => (e[row + at('t_tt', u)] = x));
    }
  });
  return e;
}

/**
 * Position embedding of S positions: label = p + 3, slot = label mod 4: one, slot (one-hot), s3
 * (±1: slot 3), pos_bits (sbin of the label), and where the basis has it prev_bits (sbin of the
 * previous group's last label).
 */
export function labelEmbedding(basis: Basis, S: number): Float32Array {
  const d = basis.dim;
  const kp = basis.space('pos_bits').size;
  const prev = basis.has('prev_bits');
  const at = (name: string, i = 0) => basis.at(name, i);
  const e = new Float32Array(S * d);
  for (let p = 0; p < S; p++) {
    const row = p * d;
    const label = p + UNIFORM_LABEL_OFFSET;
    const slot = label & 3;
    e[row + at('one')] = 1;
    e[row + at('slot', slot)] = 1;
    e[row + at('s3')] = slot === 3 ? 1 : -1;
    for (let b = 0; b < kp; b++) {
      e[row + at('pos_bits', b)] = sbin(label, b);
      if (prev) e[row + at('prev_bits', b)] = sbin(label >= 4 ? label - slot - 1 : label, b);
    }
  }
  return e;
}

/** Copy pairs (from[i], to[i]) of whole subspaces. */
export function copyPairs(basis: Basis, vs: [string, string][]): [number, number][] {
  return vs.flatMap(([from, to]) => coords(basis, from).map((c, i): [number, number] => [c, coords(basis, to)[i]!]));
}

/**
 * The head that fetches the token at slot min(r, slot(p)) of p's group (position-only): label bits
 * 2.. from p's own, bits 0, 1 = min(r, slot). `offByOne`: the off-by-one fault (r = 1 one slot early).
 */
export function groupSlotHead(basis: Basis, name: string, r: number, values: [string, string][], scale: number, offByOne = false): HeadWeights {
  const posKey = coords(basis, 'pos_bits');
  const query = posKey.map((c, b) => {
    if (b >= 2) return new Map([[c, 1]]);
    const form = new Map<number, number>();
    for (let s = 0; s < 4; s++) {
      const target = offByOne && r === 1 ? Math.max(0, Math.min(r, s) - 1) : Math.min(r, s);
      form.set(basis.at('slot', s), sbin(target, b));
    }
    return form;
  });
  return matchHead(basis, { name, query, key: posKey, values: copyPairs(basis, values), scale });
}

export interface UniformParts {
  basis: Basis;
  vocab: string[];
  layers: Layer[];
  scale: number;
  targets: TargetRule[][];
  blocks: BlockSpaces[];
  capacity: number;
  maxSeqLen: number;
}

/** The metadata of a uniform model; `extra` (a loop, a fault, ...) goes last. */
export function uniformMeta(x: UniformParts, extra: Partial<UniformMeta> = {}): UniformMeta {
  return {
    format_version: MODEL_FORMAT_VERSION,
    mode: 'uniform',
    vocab: x.vocab,
    d_model: x.basis.dim,
    n_layers: x.layers.length,
    heads: x.layers.map((L) => L.heads.length),
    cot: '4tok',
    scale: x.scale,
    pos_bits: x.basis.space('pos_bits').size,
    basis: x.basis.labels(),
    head_targets: x.targets,
    blocks: x.blocks,
    capacity: x.capacity,
    max_seq_len: x.maxSeqLen,
    id_bits: x.basis.space('tcode').size,
    label_offset: UNIFORM_LABEL_OFFSET,
    ...extra,
  };
}
