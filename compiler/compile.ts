// compile(circuit) -> Model: the construction of LLZM24 Thm 3.3. One layer, two retrieval heads
// (fetch_a, fetch_b), one gate feed-forward block, an output layer. The circuit lives in the
// position embeddings; the same weights serve every input.

import { createHash } from 'node:crypto';
import { UserError, writeCircuit, type Circuit } from '../circuits/index.js';
import { positionEmbedding, tokenEmbedding } from './blocks/embedding.js';
import { gateFeedForward } from './blocks/gate-ff.js';
import { retrievalHead } from './blocks/retrieval.js';
import { unembedding } from './blocks/unembed.js';
import { positionBits, residualBasis } from './layout.js';
import { faultyPlan, WEAK_SCALE, type Fault } from './faults.js';
import { MODEL_FORMAT_VERSION, type CotFormat, type Model } from './model.js';
import { planSequence } from './plan.js';

export interface CompileOptions {
  cot?: CotFormat;
  /** Key scale λ of the retrieval heads. */
  scale?: number;
  /** A deliberate miscompile (faults.ts), for testing the testers. */
  fault?: Fault;
}

export const DEFAULT_SCALE = 10;

export function compile(c: Circuit, opts: CompileOptions = {}): Model {
  const cot = opts.cot ?? '4tok';
  const scale = opts.fault === 'weak-scale' ? WEAK_SCALE : opts.scale ?? DEFAULT_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new UserError(`--scale must be a positive number, got ${scale}`);
  const plan = faultyPlan(planSequence(c, cot), c, opts.fault);
  const k = positionBits(plan.seqLen);
  const basis = residualBasis(cot, k);
  const fetch = (name: string, src: string, out: string) => retrievalHead(basis, { name, src, key: 'pos_bits', value: 'tok_val', out, scale });
  const heads = [fetch('fetch_a', 'src_a_bits', 'val_a'), fetch('fetch_b', 'src_b_bits', 'val_b')];
  const ff = gateFeedForward(basis, { a: 'val_a', b: 'val_b', table: 'tt', out: 'ff_out' });
  const circuitText = writeCircuit(c, 'gc');
  return {
    d: basis.dim,
    vocab: plan.vocab,
    tokEmb: tokenEmbedding(basis, plan.vocab),
    posEmb: positionEmbedding(basis, plan),
    unembed: unembedding(basis, plan.vocab),
    layers: [{ heads, ff }],
    meta: {
      format_version: MODEL_FORMAT_VERSION,
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
      circuit: circuitText,
      circuit_name: c.name,
      circuit_hash: sha256(circuitText),
      n_inputs: c.nInputs,
      n_gates: c.ops.length,
      ...(opts.fault ? { fault: opts.fault } : {}),
    },
  };
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
