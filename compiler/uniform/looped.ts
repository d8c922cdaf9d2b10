// compileUniformLooped(N): ONE looped transformer that evaluates every circuit of at most N wires
// typed into its prompt, with NO chain of thought (SSRKR25's parallel latent thoughts, on the
// circuit-in-the-prompt layout of the uniform model: model/uniform-sequence.ts). The prompt is the
// uniform model's (`<bos>`, then per wire `TYPE in1 in2 #k`); wire k's value is the argmax AT its
// own id #k (slot 3 of its description) after the last iteration.
//   prelude (layer 0, once)  the uniform model's position-only heads group_0, group_1, group_2:
//            every own-id position reads its description (type table, both operand id codes);
//            the feed-forward layer sets val = tt[0] (the gate on (0, 0): a constant's value)
//   block (layer 1, looped)  fetch_a, fetch_b: match heads whose query is an operand's id code and
//            whose keys are the own-id codes at slot 3 (<bos>, at slot 3 with code sbin(0), is the
//            key of id 0: an NA operand reads its value 0); they fetch the operands' CURRENT `val`
//            from the residual. The feed-forward layer computes the gate from the description's
//            table and replaces val (writes new - old) and clears its scratch (val_a, val_b).
// After the prelude every input (a TRUE/FALSE constant gate) holds its value; after iteration t
// every wire of depth <= t does. So a circuit of depth D needs D iterations: the file's loop count
// is the capacity N (always enough), and the bound circuit supplies its own, D (contract.ts).
// Nothing in the weights depends on a circuit: position embedding = f(position), token embedding
// = f(token).
//
// Exactness (as compiler/looped/compile.ts): key scale LATENT_SCALE = 50, score gap 2λ = 100, so
// a fetched quantity is its target's plus ε with 0 <= ε < S·e^-100 under f32 (ε = 0 under
// fixed:s, where λ saturates to B_s and the match is exactly one-hot). ε only matters next to 0:
// ±1 codes and 1-valued bits absorb it. Every unit below puts its constant on `one` (the first
// coordinate) and reads val_a, val_b before g_tt (the basis order), so each ε-carrying term is
// added to a nonzero integer partial sum (in [-3, -1]) and is absorbed; the pre-activation is the
// exact integer, relu gives exactly 0 or 1, and every partial sum stays inside F_2 (|x| <= 3.75).
//   init      relu(2 g_tt[0] - 1)                                  -> val (+1)
//   minterm   relu(2 g_tt[u] + l_a + l_b - 3), l_a = a or 1 - a    -> val (+1)   (u = 2 a0 + b0)
//   forget    relu(val)                                            -> val (-1)   (val is exact)
//   clear     relu(val_a), relu(val_b)                             -> themselves (-1)

import { UserError } from '../../common/errors.js';
import { uniformVocabulary, type BlockSpaces, type FeedForward, type TargetRule, type UniformModel } from '../../model/index.js';
import { feedForward, type Unit } from '../blocks/ff.js';
import { coords, copyForms, matchHead } from '../blocks/match.js';
import { checkComposition } from '../compose.js';
import { clearUnits, LATENT_SCALE } from '../looped/compile.js';
import { MAX_CAPACITY } from './compile.js';
import { uniformLoopedBasis } from './layout.js';
import { groupSlotHead, labelEmbedding, uniformMeta, uniformTokenEmbedding } from './shared.js';

export interface UniformLoopedOptions {
  scale?: number;
}

type LoopedBasis = ReturnType<typeof uniformLoopedBasis>['basis'];

/** The block's feed-forward layer: val <- gate(val_a, val_b) by the table g_tt (see the header). */
function blockFeedForward(basis: LoopedBasis): FeedForward {
  const at = (name: string, i = 0) => basis.at(name, i);
  const units: Unit[] = [];
  for (let a0 = 0; a0 < 2; a0++) {
    for (let b0 = 0; b0 < 2; b0++) {
      const u = 2 * a0 + b0;
      units.push({
        label: `minterm a=${a0} b=${b0}`,
        in: [
          [at('one'), (1 - a0) + (1 - b0) - 3],
          [at('val_a'), a0 === 1 ? 1 : -1],
          [at('val_b'), b0 === 1 ? 1 : -1],
          [at('g_tt', u), 2],
        ],
        bias: 0,
        out: [[at('val'), 1]],
      });
    }
  }
  units.push({ label: 'forget old value', in: [[at('val'), 1]], bias: 0, out: [[at('val'), -1]] });
  units.push(...clearUnits(basis, ['val_a', 'val_b']));
  return feedForward(basis.dim, units);
}

