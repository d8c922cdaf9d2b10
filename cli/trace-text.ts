// The terminal view of a trace: one block per gate, one line per CoT token (and, under a head
// that missed its target, a line of where its attention went), within 80 columns. A uniform
// model's trace has its own layout (trace-text-uniform.ts).

import type { TraceData, TraceStep } from '../runtime/trace.js';
import { fmtW, offTarget, renderBlocks, topLines, WEAK, wrapLine, type Head } from './trace-text-common.js';
import { renderUniformText } from './trace-text-uniform.js';

/** Indent of the top-positions lines: the token column of the step line above. */
const TOP_INDENT = 10;

function shortName(h: Head): string {
  return h.name.replace('fetch_', '');
}

function headCell(h: Head): string {
  return `${shortName(h)}@${h.target}:${fmtW(h.target_weight)}${offTarget(h) ? '!' : ''}`;
}

function stepLine(t: TraceStep, data: TraceData): string {
  const y = ffOut(t, data);
  const ok = t.token === t.expected ? ' ' : '✗';
  const heads = t.heads.map(headCell).join(' ');
  const tok = t.token.padEnd(6);
  const cpu = t.cpu_token !== undefined ? ` ≠ cpu ${t.cpu_token}` : '';
  return `  ${ok}${String(t.writes).padStart(6)} ${tok} ${heads.padEnd(30)} y=${y}${cpu}`;
}

function ffOut(t: TraceStep, data: TraceData): string {
  const i = data.model.basis.indexOf('ff_out');
  const v = i >= 0 ? t.residual.out[i]! - t.residual.attn[i]! : NaN;
  return Number.isFinite(v) ? v.toFixed(2) : '?';
}

const LEGEND = [
  'columns: written position, token, head@target:weight (! = not the top position),',
  `    y = FF output; a head below ${WEAK} or off target also lists its top positions`,
];

export function renderTraceText(data: TraceData, maxGates = Infinity): string {
  if (data.model.mode === 'uniform') return renderUniformText(data, maxGates);
  const m = data.model;
  return renderBlocks(data, {
    title: `trace of ${data.circuit.name}: ${m.cot} CoT, ${m.layers} layer x ${m.heads.length} heads, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`,
    legend: LEGEND,
    blockOf: (t) => t.gate,
    blocks: 'gates',
    // a gate's block opens with the line of its value step
    header: (t) => wrapLine(data.steps.filter((s) => s.gate === t.gate).pop()!.text, 80),
    step: (t) => [stepLine(t, data), ...topLines(t, shortName, TOP_INDENT)],
  }, maxGates);
}
