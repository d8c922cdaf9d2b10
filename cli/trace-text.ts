// The terminal view of a trace: one block per gate, one line per CoT token, within 80 columns.

import type { TraceData, TraceStep } from '../runtime/trace.js';

function fmtW(w: number): string {
  if (w >= 0.9995) return '1.00';
  if (w >= 0.01) return w.toFixed(2);
  if (w === 0) return '0';
  return w.toExponential(0);
}

function headCell(h: TraceStep['heads'][number]): string {
  const top = h.top[0];
  const mark = top && top.pos === h.target ? '' : '!';
  return `${h.name.replace('fetch_', '')}@${h.target}:${fmtW(h.target_weight)}${mark}`;
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

export function renderTraceText(data: TraceData, maxGates = Infinity): string {
  const out: string[] = [];
  const m = data.model;
  out.push(`trace of ${data.circuit.name}: ${m.cot} CoT, ${m.layers} layer x ${m.heads.length} heads, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`);
  out.push(`input bits ${clip(data.input.bits, 60)}`);
  out.push(...engineLines(data));
  out.push(`columns: written position, token, head@target:weight (! = not the top position), y = FF output`);
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
    out.push(stepLine(t, data));
  }
  const verdict = data.outputs.ok ? 'outputs match direct evaluation' : `OUTPUTS DIFFER: direct evaluation gives ${clip(data.outputs.expected_bits, 40)}`;
  out.push(`outputs ${data.outputs.hex.join(' ')}: ${verdict}`);
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