function loopedBlocks(): BlockSpaces[] {
  return [
    { name: 'position embedding', kind: 'position-embedding', layer: -1, reads: [], writes: ['one', 'slot', 's3', 'pos_bits'] },
    { name: 'token embedding', kind: 'token-embedding', layer: -1, reads: [], writes: ['tcode', 't_tt'] },
    { name: 'group_0', kind: 'head', layer: 0, reads: ['one', 'slot', 'pos_bits', 't_tt'], writes: ['g_tt'] },
    { name: 'group_1', kind: 'head', layer: 0, reads: ['one', 'slot', 'pos_bits', 'tcode'], writes: ['o1_code'] },
    { name: 'group_2', kind: 'head', layer: 0, reads: ['one', 'slot', 'pos_bits', 'tcode'], writes: ['o2_code'] },
    { name: 'initial value', kind: 'feed-forward', layer: 0, units: [0, 1], reads: ['one', 'g_tt'], writes: ['val'] },
    { name: 'fetch_a', kind: 'head', layer: 1, reads: ['one', 'o1_code', 'tcode', 's3', 'val'], writes: ['val_a'] },
    { name: 'fetch_b', kind: 'head', layer: 1, reads: ['one', 'o2_code', 'tcode', 's3', 'val'], writes: ['val_b'] },
    { name: 'update', kind: 'feed-forward', layer: 1, units: [0, 7], reads: ['one', 'g_tt'], writes: [], updates: ['val', 'val_a', 'val_b'] },
    { name: 'unembedding', kind: 'unembedding', layer: 2, reads: ['one', 'val'], writes: [] },
  ];
}

/** Readout: logit "0" = 1/2, logit "1" = val, every other token 0: the argmax at an own id is its value. */
function loopedUnembedding(basis: LoopedBasis, vocab: string[]): Float32Array {
  const d = basis.dim;
  const W = new Float32Array(vocab.length * d);
  W[vocab.indexOf('0') * d + basis.at('one')] = 0.5;
  W[vocab.indexOf('1') * d + basis.at('val')] = 1;
  return W;
}

/** The uniform looped model of capacity N (see the header). */
export function compileUniformLooped(capacity: number, opts: UniformLoopedOptions = {}): UniformModel {
  if (!Number.isInteger(capacity) || capacity < 2 || capacity > MAX_CAPACITY) {
    throw new UserError(`the capacity must be an integer from 2 to ${MAX_CAPACITY} wires, got ${capacity}`);
  }
  const scale = opts.scale ?? LATENT_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`the key scale must be a positive number, got ${scale}`);
  const { basis } = uniformLoopedBasis(capacity);
  const d = basis.dim;
  const at = (name: string, i = 0) => basis.at(name, i);
  const vocab = uniformVocabulary(capacity);
  const S = 1 + 4 * capacity;

  const prelude = [
    groupSlotHead(basis, 'group_0', 0, [['t_tt', 'g_tt']], scale),
    groupSlotHead(basis, 'group_1', 1, [['tcode', 'o1_code']], scale),
    groupSlotHead(basis, 'group_2', 2, [['tcode', 'o2_code']], scale),
  ];
  const init = feedForward(d, [{ label: 'initial value tt[0]', in: [[at('one'), -1], [at('g_tt', 0), 2]], bias: 0, out: [[at('val'), 1]] }]);
  // keys: the own-id code at slot 3 (role bit s3); query: the operand's id code (role 1)
  const fetch = (name: string, code: string, out: string) =>
    matchHead(basis, {
      name,
      query: [...copyForms(coords(basis, code)), new Map([[at('one'), 1]])],
      key: [...coords(basis, 'tcode'), at('s3')],
      values: [[at('val'), at(out)]],
      scale,
    });
  const block = [fetch('fetch_a', 'o1_code', 'val_a'), fetch('fetch_b', 'o2_code', 'val_b')];
  const layers = [
    { heads: prelude, ff: init },
    { heads: block, ff: blockFeedForward(basis) },
  ];
  const targets: TargetRule[][] = [
    [0, 1, 2].map((offset): TargetRule => ({ rule: 'group-slot', offset })),
    [1, 2].map((offset): TargetRule => ({ rule: 'operand-description', offset })),
  ];
  const blocks = loopedBlocks();
  const loop = { start: 1, end: 2, count: capacity, count_is: 'capacity' as const };
  const meta = uniformMeta({ basis, vocab, layers, scale, targets, blocks, capacity, maxSeqLen: S }, { construction: 'looped', readout: 'argmax', loop });
  const model: UniformModel = {
    d,
    vocab,
    tokEmb: uniformTokenEmbedding(basis, vocab),
    posEmb: labelEmbedding(basis, S),
    unembed: loopedUnembedding(basis, vocab),
    layers,
    meta,
  };
  checkComposition(model, basis, blocks);
  return model;
}
