// gatecot compare: every construction of one circuit side by side, each row MEASURED on the model
// compiled here (never from a formula): stored and applied layers, heads per layer, d_model,
// parameters (stored: every weight array once, embeddings included; applied: a looped block
// counted once per application), CoT tokens, loops, sequence length, the smallest fixed:s
// (s = 1..8) under which verify passes on the sampled inputs (CPU reference, stopping at the
// first s that passes), and the f32 verify result and time on the chosen backend. A mode whose
// construction is not built in this version (uniform looped) is a row marked not available,
// detected by trying to compile it.

import { type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { circuitDepth, compile, type CompileOptions } from '../compiler/index.js';
import { appliedLayers, bindCompiled, type Bound, type Layer, type Model } from '../model/index.js';
import { createEngine, CpuEngine, sampleInputs, verifyModel, type BackendChoice } from '../runtime/index.js';
import { markdownTable, numberCell } from './table.js';

export interface CompareMode {
  mode: string;
  options: CompileOptions;
}

/** The rows of the table, in order. */
export const COMPARE_MODES: CompareMode[] = [
  { mode: 'positional gate CoT', options: { cot: 'gate' } },
  { mode: 'positional 4tok', options: { cot: '4tok' } },
  { mode: 'uniform 4tok', options: { mode: 'uniform' } },
  { mode: 'looped', options: { latent: 'looped' } },
  { mode: 'looped-cot', options: { latent: 'looped-cot' } },
  { mode: 'deep', options: { latent: 'deep' } },
  { mode: 'uniform looped', options: { mode: 'uniform', latent: 'looped' } },
];

export interface CompareRow {
  mode: string;
  /** False: this version does not build the construction (the compiler refused it: `note`). */
  available: boolean;
  layers_stored: number | null;
  layers_applied: number | null;
  heads_per_layer: number[] | null;
  d_model: number | null;
  params_stored: number | null;
  params_applied: number | null;
  cot_tokens: number | null;
  /** Times the looped block is applied (null: the model has no loop). */
  loops: number | null;
  seq_len: number | null;
  /** Smallest s in 1..8 with verify passing in fixed:s on the sampled inputs; null: none up to 8 (or not run). */
  min_fixed_s: number | null;
  /** True when the precision scan ran (so min_fixed_s null means "> 8"). */
  precision_scanned: boolean;
  verify_ok: boolean | null;
  verify_mismatches: number | null;
  verify_backend: string | null;
  verify_seconds: number | null;
  compile_seconds: number | null;
  note: string;
}

export interface CompareReport {
  circuit: string;
  inputs: number;
  gates: number;
  depth: number;
  backend: BackendChoice;
  /** Input vectors verified per row (all-zeros, all-ones and random ones). */
  inputs_verified: number;
  seed: string;
  rows: CompareRow[];
}

export interface CompareOptions {
  backend?: BackendChoice;
  /** Random inputs besides all-zeros and all-ones (default 16). */
  samples?: number;
  seed?: string;
  onRow?: (r: CompareRow) => void;
}

const MAX_S = 8;

function layerParams(l: Layer): number {
  let n = l.ff.w1.length + l.ff.b1.length + l.ff.w2.length + l.ff.b2.length;
  for (const h of l.heads) n += h.wq.length + h.wk.length + h.wv.length + h.wo.length;
  return n;
}

/** Weights of a model: stored (each array once) and applied (a looped layer once per application). */
export function parameterCounts(m: Model, loops?: number): { stored: number; applied: number } {
  const emb = m.tokEmb.length + m.posEmb.length + m.unembed.length;
  const per = m.layers.map(layerParams);
  return {
    stored: emb + per.reduce((a, b) => a + b, 0),
    applied: emb + appliedLayers(m.meta, loops).reduce((a, l) => a + per[l]!, 0),
  };
}

async function verifyOn(b: Bound, backend: BackendChoice, inputs: Uint8Array[]): Promise<{ ok: boolean; mismatches: number; backend: string; seconds: number; notice?: string }> {
  const t0 = performance.now();
  const { engine, notice } = await createEngine(b.model, backend, 'f32', b.seq.loops !== undefined ? { loops: b.seq.loops } : {});
  try {
    const r = await verifyModel(b, engine, inputs);
    return { ok: r.ok, mismatches: r.mismatches, backend: engine.backend, seconds: (performance.now() - t0) / 1000, ...(notice ? { notice } : {}) };
  } finally {
    engine.dispose();
  }
}

/** The smallest s in 1..MAX_S for which fixed:s verification passes on `inputs` (CPU reference). */
async function smallestFixedS(b: Bound, inputs: Uint8Array[]): Promise<number | null> {
  for (let s = 1; s <= MAX_S; s++) {
    if ((await verifyModel(b, new CpuEngine(b.model, `fixed:${s}`, b.seq.loops !== undefined ? { loops: b.seq.loops } : {}), inputs)).ok) return s;
  }
  return null;
}

function emptyRow(mode: string, available: boolean, note: string): CompareRow {
  return {
    mode,
    available,
    layers_stored: null,
    layers_applied: null,
    heads_per_layer: null,
    d_model: null,
    params_stored: null,
    params_applied: null,
    cot_tokens: null,
    loops: null,
    seq_len: null,
    min_fixed_s: null,
    precision_scanned: false,
    verify_ok: null,
    verify_mismatches: null,
    verify_backend: null,
    verify_seconds: null,
    compile_seconds: null,
    note,
  };
}

async function compareRow(c: Circuit, m: CompareMode, backend: BackendChoice, inputs: Uint8Array[]): Promise<CompareRow> {
  const t0 = performance.now();
  let model: Model;
  try {
    model = compile(c, m.options);
  } catch (e) {
    // Only a construction this version does not build is a row; any other refusal is the user's.
    if (e instanceof UserError && m.options.mode === 'uniform' && m.options.latent) return emptyRow(m.mode, false, `not available: ${e.message}`);
    throw e;
  }
  const row = emptyRow(m.mode, true, '');
  row.compile_seconds = (performance.now() - t0) / 1000;
  const b = bindCompiled(model, c);
  // A uniform looped model runs its block the circuit's depth times (b.seq.loops), not its file's default.
  const p = parameterCounts(model, b.seq.loops);
  Object.assign(row, {
    layers_stored: model.layers.length,
    layers_applied: appliedLayers(model.meta, b.seq.loops).length,
    heads_per_layer: [...model.meta.heads],
    d_model: model.d,
    params_stored: p.stored,
    params_applied: p.applied,
    cot_tokens: b.seq.cotLength,
    loops: b.seq.loops ?? model.meta.loop?.count ?? null,
    seq_len: b.seq.seqLen,
  });
  try {
    const v = await verifyOn(b, backend, inputs);
    Object.assign(row, { verify_ok: v.ok, verify_mismatches: v.mismatches, verify_backend: v.backend, verify_seconds: v.seconds });
    if (v.notice) row.note = v.notice;
  } catch (e) {
    // An engine that refuses this model (WebGPU and latent models, for now) leaves the row unverified, saying why.
    if (!(e instanceof UserError)) throw e;
    row.note = `not verified on ${backend}: ${e.message}`;
  }
  row.min_fixed_s = await smallestFixedS(b, inputs);
  row.precision_scanned = true;
  return row;
}

export async function runCompare(c: Circuit, o: CompareOptions = {}): Promise<CompareReport> {
  const backend = o.backend ?? 'cpu';
  const seed = o.seed ?? '1';
  const inputs = sampleInputs(c.nInputs, o.samples ?? 16, BigInt(seed));
  const rows: CompareRow[] = [];
  for (const m of COMPARE_MODES) {
    const row = await compareRow(c, m, backend, inputs);
    rows.push(row);
    o.onRow?.(row);
  }
  return { circuit: c.name, inputs: c.nInputs, gates: c.ops.length, depth: circuitDepth(c), backend, inputs_verified: inputs.length, seed, rows };
}

const dash = (v: number | null, f: (x: number) => string = String): string => (v === null ? '-' : f(v));

function verifyCell(r: CompareRow): string {
  if (r.verify_ok === null) return '-';
  return `${r.verify_ok ? 'ok' : `FAIL (${r.verify_mismatches} mismatches)`}, ${r.verify_backend} ${numberCell(1000 * r.verify_seconds!, 1)} ms`;
}

export function compareTable(rep: CompareReport): string {
  const head = ['mode', 'layers (stored / applied)', 'heads', 'd_model', 'parameters (stored / applied)', 'CoT tokens', 'loops', 'S', 'smallest fixed:s', 'verify f32', 'note'];
  const body = rep.rows.map((r) =>
    r.available
      ? [
          r.mode,
          `${r.layers_stored} / ${r.layers_applied}`,
          r.heads_per_layer!.join(','),
          String(r.d_model),
          `${r.params_stored} / ${r.params_applied}`,
          String(r.cot_tokens),
          dash(r.loops),
          String(r.seq_len),
          r.precision_scanned ? (r.min_fixed_s === null ? `>${MAX_S}` : String(r.min_fixed_s)) : '-',
          verifyCell(r),
          r.note,
        ]
      : [r.mode, '-', '-', '-', '-', '-', '-', '-', '-', '-', r.note],
  );
  return markdownTable(head, body);
}

export function compareHeader(rep: CompareReport): string {
  return `compare ${rep.circuit}: ${rep.inputs} inputs, ${rep.gates} gates, depth ${rep.depth}; ${rep.inputs_verified} input vectors verified per row (seed ${rep.seed}), f32 on ${rep.backend}; smallest fixed:s by verification on the CPU reference\n`;
}
