// The circuit diagram's layout, computed at generation time with ELK (elkjs, layered algorithm)
// and embedded in the page as coordinates, so the page needs no layout library.
//
// Columns are the circuit's levels (inputs at level 0, a gate at 1 + its deeper input): every
// node is given x = level · pitch and ELK's INTERACTIVE layering keeps that order, so each ELK
// layer is exactly one level. ELK then orders the nodes within each layer (crossing
// minimisation), places them and routes the wires, with its default, thorough settings. Beyond
// SMALL_GRAPH nodes the circuit is laid out by layered.ts instead (the same columns; barycenter
// ordering, lanes for long wires): ELK's thorough settings take minutes on the ~4k-gate ISCAS
// circuits, and even its settings that scale took 4 s and 250 MB on c7552, layered.ts a
// fraction of a second. The page folds large circuits to a gate's cone with layered.ts too.

import type { ElkExtendedEdge, ElkNode, LayoutOptions } from 'elkjs/lib/elk-api.js';
import type { TraceData } from '../../runtime/trace.js';
import { layered, type LayeredOptions } from './layered.js';

export const NODE_W = 52;
export const NODE_H = 24;
const SMALL_GRAPH = 300;

export interface DiagramLayout {
  width: number;
  height: number;
  nodeW: number;
  nodeH: number;
  /** Top-left corner of each wire's box, wire by wire (inputs, then gates): [x0, y0, x1, y1, ...]. */
  xy: number[];
  /** Left x of each level's column (null for a level with no wire). */
  levels: (number | null)[];
  /** ELK's route of each gate input wire (index 2g: input a, 2g + 1: input b) as [x, y, x, y, ...]; empty without that input. */
  routes: number[][];
  /** The ELK options used, shown in the page's footer. */
  settings: string;
}

type Circuit = TraceData['circuit'];

/** Spacing of layered.ts: ELK's gaps below, a few more pixels between columns for the lanes. */
export const LAYERED: LayeredOptions = { nodeW: NODE_W, nodeH: NODE_H, gapX: 60, gapY: 10, lane: 5, sweeps: 8 };

const ELK_OPTIONS: LayoutOptions = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.layered.layering.strategy': 'INTERACTIVE',
  'elk.layered.cycleBreaking.strategy': 'INTERACTIVE',
  // Otherwise ELK packs disconnected pieces (an input wired straight to an output) apart,
  // out of their level's column.
  'elk.separateConnectedComponents': 'false',
  'elk.spacing.nodeNode': '10',
  'elk.layered.spacing.nodeNodeBetweenLayers': '40',
  'elk.spacing.edgeNode': '8',
};

function levelsOf(c: Circuit): number[] {
  return [...new Array<number>(c.n_inputs).fill(0), ...c.gates.map((g) => g.level)];
}

function elkGraph(c: Circuit, options: LayoutOptions): ElkNode {
  const level = levelsOf(c);
  const children: ElkNode[] = level.map((l, w) => ({ id: `w${w}`, width: NODE_W, height: NODE_H, x: l * 100, y: w * (NODE_H + 4) }));
  const edges: ElkExtendedEdge[] = [];
  c.gates.forEach((g, k) => {
    [g.a, g.b].forEach((src, slot) => {
      if (src >= 0) edges.push({ id: `e${2 * k + slot}`, sources: [`w${src}`], targets: [`w${c.n_inputs + k}`] });
    });
  });
  return { id: 'circuit', layoutOptions: options, children, edges };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Left x of each level's column, from the wires' boxes. */
function levelColumns(c: Circuit, xy: number[]): (number | null)[] {
  const levels: (number | null)[] = [];
  levelsOf(c).forEach((l, w) => {
    if (levels[l] === undefined || levels[l] === null) levels[l] = xy[2 * w]!;
  });
  return Array.from(levels, (x) => x ?? null);
}

/** The layout of layered.ts: columns are levels, one route per gate input. */
export function layeredLayout(c: Circuit): DiagramLayout {
  const level = levelsOf(c);
  const src: number[] = [];
  const dst: number[] = [];
  const slotOf: number[] = [];
  c.gates.forEach((g, k) => {
    [g.a, g.b].forEach((s, slot) => {
      if (s < 0) return;
      src.push(s);
      dst.push(c.n_inputs + k);
      slotOf.push(2 * k + slot);
    });
  });
  const r = layered(level.length, level, src, dst, LAYERED);
  const routes: number[][] = Array.from({ length: 2 * c.gates.length }, () => []);
  r.routes.forEach((pts, e) => (routes[slotOf[e]!] = pts));
  const settings = `layered.ts (columns = levels, ${LAYERED.sweeps} barycenter sweeps, ${r.crossings} crossings between adjacent columns)`;
  return { width: Math.ceil(r.width), height: r.height, nodeW: NODE_W, nodeH: NODE_H, xy: r.xy, levels: levelColumns(c, r.xy), routes, settings };
}

/** Lays out the circuit of a trace: ELK up to SMALL_GRAPH wires (loaded on first use: it takes a second to load), layered.ts beyond. */
export async function layoutCircuit(c: Circuit): Promise<DiagramLayout> {
  const wires = c.n_inputs + c.gates.length;
  if (wires > SMALL_GRAPH) return layeredLayout(c);
  const mod = await import('elkjs/lib/elk.bundled.js');
  const Elk = mod.default.default;
  const out = await new Elk().layout(elkGraph(c, ELK_OPTIONS));
  const xy = new Array<number>(2 * wires).fill(0);
  for (const n of out.children ?? []) {
    const w = Number(n.id.slice(1));
    xy[2 * w] = round1(n.x ?? 0);
    xy[2 * w + 1] = round1(n.y ?? 0);
  }
  const routes: number[][] = Array.from({ length: 2 * c.gates.length }, () => []);
  for (const e of out.edges ?? []) {
    const s = e.sections?.[0];
    if (!s) continue;
    const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
    routes[Number(e.id.slice(1))] = pts.flatMap((p) => [round1(p.x), round1(p.y)]);
  }
  const settings = Object.entries(ELK_OPTIONS)
    .filter(([k]) => k !== 'elk.algorithm')
    .map(([k, v]) => `${k.replace(/^elk\./, '')}=${v}`)
    .join(', ');
  return { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), nodeW: NODE_W, nodeH: NODE_H, xy, levels: levelColumns(c, xy), routes, settings: `ELK layered (elkjs), ${settings}` };
}
