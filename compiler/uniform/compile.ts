// compileUniform(N): ONE transformer that evaluates every circuit of at most N wires typed into
// its prompt (the circuit value problem of LLZM24 Sec. 4), with the 4-token CoT `#k v(in1) v(in2)
// v(k)` per wire (model/uniform-sequence.ts). Three layers at every N:
//   layer 0  four position-only heads: the tokens at slots 0, 1, 2 of p's group, and the last token
//            of the previous group (so each description's own-id position holds its whole
//            description and the id before it)
//   layer 1  `description` fetches the description of the group's wire by matching its id;
//            `next` fetches the id of the description after it (the token written after a group);
//            the feed-forward layer applies the gate to the two values just written, picks the
//            operand to fetch by slot, and decides NA
//   layer 2  `operand` fetches that operand's value from its own CoT group by matching its id;
//            the feed-forward layer picks the bit to write by slot
// Nothing in the weights depends on a circuit: position embedding = f(position), token embedding
// = f(token). Every head is a match head (blocks/match.ts): exact one-hot under F_s with λ = B_s.

import { UserError } from '../../common/errors.js';
import {
  BOS,
  UNIFORM_NA,
  UNIFORM_TYPES,
  idOfToken,
  uniformSeqLen,
  uniformVocabulary,
  type BlockSpaces,
  type UniformModel,
  type TargetRule,
} from '../../model/index.js';
import { concatFeedForward, feedForward, type Unit } from '../blocks/ff.js';
import { gateFeedForward } from '../blocks/gate-ff.js';
import { coords, copyForms, matchHead } from '../blocks/match.js';
import { sbin } from '../layout.js';
import { checkComposition } from '../compose.js';
import { uniformBasis } from './layout.js';
import { copyPairs, groupSlotHead, labelEmbedding, uniformMeta, uniformTokenEmbedding } from './shared.js';

/** Largest capacity: the engines index positions and token ids with 32-bit integers, and the
 * position embedding of 1 + 8N rows must stay within a few GB. */
export const MAX_CAPACITY = 1 << 20;

export interface UniformOptions {
  scale?: number;
  fault?: 'weak-scale' | 'swap-gate' | 'off-by-one';
}

const WEAK = 0.05;

/** The heads' key scale λ: a key whose ±1 code differs from the query's in a pair scores at least
 *  2λ = 128 below the match, and exp(-128) rounds to exactly 0 in f32 and f16 (their least subnormals are
 *  about e^-103.3 and e^-16.6), so every head's f32 weights are exactly one-hot, as they are in
 *  F_s, where [64] = B_s for s <= 6. Engines may then leave out exactly-zero weights' work
 *  (runtime/webgpu/shaders/flash-cpu.ts skips key blocks of zero weights). */
export const UNIFORM_SCALE = 64;

