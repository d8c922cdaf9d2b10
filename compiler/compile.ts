// compile(circuit) -> Model: the construction of LLZM24 Thm 3.3 (positional: the circuit in the
// position embedding; one layer, two retrieval heads fetch_a and fetch_b, one gate feed-forward
// block, an output layer; the same weights serve every input), or with mode 'uniform' the
// smallest uniform model that holds the circuit (compiler/uniform: the circuit goes in the prompt);
// with `latent` a latent construction (no CoT), and with mode 'uniform' and latent 'looped' the
// smallest uniform looped model (compiler/uniform/looped.ts).

import { Op, type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { MODEL_FORMAT_VERSION, sha256, type BlockSpaces, type CotFormat, type Model, type ModelMode, type PositionalMeta, type PositionalModel } from '../model/index.js';
import { positionEmbedding, tokenEmbedding } from './blocks/embedding.js';
import { gateFeedForward } from './blocks/gate-ff.js';
import { retrievalHead } from './blocks/retrieval.js';
import { unembedding } from './blocks/unembed.js';
import { checkComposition } from './compose.js';
import { circuitFields } from './circuit-fields.js';
import { positionBits, residualBasis } from './layout.js';
import { faultyPlan, WEAK_SCALE, type Fault } from './faults.js';
import { planSequence } from './plan.js';
import { compileUniform } from './uniform/compile.js';
import { compileUniformLooped } from './uniform/looped.js';
import { compileLatent } from './looped/compile.js';
import type { LatentKind } from './looped/layout.js';

export interface CompileOptions {
  cot?: CotFormat;
  /** Key scale λ of the retrieval heads. */
  scale?: number;
  /** A deliberate miscompile (faults.ts), for testing the testers. */
  fault?: Fault;
  /** positional (default), or uniform: the smallest uniform model whose capacity holds the circuit. */
  mode?: ModelMode;
  /** A latent construction (no CoT): looped, looped-cot or deep (compiler/looped); with mode
   *  'uniform' only looped (the uniform looped model). */
  latent?: LatentKind;
}

export const DEFAULT_SCALE = 10;

export function compile(c: Circuit, opts?: CompileOptions & { mode?: 'positional' }): PositionalModel;
export function compile(c: Circuit, opts: CompileOptions): Model;
export function compile(c: Circuit, opts: CompileOptions = {}): Model {
  if (opts.latent) {
    if (opts.mode === 'uniform' && opts.latent !== 'looped') throw new UserError(`a ${opts.latent} model is positional only: the uniform latent model is the looped one`);
    if (opts.cot) throw new UserError(`a ${opts.latent} model writes no chain of thought: a CoT format does not apply`);
    if (opts.fault) throw new UserError(`faults are injected into the CoT constructions, not into a ${opts.latent} model`);
    const scale = opts.scale !== undefined ? { scale: opts.scale } : {};
    if (opts.mode === 'uniform') return compileUniformLooped(Math.max(2, c.nInputs + c.ops.length), scale);
    return compileLatent(c, opts.latent, scale);
  }
  // A positional model's fault is in this circuit's weights: one that changes nothing is refused
  // (a uniform model's fault is in weights that serve every circuit, so it stays).
  if (opts.fault === 'swap-gate' && opts.mode !== 'uniform' && !c.ops.includes(Op.AND)) {
    throw new UserError(`the fault swap-gate (AND computed as OR) changes nothing in ${c.name}: it has no AND gate, so the model would be sound`);
  }
  if (opts.mode === 'uniform') {
    if (opts.cot === 'gate') throw new UserError('a uniform model writes the 4-token CoT: the gate CoT is positional only');
    return compileUniform(Math.max(2, c.nInputs + c.ops.length), { ...(opts.scale !== undefined ? { scale: opts.scale } : {}), ...(opts.fault ? { fault: opts.fault } : {}) });
  }
  const cot = opts.cot ?? '4tok';
  const scale = opts.fault === 'weak-scale' ? WEAK_SCALE : opts.scale ?? DEFAULT_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`the key scale must be a positive number, got ${scale}`);
  const intended = planSequence(c, cot);
  const plan = faultyPlan(intended, c, opts.fault);
  const k = positionBits(plan.seqLen);
  const basis = residualBasis(cot, k);
  const fetch = (name: string, src: string, out: string) => retrievalHead(basis, { name, src, key: 'pos_bits', value: 'tok_val', out, scale });
  const heads = [fetch('fetch_a', 'src_a_bits', 'val_a'), fetch('fetch_b', 'src_b_bits', 'val_b')];
  const ff = gateFeedForward(basis, { a: 'val_a', b: 'val_b', table: 'tt', out: 'ff_out' });
  // The contract states what the compiler MEANS each head to fetch (the fault-free plan), so a
  // deliberate miscompile shows as weights that disagree with it.
  const S = intended.seqLen;
  const targetA: number[] = new Array(S);
  const targetB: number[] = new Array(S);
  for (let p = 0; p < S; p++) {
    const pl = intended.at(p);
    targetA[p] = pl.targetA;
    targetB[p] = pl.targetB;
  }
  const blocks = positionalBlocks(cot);
  const meta: PositionalMeta = {
    format_version: MODEL_FORMAT_VERSION,
    mode: 'positional',
    vocab: plan.vocab,
    d_model: basis.dim,
    n_layers: 1,
    heads: [heads.length],
    cot,
    scale,
    prompt: plan.prompt,
    cot_length: plan.cotTemplate.length,
    cot_template: plan.cotTemplate,
    outputs: plan.outputs,
    seq_len: plan.seqLen,
    pos_bits: k,
    basis: basis.labels(),
    head_targets: [[{ rule: 'positions', positions: targetA }, { rule: 'positions', positions: targetB }]],
    blocks,
    ...circuitFields(c),
    ...(opts.fault ? { fault: opts.fault } : {}),
  };
  const model: Model = {
    d: basis.dim,
    vocab: plan.vocab,
    tokEmb: tokenEmbedding(basis, plan.vocab),
    posEmb: positionEmbedding(basis, plan),
    unembed: unembedding(basis, plan.vocab),
    layers: [{ heads, ff }],
    meta,
  };
  checkComposition(model, basis, blocks);
  return model;
}

function positionalBlocks(cot: CotFormat): BlockSpaces[] {
  const modes = cot === '4tok' ? ['mode_type', 'mode_na'] : [];
  return [
    { name: 'position embedding', kind: 'position-embedding', layer: -1, reads: [], writes: ['one', 'tt', 'pos_bits', 'src_a_bits', 'src_b_bits', ...modes] },
    { name: 'token embedding', kind: 'token-embedding', layer: -1, reads: [], writes: ['tok_val'] },
    { name: 'fetch_a', kind: 'head', layer: 0, reads: ['one', 'src_a_bits', 'pos_bits', 'tok_val'], writes: ['val_a'] },
    { name: 'fetch_b', kind: 'head', layer: 0, reads: ['one', 'src_b_bits', 'pos_bits', 'tok_val'], writes: ['val_b'] },
    { name: 'gate', kind: 'feed-forward', layer: 0, reads: ['val_a', 'val_b', 'tt'], writes: ['ff_out'] },
    { name: 'unembedding', kind: 'unembedding', layer: 1, reads: ['one', 'ff_out', 'tt', ...modes], writes: [] },
  ];
}

export { sha256 };
