// Verification by teacher forcing (construction.md §6): one causal pass over each reference
// sequence; if the argmax at every position equals the next reference token, greedy generation
// reproduces the whole sequence (induction on the position). Reports the first mismatch with
// the gate there and what each head attended to.

import { evalMany, OP_NAMES, wireLabel, type Circuit, type OpCode } from '../circuits/index.js';
import type { Bound } from '../model/index.js';
import { parseArith } from './arith.js';
import { prepare } from './cpu/prepared.js';
import { CpuStepper, type PositionDetail } from './cpu/stepper.js';
import type { Engine } from './engine.js';
import { promptOf, referenceSequences } from './reference.js';

export interface HeadFocus {
  name: string;
  /** The layer of the head. */
  layer: number;
  /** The position the construction means this head to fetch. */
  target: number;
  targetWeight: number;
  top: { pos: number; weight: number }[];
}

export interface MismatchDetail {
  input: number;
  /** The failing input's bits, wire 0 first (what `trace --bits` takes). */
  bits: string;
  /** Position whose argmax was wrong; the wrong token is the one for position + 1. */
  position: number;
  gate: number;
  gateLabel: string;
  expected: string;
  produced: string;
  heads: HeadFocus[];
  /** Arithmetic of the CPU re-run that produced the attention weights. */
  detailArith: string;
  /** Latent models: the wrong value is the argmax AT `position` (not the token after it). */
  readAt?: 'argmax';
  /** Latent models: the index of the wrong output (groups concatenated), when it is an output. */
  output?: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Latent models: the loops each input took (loops 'auto'), the most of them. */
  loops?: number;
  inputs_tested: number;
  positions_checked: number;
  mismatches: number;
  first?: MismatchDetail;
  seconds: number;
}

export interface VerifyOptions {
  /** Inputs per engine call. */
  batch?: number;
  /** Inputs done so far (a fraction within an engine call, where the engine reports one). */
  onProgress?: (inputsDone: number, total: number) => void;
}

function bitsText(x: Uint8Array): string {
  return Array.from(x, (b) => (b ? '1' : '0')).join('');
}

export function gateLabel(c: Circuit, g: number): string {
  if (g < 0 || g >= c.ops.length) return '(prompt)';
  const op = OP_NAMES[c.ops[g] as OpCode];
  const args = [c.a[g]!, c.b[g]!].filter((w) => w >= 0).map((w) => wireLabel(c, w));
  return `${wireLabel(c, c.nInputs + g)} = ${op}(${args.join(', ')})`;
}

export function topPositions(weights: ArrayLike<number>, k: number): { pos: number; weight: number }[] {
  const idx = Array.from({ length: weights.length }, (_, j) => j);
  idx.sort((x, y) => weights[y]! - weights[x]! || x - y);
  return idx.slice(0, k).map((j) => ({ pos: j, weight: weights[j]! }));
}

export async function verifyModel(bound: Bound, engine: Engine, inputs: Uint8Array[], opts: VerifyOptions = {}): Promise<VerifyReport> {
  if (bound.seq.readout === 'argmax') return verifyLatent(bound, engine, inputs, opts);
  const t0 = performance.now();
  const P = bound.seq.promptLength;
  const S = bound.seq.seqLen;
  const batch = Math.max(1, opts.batch ?? 16);
  let mismatches = 0;
  let first: { input: number; position: number; expected: number; produced: number; seq: Int32Array } | undefined;
  for (let b0 = 0; b0 < inputs.length; b0 += batch) {
    const chunk = inputs.slice(b0, b0 + batch);
    const seqs = referenceSequences(bound, chunk);
    const onProgress = opts.onProgress;
    const { argmax } = await engine.forward(seqs, { argmaxFrom: P - 1, argmaxTo: S - 1, ...(onProgress ? { onProgress: (f: number) => onProgress(b0 + f * chunk.length, inputs.length) } : {}) });
    seqs.forEach((seq, b) => {
      const am = argmax[b]!;
      for (let p = P - 1; p < S - 1; p++) {
        if (am[p] !== seq[p + 1]) {
          mismatches++;
          if (!first) first = { input: b0 + b, position: p, expected: seq[p + 1]!, produced: am[p]!, seq };
        }
      }
    });
    opts.onProgress?.(Math.min(inputs.length, b0 + batch), inputs.length);
  }
  const report: VerifyReport = {
    ok: mismatches === 0,
    inputs_tested: inputs.length,
    positions_checked: inputs.length * bound.seq.cotLength,
    mismatches,
    seconds: (performance.now() - t0) / 1000,
  };
  if (first) report.first = { ...describeMismatch(bound, engine.arith, first), bits: bitsText(inputs[first.input]!) };
  return report;
}

/**
 * A latent model (no CoT): one pass per batch over the prompts; the argmax at every wire's
 * position must be that wire's value (direct evaluation), internal wires included. The first
 * mismatch reported is a wrong OUTPUT where there is one (named by its output index and wire).
 */