export function compileUniform(capacity: number, opts: UniformOptions = {}): UniformModel {
  if (!Number.isInteger(capacity) || capacity < 2 || capacity > MAX_CAPACITY) {
    throw new UserError(`the capacity must be an integer from 2 to ${MAX_CAPACITY} wires, got ${capacity}`);
  }
  const scale = opts.fault === 'weak-scale' ? WEAK : opts.scale ?? UNIFORM_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`the key scale must be a positive number, got ${scale}`);
  const { basis, k } = uniformBasis(capacity);
  const d = basis.dim;
  const at = (name: string, i = 0) => basis.at(name, i);
  const vocab = uniformVocabulary(capacity);
  const S = uniformSeqLen(capacity);

  const tokEmb = uniformTokenEmbedding(basis, vocab, opts.fault === 'swap-gate');
  const posEmb = labelEmbedding(basis, S);

  const posKey = coords(basis, 'pos_bits');
  const roleQuery = (): Map<number, number> => new Map([[at('one'), 1]]);
  // layer 0: the token at slot r of p's group, and the last token of the previous group
  const offByOne = opts.fault === 'off-by-one';
  const pairs = (vs: [string, string][]) => copyPairs(basis, vs);
  const layer0 = [
    groupSlotHead(basis, 'group_0', 0, [['tcode', 'g_code'], ['t_tt', 'g_tt']], scale, offByOne),
    groupSlotHead(basis, 'group_1', 1, [['tcode', 'o1_code'], ['t_na', 'o1_na'], ['t_val', 'o1_val']], scale, offByOne),
    groupSlotHead(basis, 'group_2', 2, [['tcode', 'o2_code'], ['t_na', 'o2_na']], scale, offByOne),
    matchHead(basis, { name: 'previous', query: copyForms(coords(basis, 'prev_bits')), key: posKey, values: pairs([['tcode', 'p_code']]), scale }),
  ];

  // layer 1: match the group's id against the descriptions (own id, or the id before them)
  const idQuery = [...copyForms(coords(basis, 'g_code')), roleQuery(), roleQuery()];
  const description = matchHead(basis, {
    name: 'description',
    query: idQuery,
    key: [...coords(basis, 'tcode'), at('s3'), at('t_id')],
    values: pairs([['g_tt', 'd_tt'], ['o1_code', 'd_in1'], ['o1_na', 'd_na1'], ['o2_code', 'd_in2'], ['o2_na', 'd_na2']]),
    scale,
  });
  const next = matchHead(basis, {
    name: 'next',
    query: idQuery,
    key: [...coords(basis, 'p_code'), at('s3'), at('t_id')],
    values: coords(basis, 'tcode').flatMap((c, b): [number, number][] => [[c, at('next_pair', 2 * b)], [at('one'), at('next_pair', 2 * b + 1)]]),
    scale,
  });
  const gate = gateFeedForward(basis, { a: 'o1_val', b: 't_val', table: 'd_tt', out: 'y' });
  const muxUnits: Unit[] = [];
  for (const [slot, src] of [[0, 'd_in1'], [1, 'd_in2']] as const) {
    for (let b = 0; b < k; b++) {
      // s·x = relu(x + 2s - 2) - relu(-x + 2s - 2) for s in {0, 1}, x in [-1, 1]
      for (const sign of [1, -1]) {
        muxUnits.push({ label: `q_op[${b}] ${sign > 0 ? '+' : '-'}slot${slot}·${src}`, in: [[at('slot', slot), 2], [at(src, b), sign]], bias: -2, out: [[at('q_op', b), sign]] });
      }
    }
  }
  const naUnits: Unit[] = [
    { label: 'NA at slot 0', in: [[at('slot', 0), 1], [at('d_na1'), 1]], bias: -1, out: [[at('out_na'), 1]] },
    { label: 'NA at slot 1', in: [[at('slot', 1), 1], [at('d_na2'), 1]], bias: -1, out: [[at('out_na'), 1]] },
  ];
  const ff1 = concatFeedForward(d, [gate, feedForward(d, muxUnits), feedForward(d, naUnits)]);

  // layer 2: fetch the operand's value from its CoT group (slot 3, a value token)
  const operand = matchHead(basis, {
    name: 'operand',
    query: [...copyForms(coords(basis, 'q_op')), roleQuery(), roleQuery()],
    key: [...coords(basis, 'g_code'), at('s3'), at('t_isval')],
    values: [[at('t_val'), at('val')]],
    scale,
  });
  const ff2 = feedForward(d, [
    { label: 'operand value at slots 0, 1', in: [[at('slot', 0), 1], [at('slot', 1), 1], [at('val'), 1]], bias: -1, out: [[at('out_bit'), 1]] },
    { label: 'gate value at slot 2', in: [[at('slot', 2), 1], [at('y'), 1]], bias: -1, out: [[at('out_bit'), 1]] },
  ]);

  const unembed = uniformUnembedding(basis, vocab, k);
  const targets: TargetRule[][] = [
    [{ rule: 'group-slot', offset: 0 }, { rule: 'group-slot', offset: 1 }, { rule: 'group-slot', offset: 2 }, { rule: 'previous-group' }],
    [{ rule: 'description' }, { rule: 'next-description' }],
    [{ rule: 'operand-value' }],
  ];
  const layers = [
    { heads: layer0, ff: feedForward(d, []) },
    { heads: [description, next], ff: ff1 },
    { heads: [operand], ff: ff2 },
  ];
  const blocks = uniformBlocks(gate.m, muxUnits.length, naUnits.length);
  const meta = uniformMeta({ basis, vocab, layers, scale, targets, blocks, capacity, maxSeqLen: S }, opts.fault ? { fault: opts.fault } : {});
  const model: UniformModel = { d, vocab, tokEmb, posEmb, unembed, layers, meta };
  checkComposition(model, basis, blocks);
  return model;
}

