// The terminal view of a latent model's trace (runtime/latent-trace.ts), within 80 columns: one
// line per iteration, `iter 3: changed G16gat G19gat; final 9/11 wires` (a run of iterations
// that change nothing is one line), with a chosen gate (--gate) its detail under each iteration:
// its operands' values before, its value before and after, where its heads attended (as
// name@target:weight, ! = not the top position, then what the head returned), and the
// feed-forward units that fired; then the wires and outputs against direct evaluation.

import type { LatentGateStep, LatentTraceData } from '../runtime/latent-trace.js';
import { clip, fmtW, packCells, verdictLines, WEAK, wrapLine } from './trace-text-common.js';

const INDENT = '    ';

function label(data: LatentTraceData, w: number): string {
  const c = data.circuit;
  return w < c.n_inputs ? c.input_labels[w]! : c.gates[w - c.n_inputs]!.label;
}

/** The stored layers and heads: "1 stored layer x 2 heads". */
function shape(data: LatentTraceData): string {
  const m = data.model;
  const heads = m.heads.map((h) => h.length).join(',');
  return `${m.layers} stored layer${m.layers === 1 ? '' : 's'} x ${heads} heads`;
}

/** How often the block ran: "loops: the block applied 3 times (= depth)"; none without a loop. */
function loopsLine(data: LatentTraceData): string[] {
  const lp = data.loops;
  if (!lp) return [];
  const times = `${lp.run} time${lp.run === 1 ? '' : 's'}`;
  const own = `the model's own count: ${lp.model} = ${lp.model_is}`;
  if (lp.source === 'auto') return [`loops: auto, the block applied ${times}: settled after ${lp.settled} (${own})`];
  if (lp.source === 'given') return [`loops: the block applied ${times} (--loops; ${own})`];
  if (lp.source === 'circuit depth') return [`loops: the block applied ${times} (= the circuit's depth; ${own})`];
  return [`loops: the block applied ${times} (= ${lp.model_is})`];
}

/** "changed G16gat G19gat", cut to fit `room` columns with "+N more". */
function changedText(data: LatentTraceData, wires: number[], room: number): string {
  if (wires.length === 0) return 'changed nothing';
  let s = 'changed';
  for (let i = 0; i < wires.length; i++) {
    const name = label(data, wires[i]!);
    const more = i + 1 < wires.length ? ` ... (+${wires.length - i - 1} more)` : '';
    if (s.length + 1 + name.length + more.length > room && i > 0) return `${s} ... (+${wires.length - i} more)`;
    s += ` ${name}`;
  }
  return s;
}

function headCells(s: LatentGateStep, several: boolean): string[] {
  return s.heads.map((h) => {
    const off = h.target >= 0 && h.top[0]?.pos !== h.target ? '!' : '';
    const out = h.out.map((x) => (Math.abs(x) < 5e-4 ? '0' : String(Number(x.toFixed(3))))).join(',');
    const at = h.target >= 0 ? `@${h.target}:${fmtW(h.target_weight)}${off}` : ' -';
    return `${several ? `L${h.layer} ` : ''}${h.name}${at}=${out}`;
  });
}

/** The chosen gate in one iteration. */
function gateLines(data: LatentTraceData, g: number, s: LatentGateStep): string[] {
  const gate = data.circuit.gates[g]!;
  const ops = [[gate.a_label, s.a], [gate.b_label, s.b]].filter(([l]) => l !== null).map(([l, v]) => `${l}=${v}`);
  const moved = s.before === s.after ? 'stays' : 'changes';
  const head = `${gate.label} = ${gate.op}(${ops.join(', ')}): ${s.before} -> ${s.after} (${moved})`;
  const several = new Set(s.heads.map((h) => h.layer)).size > 1;
  const weak = s.heads.filter((h) => h.target >= 0 && (h.target_weight < WEAK || h.top[0]?.pos !== h.target));
  const tops = weak.map((h) => `${h.name} top ${h.top.map((p) => `@${p.pos}:${fmtW(p.weight)}`).join(' ')}`);
  const ff = wrapLine(`ff ${s.fired.length ? s.fired.join(', ') : 'none fired'}`, 80 - INDENT.length, INDENT).map((l) => INDENT + l);
  return [...wrapLine(head, 80 - INDENT.length).map((l) => INDENT + l), ...packCells(headCells(s, several), INDENT, '  '), ...packCells(tops, INDENT, '; '), ...ff];
}

const LEGEND = [
  "a wire's value is the model's readout (the argmax at its position) after each",
  '    iteration (one application of the block; deep models: one layer); final =',
  '    holds its last value from that iteration on; iter 0 = the embedding',
];

export function renderLatentText(data: LatentTraceData, gate?: number): string {
  const m = data.model;
  const W = data.final_from.length;
  const out = [
    ...wrapLine(`trace of ${data.circuit.name}: ${m.construction} (no CoT), ${shape(data)}, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`, 80),
    ...loopsLine(data),
    `input bits ${clip(data.input.bits, 60)}`,
    ...LEGEND,
  ];
  const detail = gate !== undefined ? data.details.find((x) => x.gate === gate) : undefined;
  if (detail) out.push(...wrapLine(`gate ${gate}: ${detail.label}, detailed under each iteration (heads as name@target:weight=returned)`, 80));
  const its = data.iterations;
  for (let i = 0; i < its.length; i++) {
    const it = its[i]!;
    const final = `final ${it.final}/${W} wires`;
    // a run of iterations that change nothing is one line (without a detailed gate)
    let j = i;
    if (!detail && it.t > 0 && it.changed.length === 0) while (j + 1 < its.length && its[j + 1]!.changed.length === 0) j++;
    const name = j > i ? `iter ${it.t}-${its[j]!.t}` : `iter ${it.t}`;
    if (it.t === 0) out.push(`${name} (embedding): ${final}`);
    else {
      const lead = `${name}: `;
      out.push(lead + changedText(data, it.changed, 80 - lead.length - final.length - 2) + `; ${final}`);
    }
    const s = detail?.steps.find((x) => x.t === it.t);
    if (s) out.push(...gateLines(data, detail!.gate, s));
    i = j;
  }
  if (data.loops?.source === 'auto') out.push(`the loop settled after ${data.loops.settled} iterations (iteration ${data.loops.run} changed nothing in the residual)`);
  const e = data.engines;
  if (e) {
    const who = `${e.values.backend} ${e.values.arith}`;
    out.push(e.disagreements.length === 0 ? clip(`${who} reads the same value at every wire as the CPU reference`, 80) : clip(`ENGINES DISAGREE at ${e.disagreements.length} wires: ${e.disagreements.map((w) => label(data, w)).join(' ')}`, 80));
  }
  const wrong = data.wrong;
  out.push(wrong.length === 0
    ? `wires: the readout matches direct evaluation at ${W}/${W} wires`
    : clip(`WIRES WRONG at ${wrong.length}/${W} (readout vs direct evaluation): ${wrong.map((w) => label(data, w)).join(' ')}`, 80));
  out.push(...verdictLines(data));
  return out.join('\n') + '\n';
}
