// The terminal view of a trace: one block per gate, one line per CoT token (and, under a head
// that missed its target, a line of where its attention went), within 80 columns.

import type { TraceData, TraceStep } from '../runtime/trace.js';

function fmtW(w: number): string {
  if (w >= 0.9995) return '1.00';
  if (w >= 0.01) return w.toFixed(2);
  if (w === 0) return '0';
  return w.toExponential(0);
}

type Head = TraceStep['heads'][number];

/** Below this weight on its target, a head's top positions are shown too. */
const WEAK = 0.9;
/** Indent of the top-positions lines: the token column of the step line above. */
const TOP_INDENT = 10;

function shortName(h: Head): string {
  return h.name.replace('fetch_', '');
}

function offTarget(h: Head): boolean {
  return h.top[0]?.pos !== h.target;
}

function headCell(h: Head): string {
  return `${shortName(h)}@${h.target}:${fmtW(h.target_weight)}${offTarget(h) ? '!' : ''}`;
}

/**
 * Where the heads that missed went: for each head below WEAK on its target or whose top
 * position is another, its top positions with their weights (`a top @5:0.13 @1:0.12 @4:0.12`),
 * packed into lines of at most 80 columns under the step line.
 */
function topLines(t: TraceStep): string[] {
  const cells = t.heads
    .filter((h) => h.target_weight < WEAK || offTarget(h))
    .map((h) => `${shortName(h)} top ${h.top.map((p) => `@${p.pos}:${fmtW(p.weight)}`).join(' ')}`);
  const indent = ' '.repeat(TOP_INDENT);
  const lines: string[] = [];
  for (const cell of cells) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 2 + cell.length <= 80) lines[last] += `; ${cell}`;
    else lines.push(clip(indent + cell, 80));
  }
  return lines;
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

/** Which engine chose the tokens and which computed the details, and whether their argmax agree. */
function engineLines(data: TraceData): string[] {
  const e = data.engines;
  if (!e) return [];
  const d = e.disagreements;
  const tokens = `${e.tokens.backend} ${e.tokens.arith}`;
  return [
    clip(`tokens: ${tokens} argmax; details: ${e.details.backend} ${e.details.arith}, teacher-forced on those tokens`, 80),
    d.length === 0
      ? `the cpu argmax agrees with ${tokens} at every position`
      : clip(`ENGINES DISAGREE at ${d.length} positions (≠): ${d.join(' ')}`, 80),
  ];
}

const LEGEND = [
  'columns: written position, token, head@target:weight (! = not the top position),',
  `    y = FF output; a head below ${WEAK} or off target also lists its top positions`,
];

export function renderTraceText(data: TraceData, maxGates = Infinity): string {
  const out: string[] = [];
  const m = data.model;
  out.push(...wrapLine(`trace of ${data.circuit.name}: ${m.cot} CoT, ${m.layers} layer x ${m.heads.length} heads, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`, 80));
  out.push(`input bits ${clip(data.input.bits, 60)}`);
  out.push(...engineLines(data));
  out.push(...LEGEND);
  let gate = -1;
  let shown = 0;
  for (const t of data.steps) {
    if (t.gate !== gate) {
      if (shown >= maxGates) {
        out.push(`  ... (${new Set(data.steps.map((s) => s.gate)).size - shown} more gates; use --gate G or --json)`);
        break;
      }
      gate = t.gate;
      shown++;
      const last = data.steps.filter((s) => s.gate === gate).pop()!;
      out.push(...wrapLine(last.text, 80));
    }
    out.push(stepLine(t, data), ...topLines(t));
  }
  const verdict = data.outputs.ok ? 'outputs match direct evaluation' : `OUTPUTS DIFFER: direct evaluation gives ${clip(data.outputs.expected_bits, 40)}`;
  out.push(...wrapLine(`outputs ${data.outputs.hex.join(' ')}: ${verdict}`, 80));
  return out.join('\n') + '\n';
}

/** A line cut at spaces into lines of at most n columns, the continuations indented. */
function wrapLine(s: string, n: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > n) {
      lines.push(line);
      line = '    ' + word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => clip(l, n));
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 3) + '...' : s;
}
