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
  return `  ${ok}${String(t.writes).padStart(6)} ${tok} ${heads.padEnd(30)} y=${y}`;
}

function ffOut(t: TraceStep, data: TraceData): string {
  const i = data.model.basis.indexOf('ff_out');
  const v = i >= 0 ? t.residual.out[i]! - t.residual.attn[i]! : NaN;
  return Number.isFinite(v) ? v.toFixed(2) : '?';
}

export function renderTraceText(data: TraceData, maxGates = Infinity): string {
  const out: string[] = [];
  const m = data.model;
  out.push(`trace of ${data.circuit.name}: ${m.cot} CoT, ${m.layers} layer x ${m.heads.length} heads, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`);
  out.push(`input bits ${clip(data.input.bits, 60)}`);
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
      out.push(clip(last.text, 80));
    }
    out.push(stepLine(t, data));
  }
  const verdict = data.outputs.ok ? 'outputs match direct evaluation' : `OUTPUTS DIFFER: direct evaluation gives ${clip(data.outputs.expected_bits, 40)}`;
  out.push(`outputs ${data.outputs.hex.join(' ')}: ${verdict}`);
  return out.join('\n') + '\n';
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 3) + '...' : s;
}
