// Verification by teacher forcing (construction.md §6): one causal pass over each reference
// sequence; if the argmax at every position equals the next reference token, greedy generation
// reproduces the whole sequence (induction on the position). Reports the first mismatch with
// the gate there and what each head attended to.

import { OP_NAMES, wireLabel, type Circuit, type OpCode } from '../circuits/index.js';
import { planSequence, type Model } from '../compiler/index.js';
import { parseArith } from './arith.js';
import { prepare } from './cpu/prepared.js';
import { CpuStepper, type PositionDetail } from './cpu/stepper.js';
import type { Engine } from './engine.js';
import { referenceSequences } from './reference.js';

export interface HeadFocus {
  name: string;
  /** The position the construction means this head to fetch. */
  target: number;
  targetWeight: number;
  top: { pos: number; weight: number }[];
}

export interface MismatchDetail {
  input: number;
  /** Position whose argmax was wrong; the wrong token is the one for position + 1. */
  position: number;
  gate: number;
  gateLabel: string;
  expected: string;
  produced: string;
  heads: HeadFocus[];
  /** Arithmetic of the CPU re-run that produced the attention weights. */
  detailArith: string;
}

export interface VerifyReport {
  ok: boolean;
  inputs_tested: number;
  positions_checked: number;
  mismatches: number;
  first?: MismatchDetail;
  seconds: number;
}

export interface VerifyOptions {
  /** Inputs per engine call. */
  batch?: number;
  onProgress?: (inputsDone: number, total: number) => void;
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

export async function verifyModel(model: Model, c: Circuit, engine: Engine, inputs: Uint8Array[], opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = performance.now();
  const meta = model.meta;
  const P = meta.prompt.length;
  const S = meta.seq_len;
  const batch = Math.max(1, opts.batch ?? 16);
  let mismatches = 0;
  let first: { input: number; position: number; expected: number; produced: number; seq: Int32Array } | undefined;
  for (let b0 = 0; b0 < inputs.length; b0 += batch) {
    const chunk = inputs.slice(b0, b0 + batch);
    const seqs = referenceSequences(meta, c, chunk);
    const { argmax } = await engine.forward(seqs);
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
    positions_checked: inputs.length * meta.cot_length,
    mismatches,
    seconds: (performance.now() - t0) / 1000,
  };
  if (first) report.first = describeMismatch(model, c, engine.arith, first);
  return report;
}

/** Re-runs the failing input on the CPU reference up to the failing position to show attention. */
function describeMismatch(
  model: Model,
  c: Circuit,
  arithName: string,
  f: { input: number; position: number; expected: number; produced: number; seq: Int32Array },
): MismatchDetail {
  const plan = planSequence(c, model.meta.cot);
  const detailArith = ['f64', 'f32', 'f16'].includes(arithName) || arithName.includes(':') ? arithName : 'f32';
  const pm = prepare(model, parseArith(detailArith));
  let detail: PositionDetail | undefined;
  const st = new CpuStepper(pm, 1, f.position + 1, { traceAt: (i) => i === f.position, onTrace: (d) => (detail = d) });
  for (let i = 0; i <= f.position; i++) st.step(i, [f.seq[i]!]);
  const pl = plan.at(f.position);
  const targets = [pl.targetA, pl.targetB];
  const heads: HeadFocus[] = (detail?.layers[0]?.heads ?? []).map((h, i) => ({
    name: h.name,
    target: targets[i] ?? -1,
    targetWeight: targets[i] !== undefined ? h.weights[targets[i]!] ?? 0 : 0,
    top: topPositions(h.weights, 3),
  }));
  const gate = plan.gateAt(f.position + 1);
  return {
    input: f.input,
    position: f.position,
    gate,
    gateLabel: gateLabel(c, gate),
    expected: model.vocab[f.expected] ?? String(f.expected),
    produced: model.vocab[f.produced] ?? String(f.produced),
    heads,
    detailArith,
  };
}