async function verifyLatent(bound: Bound, engine: Engine, inputs: Uint8Array[], opts: VerifyOptions): Promise<VerifyReport> {
  const t0 = performance.now();
  const { circuit: c, model, seq } = bound;
  const batch = Math.max(1, opts.batch ?? 16);
  const one = model.vocab.indexOf('1');
  const zero = model.vocab.indexOf('0');
  const W = c.nInputs + c.ops.length;
  const outputIndex = new Map<number, number>();
  c.outputs.flatMap((o) => o.wires).forEach((w, i) => outputIndex.has(w) || outputIndex.set(w, i));
  let mismatches = 0;
  let wrongOutputs = 0;
  let loops = 0;
  let first: (LatentMismatch & { isOutput: boolean }) | undefined;
  for (let b0 = 0; b0 < inputs.length; b0 += batch) {
    const chunk = inputs.slice(b0, b0 + batch);
    const values = evalMany(c, chunk);
    const prompts = chunk.map((x) => promptOf(bound, x));
    const r = await engine.forward(prompts);
    r.loops?.forEach((t) => (loops = Math.max(loops, t)));
    r.argmax.forEach((am, b) => {
      for (let w = 0; w < W; w++) {
        const p = seq.valuePos[w]!;
        const want = values[b]![w] ? one : zero;
        if (am[p] === want) continue;
        mismatches++;
        const isOutput = outputIndex.has(w);
        if (isOutput) wrongOutputs++;
        if (!first || (isOutput && !first.isOutput)) first = { input: b0 + b, position: p, wire: w, expected: want, produced: am[p]!, isOutput };
      }
    });
    opts.onProgress?.(Math.min(inputs.length, b0 + batch), inputs.length);
  }
  const report: VerifyReport = {
    ok: mismatches === 0,
    inputs_tested: inputs.length,
    positions_checked: inputs.length * W,
    mismatches,
    seconds: (performance.now() - t0) / 1000,
    ...(loops > 0 ? { loops } : {}),
  };
  if (first) report.first = { ...describeLatentMismatch(bound, first, outputIndex.get(first.wire), wrongOutputs), bits: bitsText(inputs[first.input]!) };
  return report;
}

interface LatentMismatch {
  input: number;
  position: number;
  wire: number;
  expected: number;
  produced: number;
}

function describeLatentMismatch(bound: Bound, f: LatentMismatch, output: number | undefined, wrongOutputs: number): Omit<MismatchDetail, 'bits'> {
  const { model, circuit: c } = bound;
  const gate = f.wire >= c.nInputs ? f.wire - c.nInputs : -1;
  const where = output !== undefined ? `output ${output} (${wireLabel(c, f.wire)}; ${wrongOutputs} wrong output value(s) in all)` : `internal wire ${wireLabel(c, f.wire)}`;
  return {
    input: f.input,
    position: f.position,
    gate,
    gateLabel: `${where}: ${gate >= 0 ? gateLabel(c, gate) : 'input wire'}`,
    expected: model.vocab[f.expected] ?? String(f.expected),
    produced: model.vocab[f.produced] ?? String(f.produced),
    heads: [],
    detailArith: 'none',
    readAt: 'argmax',
    ...(output !== undefined ? { output } : {}),
  };
}

/** Re-runs the failing input on the CPU reference up to the failing position to show attention. */
function describeMismatch(
  bound: Bound,
  arithName: string,
  f: { input: number; position: number; expected: number; produced: number; seq: Int32Array },
): Omit<MismatchDetail, 'bits'> {
  const { model, circuit: c, seq } = bound;
  const detailArith = ['f64', 'f32', 'f16'].includes(arithName) || arithName.includes(':') ? arithName : 'f32';
  const pm = prepare(model, parseArith(detailArith));
  let detail: PositionDetail | undefined;
  const st = new CpuStepper(pm, 1, f.position + 1, { traceAt: (i) => i === f.position, onTrace: (d) => (detail = d) });
  for (let i = 0; i <= f.position; i++) st.step(i, [f.seq[i]!]);
  const heads: HeadFocus[] = (detail?.layers ?? []).flatMap((L, l) =>
    L.heads.map((h, i) => {
      const target = seq.targets[l]?.[i]?.[f.position] ?? -1;
      return { name: h.name, layer: l, target, targetWeight: target >= 0 ? h.weights[target] ?? 0 : 0, top: topPositions(h.weights, 3) };
    }),
  );
  const w = seq.wireAt(f.position + 1);
  const gate = w >= c.nInputs ? w - c.nInputs : -1;
  return {
    input: f.input,
    position: f.position,
    gate,
    gateLabel: w >= 0 && w < c.nInputs ? `${wireLabel(c, w)} (input wire)` : gateLabel(c, gate),
    expected: model.vocab[f.expected] ?? String(f.expected),
    produced: model.vocab[f.produced] ?? String(f.produced),
    heads,
    detailArith,
  };
}
