// gatecot scaling --mode uniform: for each capacity N, ONE uniform model (compiler/uniform) and a
// test circuit that fills it. Per N: compile time; layers and heads per layer (3 layers of 4, 2
// and 1 heads at every N); d_model against the formula 12L + 49, L = ceil(log2 N); the file size
// (modelToBytes): the embeddings take 4·d_model·(1 + 8N + 2(N + 14)) bytes (pos_emb has 1 + 8N
// rows, tok_emb and unembed one row per token of the N + 14 token vocabulary), linear in N at a
// fixed width, the layers O(d_model²), so the file grows as N·log N; then, up to --verify-max,
// the test circuit (inputs + gates = N) verified by teacher forcing in f32 on the chosen backend
// on a few inputs, the smallest s in 1..8 whose fixed:s teacher forcing has no mismatch on those
// inputs (found by verification, not by a certificate: `min_fixed_s (verified)`), and the least
// logit margin of the f32 CPU reference over the CoT of one input (logit of the right token minus
// the largest other). Above --verify-max the row says that verification was skipped.

import { type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { generate } from '../circuits/gen/index.js';
import { compileUniform, MAX_CAPACITY } from '../compiler/index.js';
import { bindModel, modelToBytes, resourceFormula, type Bound } from '../model/index.js';
import { createEngine, CpuStepper, parseArith, prepare, referenceSequences, sampleInputs, verifyModel, type BackendChoice, type PreparedModel } from '../runtime/index.js';
import { linePlot } from './svg.js';
import { markdownTable, numberCell } from './table.js';

/** Families of test circuits and how each fills a capacity of N wires. */
export const UNIFORM_FAMILIES = ['random', 'cvp-instance'] as const;
export type UniformFamily = (typeof UNIFORM_FAMILIES)[number];

export interface UniformScalingOptions {
  mode: 'uniform';
  /** Capacities N. */
  sizes: number[];
  /** Test circuits: `random` (8 inputs, or N - 1 below 9, and the rest gates) or `cvp-instance` (N gates, no inputs). */
  family?: UniformFamily;
  seed?: string;
  /** Where the f32 verification runs (default cpu). */
  backend?: BackendChoice;
  /** Verify (and measure precision and margin) up to this capacity only (default 4096). */
  verifyMax?: number;
  /** Input vectors verified: all-zeros, all-ones and random ones (default 4; one for a circuit without inputs). */
  verifyInputs?: number;
  onRow?: (r: UniformScalingRow) => void;
}

export interface UniformScalingRow {
  capacity: number;
  L: number;
  layers: number;
  heads_per_layer: number[];
  d_model: number;
  d_formula: number;
  formula: string;
  vocab: number;
  pos_rows: number;
  /** Bytes of the model file (modelToBytes). */
  file_bytes: number;
  /** Bytes of tok_emb, pos_emb and unembed: 4·d_model·(2·vocab + pos_rows). */
  embedding_bytes: number;
  compile_seconds: number;
  /** The test circuit: family, inputs and gates. */
  circuit: string;
  wires: number;
  seq_len: number;
  /** null: skipped (capacity above --verify-max). */
  verified: boolean | null;
  verify_backend: string | null;
  verify_inputs: number | null;
  verify_mismatches: number | null;
  verify_seconds: number | null;
  /** Smallest s in 1..8 with 0 teacher-forcing mismatches in fixed:s on the verified inputs. */
  min_fixed_s: number | null;
  /** Least logit[right] - max other over the CoT of the first input, f32 CPU reference. */
  logit_margin: number | null;
  precision_seconds: number | null;
  note: string;
}

export const DEFAULT_VERIFY_MAX = 4096;
const DEFAULT_VERIFY_INPUTS = 4;
const RANDOM_INPUTS = 8;

/** A circuit of exactly N wires. */
function testCircuit(family: UniformFamily, N: number, seed: string): Circuit {
  if (family === 'cvp-instance') return generate('cvp-instance', { gates: String(N), seed });
  const inputs = Math.min(RANDOM_INPUTS, N - 1);
  return generate('random', { inputs: String(inputs), gates: String(N - inputs), seed, locality: '0.5' });
}

function testInputs(c: Circuit, k: number, seed: string): Uint8Array[] {
  if (c.nInputs === 0) return [new Uint8Array(0)];
  return sampleInputs(c.nInputs, Math.max(0, k - 2), BigInt(seed)).slice(0, Math.max(1, k));
}

/**
 * Teacher forcing of reference sequences (equal lengths, one batch) on the CPU reference, position
 * by position: the mismatches in the CoT (stopping at the first when asked) and, with `margin`,
 * the least logit[right] - max other over the CoT of the first sequence.
 */
function forcedPass(b: Bound, pm: PreparedModel, seqs: Int32Array[], o: { margin: boolean; stopAtMismatch: boolean }): { mismatches: number; margin: number } {
  const V = pm.V;
  const B = seqs.length;
  const S = seqs[0]!.length;
  const P = b.seq.promptLength;
  const st = new CpuStepper(pm, B, S);
  const lg = o.margin ? new Float64Array(B * V) : undefined;
  const tok = new Int32Array(B);
  let mismatches = 0;
  let margin = Infinity;
  for (let i = 0; i < S - 1; i++) {
    for (let r = 0; r < B; r++) tok[r] = seqs[r]![i]!;
    const am = st.step(i, tok, lg);
    if (i < P - 1) continue;
    for (let r = 0; r < B; r++) if (am[r] !== seqs[r]![i + 1]) mismatches++;
    if (mismatches > 0 && o.stopAtMismatch) break;
    if (lg) {
      const want = seqs[0]![i + 1]!;
      let other = -Infinity;
      for (let v = 0; v < V; v++) if (v !== want && lg[v]! > other) other = lg[v]!;
      margin = Math.min(margin, lg[want]! - other);
    }
  }
  return { mismatches, margin };
}

/** Smallest s in 1..8 with no fixed:s mismatch on any of the sequences (a pass stops at its first mismatch). */
function smallestVerifiedS(b: Bound, seqs: Int32Array[]): number | null {
  for (let s = 1; s <= 8; s++) {
    if (forcedPass(b, prepare(b.model, parseArith(`fixed:${s}`)), seqs, { margin: false, stopAtMismatch: true }).mismatches === 0) return s;
  }
  return null;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

export async function runUniformScaling(o: UniformScalingOptions): Promise<UniformScalingRow[]> {
  const family = o.family ?? 'random';
  if (!UNIFORM_FAMILIES.includes(family)) throw new UserError(`a uniform scaling tests the circuit families ${UNIFORM_FAMILIES.join(', ')}, not '${String(family)}'`);
  const bad = o.sizes.find((N) => !Number.isInteger(N) || N < 2 || N > MAX_CAPACITY);
  if (bad !== undefined) throw new UserError(`uniform capacities must be integers from 2 to ${MAX_CAPACITY}, got ${bad}`);
  const verifyMax = o.verifyMax ?? DEFAULT_VERIFY_MAX;
  const seed = o.seed ?? '1';
  const rows: UniformScalingRow[] = [];
  for (const N of o.sizes) {
    let t0 = performance.now();
    const model = compileUniform(N);
    const compileSeconds = seconds(t0);
    const f = resourceFormula(model.meta);
    const bytes = modelToBytes(model).length;
    const V = model.vocab.length;
    const posRows = model.posEmb.length / model.d;
    const c = testCircuit(family, N, seed);
    const wires = c.nInputs + c.ops.length;
    const row: UniformScalingRow = {
      capacity: N,
      L: f.value,
      layers: model.meta.n_layers,
      heads_per_layer: [...model.meta.heads],
      d_model: model.d,
      d_formula: f.d,
      formula: f.text,
      vocab: V,
      pos_rows: posRows,
      file_bytes: bytes,
      embedding_bytes: 4 * model.d * (2 * V + posRows),
      compile_seconds: compileSeconds,
      circuit: `${family}: ${c.nInputs} inputs + ${c.ops.length} gates`,
      wires,
      seq_len: 1 + 8 * wires,
      verified: null,
      verify_backend: null,
      verify_inputs: null,
      verify_mismatches: null,
      verify_seconds: null,
      min_fixed_s: null,
      logit_margin: null,
      precision_seconds: null,
      note: '',
    };
    if (N > verifyMax) {
      row.note = `not verified: N > --verify-max ${verifyMax}`;
    } else {
      const b = bindModel(model, c);
      row.seq_len = b.seq.seqLen;
      const inputs = testInputs(c, o.verifyInputs ?? DEFAULT_VERIFY_INPUTS, seed);
      t0 = performance.now();
      const { engine } = await createEngine(model, o.backend ?? 'cpu', 'f32');
      try {
        const r = await verifyModel(b, engine, inputs);
        row.verified = r.ok;
        row.verify_mismatches = r.mismatches;
        row.verify_backend = engine.backend;
      } finally {
        engine.dispose();
      }
      row.verify_seconds = seconds(t0);
      row.verify_inputs = inputs.length;
      t0 = performance.now();
      const seqs = referenceSequences(b, inputs);
      row.logit_margin = forcedPass(b, prepare(model, parseArith('f32')), [seqs[0]!], { margin: true, stopAtMismatch: false }).margin;
      row.min_fixed_s = smallestVerifiedS(b, seqs);
      row.precision_seconds = seconds(t0);
    }
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}

export const UNIFORM_SCALING_COLUMNS: [keyof UniformScalingRow, string][] = [
  ['capacity', 'N'],
  ['L', 'L'],
  ['layers', 'layers'],
  ['heads_per_layer', 'heads'],
  ['d_model', 'd_model'],
  ['d_formula', '12L + 49'],
  ['vocab', 'vocab'],
  ['pos_rows', 'pos rows'],
  ['file_bytes', 'file bytes'],
  ['compile_seconds', 'compile s'],
  ['wires', 'test wires'],
  ['seq_len', 'S'],
  ['verified', 'verified (f32)'],
  ['verify_seconds', 'verify s'],
  ['min_fixed_s', 'min_fixed_s (verified)'],
  ['logit_margin', 'logit margin (f32)'],
  ['note', 'note'],
];

function cell(v: UniformScalingRow[keyof UniformScalingRow]): string {
  if (v === null || v === '') return '-';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'boolean') return v ? 'yes' : 'NO';
  return typeof v === 'number' ? numberCell(v, 3) : v;
}

export function uniformScalingTable(rows: UniformScalingRow[]): string {
  return markdownTable(
    UNIFORM_SCALING_COLUMNS.map(([, h]) => h),
    rows.map((r) => UNIFORM_SCALING_COLUMNS.map(([k]) => cell(r[k]))),
  );
}

/** What the columns mean, for scaling.md. */
export function uniformScalingNotes(rows: UniformScalingRow[]): string {
  const verified = rows.find((r) => r.verify_inputs !== null);
  return [
    'One uniform model per capacity N (every circuit of at most N wires typed into its prompt). The test circuit of each row fills the capacity (inputs + gates = N).',
    '',
    '- layers and heads: 3 layers of 4, 2 and 1 heads at every N; d_model = 12L + 49 with L = ceil(log2 N).',
    '- file bytes: modelToBytes. The embeddings take 4·d_model·(2·vocab + pos rows) bytes, with pos_emb 1 + 8N rows and a vocabulary of N + 14 tokens: linear in N at a fixed width; d_model grows as log N, so the file grows as N·log N. The layers are O(d_model²).',
    `- verified (f32): teacher forcing on ${verified?.verify_backend ?? 'the chosen backend'} on ${verified?.verify_inputs ?? 'a few'} input vector(s) (all-zeros, all-ones, random), against direct evaluation; verify s includes creating the engine.`,
    '- min_fixed_s (verified): the smallest s in 1..8 whose fixed:s teacher forcing (CPU reference) has no mismatch on those inputs. Found by verification on these inputs, not by a certificate.',
    '- logit margin (f32): the least logit of the right token minus the largest other logit over the CoT of the first input (CPU reference).',
    '- Rows above --verify-max are compiled and measured but not verified (see note).',
    '',
  ].join('\n');
}

export function uniformScalingPlots(rows: UniformScalingRow[]): Record<string, string> {
  const pts = (f: (r: UniformScalingRow) => number | null): [number, number][] => rows.filter((r) => f(r) !== null).map((r) => [r.capacity, f(r)!]);
  return {
    'dmodel.svg': linePlot({
      title: 'uniform: d_model against the capacity N',
      xLabel: 'capacity N (wires)',
      yLabel: 'd_model',
      logX: true,
      series: [
        { name: 'd_model', points: pts((r) => r.d_model) },
        { name: '12L + 49', points: pts((r) => r.d_formula), dashed: true },
        { name: 'heads (all layers)', points: pts((r) => r.heads_per_layer.reduce((s, h) => s + h, 0)) },
      ],
    }),
    'compile.svg': linePlot({
      title: 'uniform: compile time against N',
      xLabel: 'capacity N (wires)',
      yLabel: 'seconds',
      logX: true,
      series: [{ name: 'compile', points: pts((r) => r.compile_seconds) }],
    }),
    'filesize.svg': linePlot({
      title: 'uniform: model file size against N',
      xLabel: 'capacity N (wires)',
      yLabel: 'MB',
      logX: true,
      series: [
        { name: 'file', points: pts((r) => r.file_bytes / 1e6) },
        { name: 'embeddings', points: pts((r) => r.embedding_bytes / 1e6), dashed: true },
      ],
    }),
    'verify.svg': linePlot({
      title: 'uniform: verification time against N (f32)',
      xLabel: 'capacity N (wires)',
      yLabel: 'seconds',
      logX: true,
      series: [
        { name: 'verify', points: pts((r) => r.verify_seconds) },
        { name: 'precision + margin (CPU)', points: pts((r) => r.precision_seconds), dashed: true },
      ],
    }),
    'margin.svg': linePlot({
      title: 'uniform: least logit margin against N (f32)',
      xLabel: 'capacity N (wires)',
      yLabel: 'logit[right] - max other',
      logX: true,
      series: [{ name: 'logit margin', points: pts((r) => r.logit_margin) }],
    }),
  };
}
