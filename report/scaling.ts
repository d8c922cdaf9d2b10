// gatecot scaling: for growing circuits of one family, the resources of the compiled model
// (S, d_model, layers, heads), the smallest precision at which the all-inputs certificate
// holds (fixed point F_s and floating point F_{8,s}), the smallest retrieval margin, and times.
// The theorem predicts: layers and heads constant, d_model = 3k + c with k = ceil(log2(S+1)),
// the same smallest s at every size. `mode: 'uniform'` measures uniform models across capacities
// instead (scaling-uniform.ts).

import { type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { generate } from '../circuits/gen/index.js';
import { compile } from '../compiler/index.js';
import { bindModel, dModelFormula, type Bound, type CotFormat } from '../model/index.js';
import { certify } from '../proofs/certify.js';
import { runUniformScaling, type UniformScalingOptions, type UniformScalingRow } from './scaling-uniform.js';
import { linePlot } from './svg.js';
import { markdownTable, numberCell } from './table.js';

/** The option of each family that sets its size. */
export const SIZE_OPTION: Record<string, string> = {
  random: 'gates',
  adder: 'width',
  multiplier: 'width',
  comparator: 'width',
  modadd: 'count',
  s5: 'count',
  itersq: 'k',
  cvp: 'gates',
};

export interface ScalingRow {
  size: number;
  gates: number;
  inputs: number;
  S: number;
  k: number;
  d_model: number;
  d_formula: number;
  layers: number;
  heads: number;
  min_fixed_s: number | null;
  min_float_s: number | null;
  retrieval_margin: number | null;
  compile_seconds: number;
  certify_seconds: number;
}

export interface ScalingOptions {
  mode?: 'positional';
  family: string;
  sizes: number[];
  cot: CotFormat;
  maxS?: number;
  seed?: string;
  onRow?: (r: ScalingRow) => void;
}

function build(family: string, size: number, seed: string): Circuit {
  const opt = SIZE_OPTION[family];
  if (!opt) throw new UserError(`unknown circuit family '${family}' (expected ${Object.keys(SIZE_OPTION).join(', ')})`);
  const opts: Record<string, string> = { [opt]: String(size) };
  if (family === 'random') Object.assign(opts, { inputs: '16', seed, locality: '0.5' });
  if (family === 'cvp') opts.seed = seed;
  return generate(family, opts);
}

/** Smallest s in 1..8 whose certificate holds (the claims are monotone in s in practice; we scan). */
function smallestS(b: Bound, format: (s: number) => string): { s: number | null; seconds: number } {
  const t0 = performance.now();
  for (let s = 1; s <= 8; s++) {
    if (certify(b, format(s), { method: 'fast' }).verdict) return { s, seconds: (performance.now() - t0) / 1000 };
  }
  return { s: null, seconds: (performance.now() - t0) / 1000 };
}

export function runScaling(o: ScalingOptions): ScalingRow[];
export function runScaling(o: UniformScalingOptions): Promise<UniformScalingRow[]>;
export function runScaling(o: ScalingOptions | UniformScalingOptions): ScalingRow[] | Promise<UniformScalingRow[]> {
  return o.mode === 'uniform' ? runUniformScaling(o) : runPositionalScaling(o);
}

function runPositionalScaling(o: ScalingOptions): ScalingRow[] {
  const rows: ScalingRow[] = [];
  // Every size is built first, so that one the family cannot build fails before any work.
  const circuits = o.sizes.map((size) => build(o.family, size, o.seed ?? '1'));
  for (const [i, size] of o.sizes.entries()) {
    const c = circuits[i]!;
    const t0 = performance.now();
    const model = compile(c, { cot: o.cot });
    const compileSeconds = (performance.now() - t0) / 1000;
    const bound = bindModel(model);
    const S = bound.seq.seqLen;
    const fixed = smallestS(bound, (s) => `fixed:${s}`);
    const float = smallestS(bound, (s) => `float:8,${s}`);
    const f32 = certify(bound, 'f32', { method: 'fast' });
    const retrieval = f32.claims.find((x) => x.claim === 'retrieval lemma')?.evidence.min_margin;
    const row: ScalingRow = {
      size,
      gates: c.ops.length,
      inputs: c.nInputs,
      S,
      k: model.meta.pos_bits,
      d_model: model.d,
      d_formula: dModelFormula(o.cot, S),
      layers: model.meta.n_layers,
      heads: model.meta.heads[0] ?? 0,
      min_fixed_s: fixed.s,
      min_float_s: float.s,
      retrieval_margin: typeof retrieval === 'number' ? retrieval : null,
      compile_seconds: compileSeconds,
      certify_seconds: fixed.seconds + float.seconds + f32.seconds,
    };
    rows.push(row);
    o.onRow?.(row);
  }
  return rows;
}

export const SCALING_COLUMNS: [keyof ScalingRow, string][] = [
  ['size', 'size'],
  ['gates', 'gates'],
  ['S', 'S'],
  ['k', 'k'],
  ['d_model', 'd_model'],
  ['d_formula', 'formula'],
  ['layers', 'layers'],
  ['heads', 'heads'],
  ['min_fixed_s', 'fixed s'],
  ['min_float_s', 'float:8,s'],
  ['retrieval_margin', 'retrieval margin (f32)'],
  ['compile_seconds', 'compile s'],
  ['certify_seconds', 'certify s'],
];

function cell(v: ScalingRow[keyof ScalingRow]): string {
  return v === null ? '-' : typeof v === 'number' ? numberCell(v, 6) : String(v);
}

export function scalingTable(rows: ScalingRow[]): string {
  return markdownTable(
    SCALING_COLUMNS.map(([, h]) => h),
    rows.map((r) => SCALING_COLUMNS.map(([k]) => cell(r[k]))),
  );
}

export function scalingPlots(rows: ScalingRow[], family: string, cot: string): Record<string, string> {
  const pts = (f: (r: ScalingRow) => number | null, x: (r: ScalingRow) => number = (r) => r.S): [number, number][] =>
    rows.filter((r) => f(r) !== null).map((r) => [x(r), f(r)!]);
  return {
    'dmodel.svg': linePlot({
      title: `d_model against log2 S (${family}, ${cot} CoT)`,
      xLabel: 'log2 S',
      yLabel: 'd_model',
      series: [
        { name: 'd_model', points: pts((r) => r.d_model, (r) => Math.log2(r.S)) },
        { name: cot === '4tok' ? '3k + 11' : '3k + 9', points: pts((r) => r.d_formula, (r) => Math.log2(r.S)), dashed: true },
        { name: 'layers x heads', points: pts((r) => r.layers * r.heads, (r) => Math.log2(r.S)) },
      ],
    }),
    'precision.svg': linePlot({
      title: `smallest working precision s against S (${family})`,
      xLabel: 'sequence length S',
      yLabel: 's',
      logX: true,
      series: [
        { name: 'fixed:s', points: pts((r) => r.min_fixed_s) },
        { name: 'float:8,s', points: pts((r) => r.min_float_s), dashed: true },
      ],
    }),
    'margin.svg': linePlot({
      title: `smallest retrieval margin against S (f32, ${family})`,
      xLabel: 'sequence length S',
      yLabel: 'target weight - weight elsewhere',
      logX: true,
      series: [{ name: 'retrieval margin', points: pts((r) => r.retrieval_margin) }],
    }),
  };
}
