// Pieces of the terminal view of a trace shared by the positional and the uniform layouts
// (cli/trace-text.ts, cli/trace-text-uniform.ts): weights, engine lines, wrapping and clipping
// to 80 columns, and the lines of where the heads that missed looked.

import type { TraceData, TraceStep } from '../runtime/trace.js';

export type Head = TraceStep['heads'][number];

/** Below this weight on its target, a head's top positions are shown too. */
export const WEAK = 0.9;

export function fmtW(w: number): string {
  if (w >= 0.9995) return '1.00';
  if (w >= 0.01) return w.toFixed(2);
  if (w === 0) return '0';
  return w.toExponential(0);
}

export function offTarget(h: Head): boolean {
  return h.top[0]?.pos !== h.target;
}

/** A head that missed: below WEAK on its target or another top position (never one without a target). */
export function missed(h: Head): boolean {
  return !h.untargeted && (h.target_weight < WEAK || offTarget(h));
}

/**
 * Where the heads that missed went: for each, its top positions with their weights
 * (`a top @5:0.13 @1:0.12 @4:0.12`), packed into lines of at most 80 columns at `indent`.
 */
export function topLines(t: TraceStep, name: (h: Head) => string, indent: number): string[] {
  const cells = t.heads.filter(missed).map((h) => `${name(h)} top ${h.top.map((p) => `@${p.pos}:${fmtW(p.weight)}`).join(' ')}`);
  return packCells(cells, ' '.repeat(indent), '; ');
}

/** Cells joined by `sep` into lines of at most 80 columns, each line starting with `indent`. */
export function packCells(cells: string[], indent: string, sep: string): string[] {
  return packItems(cells.map((text) => ({ sep, text })), indent, indent);
}

/**
 * Items, each joined to the one before by its own separator, packed into lines of at most 80
 * columns: the first line starts with `first`, the others with `rest` (a separator at a line
 * break is dropped).
 */
export function packItems(items: { sep: string; text: string }[], first: string, rest: string): string[] {
  const lines: string[] = [];
  for (const { sep, text } of items) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + sep.length + text.length <= 80) lines[last] += `${sep}${text}`;
    else lines.push(clip((last < 0 ? first : rest) + text, 80));
  }
  return lines;
}

/** How a layout shows a trace: its title and legend, the blocks of steps, each step's lines. */
export interface TextLayout {
  title: string;
  legend: string[];
  /** The block a step belongs to (a gate, a wire), and what the blocks are called ("gates"). */
  blockOf: (t: TraceStep) => number;
  blocks: string;
  /** The lines above a block, given its first step. */
  header: (t: TraceStep) => string[];
  step: (t: TraceStep) => string[];
}

/** The terminal view: title, input, engines, legend, then block by block (at most `max`), then the outputs. */
export function renderBlocks(data: TraceData, layout: TextLayout, max: number): string {
  const out = [...wrapLine(layout.title, 80), `input bits ${clip(data.input.bits, 60)}`, ...engineLines(data), ...layout.legend];
  let block = -1;
  let shown = 0;
  for (const t of data.steps) {
    const b = layout.blockOf(t);
    if (b !== block) {
      if (shown >= max) {
        out.push(`  ... (${new Set(data.steps.map(layout.blockOf)).size - shown} more ${layout.blocks}; use --gate G or --json)`);
        break;
      }
      block = b;
      shown++;
      out.push(...layout.header(t));
    }
    out.push(...layout.step(t));
  }
  out.push(...verdictLines(data));
  return out.join('\n') + '\n';
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

/** The last line: the outputs and whether they match direct evaluation. */
export function verdictLines(data: Pick<TraceData, 'outputs'>): string[] {
  const verdict = data.outputs.ok ? 'outputs match direct evaluation' : `OUTPUTS DIFFER: direct evaluation gives ${clip(data.outputs.expected_bits, 40)}`;
  return wrapLine(`outputs ${data.outputs.hex.join(' ')}: ${verdict}`, 80);
}

/** A line cut at spaces into lines of at most n columns, the continuations indented. */
export function wrapLine(s: string, n: number, indent = '    '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > n) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => clip(l, n));
}

export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 3) + '...' : s;
}
