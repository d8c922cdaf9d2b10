// The terminal view of a uniform model's trace, within 80 columns: one block per wire (input
// wires too: the model writes a CoT group for each), and per step
//   the written position, the token and the plain-language line of what the model fetched;
//   the heads layer by layer, each as name@target:weight (! = not its top position, - = this head
//   has no target here), then the feed-forward units that fired in each layer;
//   under a head below 0.9 or off target, its top positions (`op top @0:0.08 @4:0.08 @8:0.08`).

import type { TraceData, TraceStep } from '../runtime/trace.js';
import { fmtW, offTarget, packCells, packItems, renderBlocks, topLines, WEAK, wrapLine, type Head } from './trace-text-common.js';

const SHORT: Record<string, string> = { group_0: 'g0', group_1: 'g1', group_2: 'g2', previous: 'prev', description: 'desc', operand: 'op' };
/** Indent of the heads, feed-forward and top-positions lines. */
const INDENT = 10;
/** Where the line starts on the step line (after mark, position and token), and its continuations. */
const TEXT_COL = 17;

function shortName(h: Head): string {
  return SHORT[h.name] ?? h.name;
}

function headCell(h: Head): string {
  if (h.untargeted) return `${shortName(h)} -`;
  return `${shortName(h)}@${h.target}:${fmtW(h.target_weight)}${offTarget(h) ? '!' : ''}`;
}

/** The step line (the plain-language line wrapped under itself). */
function stepLines(t: TraceStep): string[] {
  const ok = t.token === t.expected ? ' ' : '✗';
  const cpu = t.cpu_token !== undefined ? `≠ cpu ${t.cpu_token} · ` : '';
  const lead = `  ${ok}${String(t.writes).padStart(6)} ${t.token.padEnd(6)} `;
  return wrapLine(cpu + t.text, 80 - TEXT_COL, '').map((l, i) => (i === 0 ? lead : ' '.repeat(TEXT_COL)) + l);
}

/** Fired units, one layer's: "q_op[0] +slot0·d_in1" ... collapsed to "q_op[0-4] ±slot0·d_in1". */
function collapse(units: string[]): string[] {
  const groups = new Map<string, number[]>();
  const order: string[] = [];
  for (const u of units) {
    const m = /^(.*)\[(\d+)\] [+-](.*)$/.exec(u);
    const key = m ? `${m[1]}\u0000${m[3]}` : u;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    if (m) groups.get(key)!.push(Number(m[2]));
  }
  return order.map((key) => {
    const ix = groups.get(key)!;
    if (ix.length === 0) return key;
    const [name, rest] = key.split('\u0000') as [string, string];
    const run = ix.every((v, i) => i === 0 || v === ix[i - 1]! + 1);
    const range = ix.length === 1 ? String(ix[0]) : run ? `${ix[0]}-${ix[ix.length - 1]}` : ix.join(',');
    return `${name}[${range}] ±${rest}`;
  });
}

/** The heads grouped by layer, then the units that fired in each layer. */
function layerLines(t: TraceStep, data: TraceData): string[] {
  const indent = ' '.repeat(INDENT);
  const layers = [...new Set(t.heads.map((h) => h.layer))];
  const groups = layers.map((l) => `L${l} ${t.heads.filter((h) => h.layer === l).map(headCell).join(' ')}`);
  const fired = new Map<number, string[]>();
  data.model.ff_units.forEach((u, i) => {
    if (!(t.ff.act[i]! > 0)) return;
    const m = /^L(\d+) (.*)$/.exec(u);
    const l = m ? Number(m[1]) : 0;
    if (!fired.has(l)) fired.set(l, []);
    fired.get(l)!.push(m ? m[2]! : u);
  });
  // "ff L1 a, b; L2 c": a layer's units joined by commas, layers by semicolons; the continuations
  // under the first unit (a layer's first always starts with its "L<l>")
  const items = [...fired].flatMap(([l, us]) => collapse(us).map((u, i) => (i === 0 ? { sep: '; ', text: `L${l} ${u}` } : { sep: ', ', text: u })));
  const ff = packItems(items.length ? items : [{ sep: '', text: 'none fired' }], `${indent}ff `, ' '.repeat(INDENT + 3));
  return [...packCells(groups, indent, '  '), ...ff];
}

function wireHeader(data: TraceData, w: number): string {
  const c = data.circuit;
  if (w < c.n_inputs) return `wire #${w + 1}: input ${c.input_labels[w]}`;
  const g = c.gates[w - c.n_inputs]!;
  const args = [g.a_label, g.b_label].filter((x) => x !== null).join(', ');
  return `wire #${w + 1}: gate ${w - c.n_inputs}, ${g.label} = ${g.op}${args ? `(${args})` : ''}`;
}

const LEGEND = [
  'columns: written position, token, what the model fetched; under it the heads',
  '    by layer as name@target:weight (! = not the top position, - = no target',
  '    here), the feed-forward units that fired, and for a head below ' + WEAK + ' or off',
  '    target its top positions. g0-g2 = group_0-2, prev = previous, desc =',
  '    description, op = operand',
];

export function renderUniformText(data: TraceData, maxWires = Infinity): string {
  const m = data.model;
  const heads = data.steps[0]?.heads ?? [];
  const perLayer = [...new Set(heads.map((h) => h.layer))].map((l) => heads.filter((h) => h.layer === l).length);
  const shape = perLayer.length ? ` (${perLayer.join('+')})` : '';
  const cap = m.capacity !== undefined ? ` of capacity ${m.capacity}` : '';
  return renderBlocks(data, {
    title: `trace of ${data.circuit.name}: uniform model${cap}, ${m.layers} layers x ${m.heads.length} heads${shape}, d_model ${m.d_model}, S ${m.seq_len}, ${m.arith}`,
    legend: LEGEND,
    blockOf: (t) => t.wire,
    blocks: 'wires',
    header: (t) => wrapLine(wireHeader(data, t.wire), 80),
    step: (t) => [...stepLines(t), ...layerLines(t, data), ...topLines(t, shortName, INDENT)],
  }, maxWires);
}
