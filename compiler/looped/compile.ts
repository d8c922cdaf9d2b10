// Latent constructions (SSRKR25): no chain of thought; every wire has its own position
// (<bos>, then one per wire: inputs carry their value token "0"/"1", gates the token "?"), the
// circuit is in the position embedding (the prelude: each gate's description — truth table and
// operand positions — is at its own position from the start), and the answer is the argmax AT
// each output wire's position. Three choices over the same blocks (compiler/blocks):
//   looped      ONE layer, applied `loops = depth` times (weights shared): heads fetch_a/fetch_b
//               read the operands' CURRENT values from the residual (attention over the values the
//               previous iteration left, not over tokens); the FF computes the gate and replaces
//               the position's value (writes new - old), and clears its scratch. After iteration
//               t every wire of depth <= t holds its value, exactly (see latentUpdate).
//   looped-cot  the same layer plus a third head (fetch_prev: the `done` flag of position p-1),
//               applied `loops = gates` times: gate t becomes final in loop t (it fires when its
//               predecessor is done and it is not), the one-to-one counterpart of the gate CoT —
//               the decode (exact 0/1) and re-embed (into `val`) happen inside the block.
//   deep        the looped layer unrolled into `depth` distinct stored layers (no loop).
// Key scale: LATENT_SCALE (50): with score gap 2λ = 100 the weight outside the target is
// e^-100 < 2^-144, so under f32 the fetched value is exact after the FF's absorbing sums (the
// header of latentUpdate), and under fixed:s the paper's λ = B_s applies (weights saturate).

import { arity, circuitDepth, truthTable, type Circuit, type OpCode } from '../../circuits/index.js';
import { UserError } from '../../common/errors.js';
import { BOS, MODEL_FORMAT_VERSION, type Basis, type BlockSpaces, type FeedForward, type HeadWeights, type Layer, type Model, type PositionalMeta, type PositionalModel } from '../../model/index.js';
import { concatFeedForward, feedForward, type Unit } from '../blocks/ff.js';
import { gateFeedForward } from '../blocks/gate-ff.js';
import { retrievalHead } from '../blocks/retrieval.js';
import { checkComposition } from '../compose.js';
import { circuitFields } from '../circuit-fields.js';
import { positionBits } from '../layout.js';
import { latentBasis, type LatentKind } from './layout.js';

export const LATENT_SCALE = 50;
export const LATENT_VOCAB = ['0', '1', '?', BOS];

export interface LatentOptions {
  scale?: number;
}

export { circuitDepth };

/** Position of wire w (0 is <bos>). */
const posOf = (w: number): number => 1 + w;

function targets(c: Circuit): { a: number[]; b: number[]; prev: number[] } {
  const S = 1 + c.nInputs + c.ops.length;
  const a = new Array<number>(S).fill(0);
  const b = new Array<number>(S).fill(0);
  const prev = new Array<number>(S).fill(0);
  for (let p = 1; p < S; p++) prev[p] = p - 1;
  c.ops.forEach((op, g) => {
    const p = posOf(c.nInputs + g);
    const ar = arity(op as OpCode);
    if (ar >= 1) a[p] = posOf(c.a[g]!);
    if (ar >= 2) b[p] = posOf(c.b[g]!);
  });
  return { a, b, prev };
}

function positionEmbedding(basis: Basis, c: Circuit, kind: LatentKind, t: ReturnType<typeof targets>): Float32Array {
  const d = basis.dim;
  const S = t.a.length;
  const k = basis.space('pos_bits').size;
  const e = new Float32Array(S * d);
  const bits = (row: number, name: string, v: number) => {
    const o = basis.at(name);
    for (let i = 0; i < k; i++) e[row + o + i] = ((v >>> i) & 1) * 2 - 1;
  };
  for (let p = 0; p < S; p++) {
    const row = p * d;
    e[row + basis.at('one')] = 1;
    const g = p - 1 - c.nInputs;
    if (g >= 0) {
      e[row + basis.at('is_gate')] = 1;
      truthTable(c.ops[g] as OpCode).forEach((x, u) => (e[row + basis.at('tt', u)] = x));
    } else if (kind === 'looped-cot') {
      e[row + basis.at('done')] = 1;
    }
    bits(row, 'pos_bits', p);
    bits(row, 'src_a_bits', t.a[p]!);
    bits(row, 'src_b_bits', t.b[p]!);
    if (kind === 'looped-cot') bits(row, 'src_p_bits', t.prev[p]!);
  }
  return e;
}