/**
 * Output layer, with v = slot0 + slot1 + slot2 (a value or NA to write) and n = out_na:
 *   "0": 1.5 v - 1.5 n      "1": v + out_bit - 1.5 n      NA: 2 n
 *   "#j": 2 slot3 + Σ_b (sbin(j)_b next_b - 1), the pairs interleaved: 0 for the id whose code
 *   next holds, at most -2 for every other (saturating under F_s, never above 0)
 * The right token leads by at least 0.5 (value), 1.5 (NA) or 2 (id); every coefficient and partial
 * sum stays inside F_2.
 */
function uniformUnembedding(basis: ReturnType<typeof uniformBasis>['basis'], vocab: string[], k: number): Float32Array {
  const d = basis.dim;
  const W = new Float32Array(vocab.length * d);
  const set = (v: number, name: string, x: number, i = 0) => (W[v * d + basis.at(name, i)] = x);
  vocab.forEach((t, v) => {
    const id = idOfToken(t);
    if (t === '0' || t === '1') {
      for (let s = 0; s < 3; s++) set(v, 'slot', t === '0' ? 1.5 : 1, s);
      if (t === '1') set(v, 'out_bit', 1);
      set(v, 'out_na', -1.5);
    } else if (t === UNIFORM_NA) {
      set(v, 'out_na', 2);
    } else if (id > 0) {
      set(v, 'slot', 2, 3);
      for (let b = 0; b < k; b++) {
        set(v, 'next_pair', sbin(id, b), 2 * b);
        set(v, 'next_pair', -1, 2 * b + 1);
      }
    } else if (t !== BOS && !UNIFORM_TYPES.includes(t)) {
      throw new Error(`no output row for token ${t}`);
    }
  });
  return W;
}

function uniformBlocks(gateUnits: number, muxUnits: number, naUnits: number): BlockSpaces[] {
  const head = (name: string, layer: number, reads: string[], writes: string[]): BlockSpaces => ({ name, kind: 'head', layer, reads, writes });
  const ff = (name: string, layer: number, units: [number, number], reads: string[], writes: string[]): BlockSpaces => ({ name, kind: 'feed-forward', layer, units, reads, writes });
  const m1 = gateUnits + muxUnits;
  return [
    { name: 'position embedding', kind: 'position-embedding', layer: -1, reads: [], writes: ['one', 'slot', 's3', 'pos_bits', 'prev_bits'] },
    { name: 'token embedding', kind: 'token-embedding', layer: -1, reads: [], writes: ['tcode', 't_id', 't_isval', 't_val', 't_na', 't_tt'] },
    head('group_0', 0, ['one', 'slot', 'pos_bits', 'tcode', 't_tt'], ['g_code', 'g_tt']),
    head('group_1', 0, ['one', 'slot', 'pos_bits', 'tcode', 't_na', 't_val'], ['o1_code', 'o1_na', 'o1_val']),
    head('group_2', 0, ['one', 'slot', 'pos_bits', 'tcode', 't_na'], ['o2_code', 'o2_na']),
    head('previous', 0, ['one', 'prev_bits', 'pos_bits', 'tcode'], ['p_code']),
    head('description', 1, ['one', 'g_code', 'tcode', 's3', 't_id', 'g_tt', 'o1_code', 'o1_na', 'o2_code', 'o2_na'], ['d_tt', 'd_in1', 'd_na1', 'd_in2', 'd_na2']),
    head('next', 1, ['one', 'g_code', 'p_code', 's3', 't_id', 'tcode'], ['next_pair']),
    ff('gate', 1, [0, gateUnits], ['o1_val', 't_val', 'd_tt'], ['y']),
    ff('operand select', 1, [gateUnits, m1], ['slot', 'd_in1', 'd_in2'], ['q_op']),
    ff('NA select', 1, [m1, m1 + naUnits], ['slot', 'd_na1', 'd_na2'], ['out_na']),
    head('operand', 2, ['one', 'q_op', 'g_code', 's3', 't_isval', 't_val'], ['val']),
    ff('write bit', 2, [0, 2], ['slot', 'val', 'y'], ['out_bit']),
    { name: 'unembedding', kind: 'unembedding', layer: 3, reads: ['slot', 'out_bit', 'out_na', 'next_pair'], writes: [] },
  ];
}
