// certify(model): the theorem's claims for one compiled model, for every input at once.
//   1 structure    constant depth and heads, d_model = formula, finite weights
//   2 retrieval    at every position each head puts its weight on the intended position; under
//                  fixed:s the rounded exp is exactly 1 there and 0 elsewhere (Lemma E.3), every
//                  [exp] and division checked against exact arithmetic
//   3 gate lemma   the feed-forward block computes each gate type, with fetched bits off by ε
//   4 all inputs   induction over positions: the argmax is the right token whatever the input
// Uniform models (several layers): proofs/uniform/circuit.ts. Latent models (looped, looped-cot,
// deep: no CoT, argmax readout): proofs/latent/certify.ts, with a fifth claim (the induction over
// applied layers) and an optional loop count.

import { finiteClaims } from './finite.js';
import { writeCircuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { sha256, modelToBytes, type Bound, type Model } from '../model/index.js';
import { certContext } from './context.js';
import { gateClaim } from './gate.js';
import { structureClaim } from './structure.js';
import { fastSweep } from './fast-sweep.js';
import { enclosureSweep } from './enclosure.js';
import { sweep, type SweepOptions, type SweepResult } from './sweep.js';
import { CERT_VERSION, type Certificate, type ClaimResult } from './types.js';
import { certifyLayers } from './uniform/circuit.js';
import { certifyLatent } from './latent/certify.js';
import { parseArith } from '../runtime/index.js';

export function modelHash(m: Model): string {
  return sha256(modelToBytes(m));
}

export type CertifyMethod = 'auto' | 'fast' | 'exhaustive';

export interface CertifyOptions extends SweepOptions {
  /** fast: bound the attention weights by an automaton over key coordinates (O(S·dk));
   * exhaustive: compute every weight as the runtime does (O(S²·dk)); auto: fast, and where it
   * cannot establish the claims, exhaustive (up to maxExhaustive positions) for exact diagnostics. */
  method?: CertifyMethod;
  maxExhaustive?: number;
  /** f32 only. outward (default): claim 4's margins enclose every binary32 evaluation (any
   * summation order, faithful rounding, WGSL's exp and division accuracy; enclosure.ts);
   * nearest: the CPU reference's own round-to-nearest operations in its own order, exactly. */
  rounding?: 'outward' | 'nearest';
  /** Latent looped models: the loop count certified (default: the model's own). */
  loops?: number;
}

function runSweep(ctx: ReturnType<typeof certContext>, opts: CertifyOptions): { sw: SweepResult; method: string } {
  const method = opts.method ?? 'auto';
  if (method === 'exhaustive') return { sw: sweep(ctx, opts), method };
  const fast = fastSweep(ctx, opts);
  const fine = fast.supported && !fast.retrievalFailure && !fast.inductionFailure;
  if (method === 'fast' || fine || ctx.S > (opts.maxExhaustive ?? 40_000)) return { sw: fast, method: 'fast' };
  return { sw: sweep(ctx, opts), method: 'exhaustive' };
}

export function certify(bound: Bound, arith: string, opts: CertifyOptions = {}): Certificate {
  if (bound.model.meta.readout === 'argmax') return certifyLatentModel(bound, arith, opts);
  if (opts.loops !== undefined) throw new UserError('a loop count was given, but this model has no loop (only looped and looped-cot models have one)');
  if (bound.model.layers.length > 1) return certifyMultiLayer(bound, arith, opts);
  const t0 = performance.now();
  const { model, circuit } = bound;
  const ctx = certContext(bound, arith);
  const structure = structureClaim(model);
  const { sw, method } = runSweep(ctx, opts);
  const claims: ClaimResult[] = [structure];
  let margins = sw.margins;
  if (!sw.supported) {
    const reason = sw.reason ?? 'unsupported model';
    claims.push({ claim: 'retrieval lemma', holds: false, evidence: { reason }, failure: { position: -1, detail: reason } });
    claims.push({ claim: 'gate lemma', holds: false, evidence: { reason }, failure: { position: -1, detail: reason } });
    claims.push({ claim: 'all inputs', holds: false, evidence: { reason }, failure: { position: -1, detail: reason } });
  } else {
    const maxElsewhere = Math.max(0, ...sw.heads.map((h) => h.maxElsewhere));
    const retrieval: ClaimResult = {
      claim: 'retrieval lemma',
      holds: !sw.retrievalFailure && sw.exactChecks.mismatches === 0 && sw.exactChecks.undecided === 0,
      evidence: {
        method,
        min_target_weight: Math.min(...sw.heads.map((h) => h.minTargetWeight)),
        max_weight_elsewhere: maxElsewhere,
        min_margin: Math.min(...sw.heads.map((h) => h.minMargin)),
        ...Object.fromEntries(sw.heads.flatMap((h) => [[`${h.name}.min_target_weight`, h.minTargetWeight], [`${h.name}.max_elsewhere`, h.maxElsewhere]])),
        ...(ctx.arith.kind === 'fixed' || ctx.arith.kind === 'float'
          ? { exact_one_hot: sw.oneHot, exact_values_checked: sw.exactChecks.values, exact_mismatches: sw.exactChecks.mismatches, exact_undecided: sw.exactChecks.undecided }
          : {}),
      },
    };
    if (sw.retrievalFailure) retrieval.failure = sw.retrievalFailure;
    else if (sw.exactChecks.firstMismatch) retrieval.failure = { position: -1, detail: sw.exactChecks.firstMismatch };
    claims.push(retrieval);
    // a fetched bit is off by the weight missing from its target or the weight elsewhere, whichever is larger
    const minTarget = Math.min(...sw.heads.map((h) => h.minTargetWeight));
    claims.push(gateClaim(ctx.pm, Math.max(maxElsewhere, 1 - minTarget)));
    const nearest = Array.from(sw.margins).filter((x) => !Number.isNaN(x));
    const rounding = ctx.arith.kind === 'f32' ? (opts.rounding ?? 'outward') : ctx.arith.kind === 'f64' ? 'nearest' : 'exact';
    const enc = rounding === 'outward' ? enclosureSweep(ctx) : undefined;
    const outward = enc?.supported ? enc : undefined;
    margins = outward ? outward.margins : sw.margins;
    const finite = Array.from(margins).filter((x) => !Number.isNaN(x));
    const failure = outward ? outward.failure : sw.inductionFailure;
    const induction: ClaimResult = {
      claim: 'all inputs',
      holds: !sw.inductionFailure && !failure && finite.length === margins.length && finite.every((x) => x > 0),
      evidence: {
        positions: margins.length,
        inputs_covered: `2^${circuit.nInputs}`,
        min_margin: finite.length ? finite.reduce((a, b) => Math.min(a, b)) : null,
        first_position: sw.firstPosition,
        rounding: outward ? 'outward' : rounding === 'outward' ? 'nearest' : rounding,
        ...(outward
          ? { min_margin_nearest: nearest.length ? nearest.reduce((a, b) => Math.min(a, b)) : null, outward_min_target_weight: outward.minTargetWeight, outward_max_weight_elsewhere: outward.maxElsewhere }
          : enc
            ? { outward_unsupported: enc.reason ?? 'unsupported' }
            : {}),
      },
    };
    if (sw.inductionFailure) induction.failure = sw.inductionFailure;
    else if (failure) induction.failure = { ...failure, detail: `${failure.detail} (the round-to-nearest margins all hold: the outward enclosure, which covers every evaluation order, is too wide here; --rounding nearest certifies the CPU reference's own order)` };
    claims.push(induction);
  }
  return sealed(bound, ctx.arith.name, claims, sw.firstPosition, margins, t0);
}

/** The certificate of the claims, with its digest. */
function sealed(bound: Bound, arithName: string, claims: ClaimResult[], first: number, margins: Float64Array | (number | null)[], t0: number, latent?: Pick<Certificate, 'construction' | 'loops' | 'applied_layers' | 'settle'>): Certificate {
  const { model, circuit } = bound;
  claims = finiteClaims(model, claims, margins);
  const cert: Omit<Certificate, 'digest'> = {
    version: CERT_VERSION,
    model_hash: modelHash(model),
    circuit_hash: model.meta.mode === 'positional' ? model.meta.circuit_hash : sha256(writeCircuit(circuit, 'gc')),
    circuit_name: circuit.name,
    cot: model.meta.cot,
    ...(model.meta.mode === 'uniform' ? { mode: 'uniform', capacity: model.meta.capacity } : {}),
    ...(latent ?? {}),
    arith: arithName,
    seq_len: bound.seq.seqLen,
    claims,
    first_position: first,
    margins: Array.from(margins, (x) => (x === null || Number.isNaN(x) ? null : x)),
    verdict: claims.every((c) => c.holds),
    seconds: (performance.now() - t0) / 1000,
  };
  return { ...cert, digest: sha256(JSON.stringify(cert)) };
}

/** Models of several layers (the uniform model): proofs/uniform/circuit.ts. */
function certifyMultiLayer(bound: Bound, arith: string, opts: CertifyOptions): Certificate {
  const t0 = performance.now();
  const name = parseArith(arith).name;
  const r = certifyLayers(bound, name, opts.onProgress ? { onProgress: opts.onProgress } : {});
  return sealed(bound, name, [structureClaim(bound.model), ...r.claims], r.firstPosition, r.margins, t0);
}

/** Latent models (no CoT, argmax readout): proofs/latent/certify.ts. Margins per wire position (1 + w). */
function certifyLatentModel(bound: Bound, arith: string, opts: CertifyOptions): Certificate {
  const t0 = performance.now();
  const r = certifyLatent(bound, arith, { ...(opts.loops !== undefined ? { loops: opts.loops } : {}), ...(opts.rounding ? { rounding: opts.rounding } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const latent = { construction: bound.model.meta.construction ?? 'looped', ...(r.loops !== undefined ? { loops: r.loops } : {}), applied_layers: r.applied, settle: r.settle };
  return sealed(bound, r.arith, r.claims, bound.seq.valuePos[0] ?? 1, r.margins, t0, latent);
}