function tokenEmbedding(basis: Basis): Float32Array {
  const d = basis.dim;
  const e = new Float32Array(LATENT_VOCAB.length * d);
  e[LATENT_VOCAB.indexOf('1') * d + basis.at('val')] = 1;
  return e;
}

/** Readout: logit "0" = 1/2, logit "1" = val ("?" and <bos> 0): the argmax is the value. */
function unembedding(basis: Basis): Float32Array {
  const d = basis.dim;
  const W = new Float32Array(LATENT_VOCAB.length * d);
  W[LATENT_VOCAB.indexOf('0') * d + basis.at('one')] = 0.5;
  W[LATENT_VOCAB.indexOf('1') * d + basis.at('val')] = 1;
  return W;
}

/** Units that clear scratch coordinates (x <- x - relu(x); scratch is never negative). */
export function clearUnits(basis: Basis, names: string[]): Unit[] {
  return names.map((n) => ({ label: `clear ${n}`, in: [[basis.at(n), 1]], bias: 0, out: [[basis.at(n), -1]] }));
}

/**
 * The block's feed-forward layer. Exactness: every value coordinate holds exactly 0 or 1 at the
 * start of an iteration; a fetched value is v_target + ε with 0 <= ε < S·e^-100 (f32) or ε = 0
 * (fixed:s). Each unit's pre-activation adds at least one nonzero integer term (a ±1 literal, the
 * table bit, or the bias) to the ε terms except where it is -ε (clear units excepted), so the
 * rounded sum is the exact integer and relu gives exactly 0 or 1; the clear units subtract the
 * scratch exactly. Hence the value after an iteration is exactly the gate of the exact operands.
 *   looped:     4 minterm units gated by tt (+1 to val) and forget = relu(val + is_gate - 1)
 *               (-1 to val): val <- gate(a, b) at gates, unchanged at inputs and <bos>.
 *   looped-cot: minterm units also gated by sel = prev_done - done (so only the gate whose
 *               predecessor is done and which is not fires; its val was 0), and
 *               finish = relu(2 prev_done - 2 done - 1) (+1 to done).
 */
function latentUpdate(basis: Basis, kind: LatentKind): FeedForward {
  const d = basis.dim;
  if (kind !== 'looped-cot') {
    const gate = gateFeedForward(basis, { a: 'val_a', b: 'val_b', table: 'tt', out: 'val' });
    const rest = feedForward(d, [{ label: 'forget old value', in: [[basis.at('val'), 1], [basis.at('is_gate'), 1]], bias: -1, out: [[basis.at('val'), -1]] }, ...clearUnits(basis, ['val_a', 'val_b'])]);
    return concatFeedForward(d, [gate, rest]);
  }
  const units: Unit[] = [];
  for (let a0 = 0; a0 < 2; a0++) {
    for (let b0 = 0; b0 < 2; b0++) {
      const u = 2 * a0 + b0;
      // The constant rides on `one` (the first coordinate) and prev_done comes before done in the
      // basis, so every left-to-right partial sum stays in [-3, 1], inside F_2 (|x| <= 3.75):
      // -3 - done would saturate at -3.75 and let a later +3 leave 0.25 behind.
      units.push({
        label: `minterm a=${a0} b=${b0} if selected`,
        in: [
          [basis.at('one'), (1 - a0) + (1 - b0) - 3],
          [basis.at('prev_done'), 1],
          [basis.at('done'), -1],
          [basis.at('val_a'), a0 === 1 ? 1 : -1],
          [basis.at('val_b'), b0 === 1 ? 1 : -1],
          [basis.at('tt', u), 1],
        ],
        bias: 0,
        out: [[basis.at('val'), 1]],
      });
    }
  }
  units.push({ label: 'finish', in: [[basis.at('prev_done'), 2], [basis.at('done'), -2]], bias: -1, out: [[basis.at('done'), 1]] });
  units.push(...clearUnits(basis, ['val_a', 'val_b', 'prev_done']));
  return feedForward(d, units);
}

function blockLayer(basis: Basis, kind: LatentKind, scale: number): Layer {
  const fetch = (name: string, src: string, value: string, out: string): HeadWeights => retrievalHead(basis, { name, src, key: 'pos_bits', value, out, scale });
  const heads = [fetch('fetch_a', 'src_a_bits', 'val', 'val_a'), fetch('fetch_b', 'src_b_bits', 'val', 'val_b')];
  if (kind === 'looped-cot') heads.push(fetch('fetch_prev', 'src_p_bits', 'done', 'prev_done'));
  return { heads, ff: latentUpdate(basis, kind) };
}

function latentBlocks(kind: LatentKind, nLayers: number): BlockSpaces[] {
  const cot = kind === 'looped-cot';
  const src = ['src_a_bits', 'src_b_bits', ...(cot ? ['src_p_bits'] : [])];
  const out: BlockSpaces[] = [
    { name: 'position embedding (prelude: the circuit)', kind: 'position-embedding', layer: -1, reads: [], writes: ['one', 'is_gate', ...(cot ? ['done'] : []), 'tt', 'pos_bits', ...src] },
    { name: 'token embedding', kind: 'token-embedding', layer: -1, reads: [], writes: ['val'] },
  ];
  for (let l = 0; l < nLayers; l++) {
    const own = (x: string) => ['one', x, 'pos_bits', 'val'];
    out.push({ name: 'fetch_a', kind: 'head', layer: l, reads: own('src_a_bits'), writes: l === 0 ? ['val_a'] : [], ...(l > 0 ? { updates: ['val_a'] } : {}) });
    out.push({ name: 'fetch_b', kind: 'head', layer: l, reads: own('src_b_bits'), writes: l === 0 ? ['val_b'] : [], ...(l > 0 ? { updates: ['val_b'] } : {}) });
    if (cot) out.push({ name: 'fetch_prev', kind: 'head', layer: l, reads: ['one', 'src_p_bits', 'pos_bits', 'done'], writes: ['prev_done'] });
    out.push({ name: `update ${l}`, kind: 'feed-forward', layer: l, reads: ['one', 'is_gate', 'tt', ...(cot ? ['prev_done'] : [])], writes: [], updates: ['val', 'val_a', 'val_b', ...(cot ? ['done', 'prev_done'] : [])] });
  }
  out.push({ name: 'unembedding', kind: 'unembedding', layer: nLayers, reads: ['one', 'val'], writes: [] });
  return out;
}

/** A latent model of the circuit: looped, looped-cot or deep (see the header). */
export function compileLatent(c: Circuit, kind: LatentKind, opts: LatentOptions = {}): PositionalModel {
  const scale = opts.scale ?? LATENT_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`the key scale must be a positive number, got ${scale}`);
  const W = c.nInputs + c.ops.length;
  const S = 1 + W;
  const k = positionBits(S);
  const basis = latentBasis(kind, k);
  const t = targets(c);
  const depth = circuitDepth(c);
  const nLayers = kind === 'deep' ? depth : 1;
  const layers: Layer[] = Array.from({ length: nLayers }, () => blockLayer(basis, kind, scale));
  const q = LATENT_VOCAB.indexOf('?');
  const prompt = [LATENT_VOCAB.indexOf(BOS), ...Array.from({ length: c.nInputs }, (_, i) => `x${i}`), ...c.ops.map(() => q)];
  const headTargets = layers.map(() => [t.a, t.b, ...(kind === 'looped-cot' ? [t.prev] : [])].map((positions) => ({ rule: 'positions' as const, positions })));
  const blocks = latentBlocks(kind, nLayers);
  const meta: PositionalMeta = {
    format_version: MODEL_FORMAT_VERSION,
    mode: 'positional',
    construction: kind,
    readout: 'argmax',
    vocab: LATENT_VOCAB,
    d_model: basis.dim,
    n_layers: nLayers,
    heads: layers.map((L) => L.heads.length),
    cot: 'gate',
    scale,
    prompt,
    cot_length: 0,
    cot_template: [],
    outputs: c.outputs.flatMap((o) => o.wires.map(posOf)),
    seq_len: S,
    pos_bits: k,
    basis: basis.labels(),
    head_targets: headTargets,
    blocks,
    ...circuitFields(c),
    ...(kind === 'deep' ? {} : { loop: { start: 0, end: 1, count: kind === 'looped' ? depth : Math.max(1, c.ops.length), count_is: kind === 'looped' ? ('depth' as const) : ('gates' as const) } }),
  };
  const model: Model = { d: basis.dim, vocab: LATENT_VOCAB, tokEmb: tokenEmbedding(basis), posEmb: positionEmbedding(basis, c, kind, t), unembed: unembedding(basis), layers, meta };
  checkComposition(model, basis, blocks);
  return model as PositionalModel;
}
