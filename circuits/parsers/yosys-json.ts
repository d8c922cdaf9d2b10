// The netlist Yosys writes with `write_json` after `synth -flatten; aigmap; opt_clean`: one top
// module whose cells are $_AND_ and $_NOT_ only. Ports become groups in declaration order; a port
// of width w becomes a group of width w whose bit k is the port's k-th least significant bit
// (Yosys's bit order, whatever the declared range: for `[8:1] x` bit 0 is x[1], for `[0:3] y`
// bit 0 is y[3]). 1-bit ports named like bits (escaped `\a[0] , \a[1] , ...`, as bit-blasted
// netlists such as the EPFL suite spell them) that follow each other from index 0 form one group
// `a`, as in the bit-level formats. Storage cells (flip-flops, latches) are rejected.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, quote, type SourceLoc } from '../errors.js';
import type { Circuit } from '../ir.js';

type Bit = number | string;

interface JsonPort {
  direction: string;
  bits: Bit[];
}

interface JsonCell {
  type: string;
  attributes?: Record<string, string>;
  connections: Record<string, Bit[]>;
}

interface JsonModule {
  attributes?: Record<string, string>;
  ports?: Record<string, JsonPort>;
  cells?: Record<string, JsonCell>;
}

export interface JsonNetlistOptions {
  /** The Verilog file as the user named it (for messages). */
  file: string;
  /** What the `src` attributes call that file (the copy Yosys read). */
  srcName: string;
  /** The circuit's name. */
  name: string;
  /** Yosys picked the top module itself (a hint for a top without outputs). */
  autoTop: boolean;
}

const ONLY_COMB = 'gatecot compiles combinational circuits only';
const STORAGE = /^\$_(DFF|DFFE|DFFSR|DFFSRE|SDFF|SDFFE|SDFFCE|ALDFF|ALDFFE|DLATCH|DLATCHSR|SR|FF)_/;
const BIT_PORT = /^(.+)\[(0|[1-9][0-9]*)\]$/;

interface PortGroup {
  name: string;
  /** Yosys bit of each group bit, bit 0 first. */
  bits: Bit[];
  /** Display name of each bit. */
  bitNames: string[];
}

/** Where a `src` attribute ("file.v:12.3-14.6|other.v:3.1-3.9") points, in the user's file. */
function srcLoc(o: JsonNetlistOptions, src: string | undefined): SourceLoc {
  const first = src?.split('|')[0] ?? '';
  const m = /^(.*):(\d+)\.(\d+)(?:-\d+\.\d+)?$/.exec(first);
  if (!m) return { file: o.file, line: 1, col: 1 };
  return { file: m[1] === o.srcName ? o.file : m[1]!, line: Number(m[2]), col: Number(m[3]) };
}

function topModule(json: unknown, file: string): [string, JsonModule] {
  const modules = (json as { modules?: Record<string, JsonModule> } | null)?.modules;
  if (typeof modules !== 'object' || modules === null) throw new CircuitError('syntax', `${file}: Yosys wrote no modules`);
  const entries = Object.entries(modules);
  const tops = entries.filter(([, m]) => /1/.test(m.attributes?.top ?? ''));
  const pick = tops.length === 1 ? tops[0] : entries.length === 1 ? entries[0] : undefined;
  if (!pick) throw new CircuitError('syntax', `${file}: Yosys left ${entries.length} modules and no single top module`);
  return pick;
}

/** Groups of one direction's ports: each port one group, runs of bit-named 1-bit ports merged
 * (not under a name in `taken`, the names of all ports). */
function portGroups(ports: [string, JsonPort][], taken: Set<string>): PortGroup[] {
  const groups: PortGroup[] = [];
  // Bases whose bit-named ports cannot merge (a gap, a restart, a name already taken).
  const broken = new Set<string>();
  const runs = new Map<string, PortGroup>();
  let prev: PortGroup | undefined;
  for (const [name, p] of ports) {
    const m = p.bits.length === 1 ? BIT_PORT.exec(name) : null;
    if (m) {
      const base = m[1]!;
      const run = runs.get(base);
      if (run && run === prev && Number(m[2]) === run.bits.length) {
        run.bits.push(p.bits[0]!);
        run.bitNames.push(name);
        continue;
      }
      if (run || m[2] !== '0' || taken.has(base)) broken.add(base);
      else {
        const g: PortGroup = { name: base, bits: [p.bits[0]!], bitNames: [name] };
        runs.set(base, g);
        groups.push(g);
        prev = g;
        continue;
      }
    }
    const g: PortGroup = { name, bits: p.bits, bitNames: p.bits.length === 1 ? [name] : p.bits.map((_, k) => `${name}[${k}]`) };
    groups.push(g);
    prev = g;
  }
  // Undo the runs of broken bases: every such port its own 1-bit group, in port order.
  return groups.flatMap((g) => (runs.get(g.name) === g && broken.has(g.name) ? g.bitNames.map((n, k) => ({ name: n, bits: [g.bits[k]!], bitNames: [n] })) : [g]));
}

/** The circuit of a Yosys JSON netlist. Throws CircuitError. */
export function circuitFromYosysJson(json: unknown, o: JsonNetlistOptions): Circuit {
  const [modName, mod] = topModule(json, o.file);
  const modLoc = srcLoc(o, mod.attributes?.src);
  const where = (loc: SourceLoc): string => `${loc.file}:${loc.line}`;
  const ports = Object.entries(mod.ports ?? {});
  const inout = ports.find(([, p]) => p.direction !== 'input' && p.direction !== 'output');
  if (inout) {
    throw new CircuitError('unsupported', `${where(modLoc)}: ${inout[1].direction} port ${quote(inout[0])} of module ${quote(modName)} is not supported: a circuit has inputs and outputs only`);
  }
  const cells = Object.values(mod.cells ?? {});
  const storage = cells.filter((c) => STORAGE.test(c.type));
  if (storage.length > 0) {
    const c = storage[0]!;
    const what = c.type.includes('LATCH') ? 'a latch' : 'a flip-flop';
    const n = storage.length;
    throw new CircuitError('unsupported', `${where(srcLoc(o, c.attributes?.src))}: sequential logic (${what}, ${c.type}; module ${quote(modName)} has ${n} storage cell${n === 1 ? '' : 's'}) is not supported: ${ONLY_COMB}`);
  }
  const other = cells.find((c) => c.type !== '$_AND_' && c.type !== '$_NOT_');
  if (other) {
    throw new CircuitError('unsupported', `${where(srcLoc(o, other.attributes?.src))}: Yosys left a cell of type ${other.type}, which is not an AND or NOT gate: gatecot cannot read it`);
  }
  const portNames = new Set(ports.map(([n]) => n));
  const inputs = portGroups(ports.filter(([, p]) => p.direction === 'input'), portNames);
  const outputs = portGroups(ports.filter(([, p]) => p.direction === 'output'), portNames);
  if (outputs.length === 0) {
    const hint = o.autoTop ? ` (Yosys chose it as the top module: mark the module to read with (* top *) before its 'module')` : '';
    throw new CircuitError('empty', `${where(modLoc)}: module ${quote(modName)} has no output ports${hint}`);
  }

  // Nets are named after Yosys bit numbers (#12); the names are replaced after the build.
  const b = new NetlistBuilder(o.file);
  const net = (bit: Bit, loc: SourceLoc, what: string): number => {
    if (typeof bit === 'number') return b.ref(`#${bit}`, loc);
    if (bit === '0' || bit === '1') {
      const name = `#const${bit}`;
      return b.isDriven(name) ? b.ref(name) : b.addGate(name, bit === '0' ? 'CONST0' : 'CONST1', [], loc);
    }
    throw new CircuitError('undefined-wire', `${where(loc)}: ${what} is undriven ('${bit}')`);
  };
  for (const g of inputs) b.addInputGroup(g.name, g.bits.map((bit) => `#${bit}`), modLoc);
  for (const c of cells) {
    const loc = srcLoc(o, c.attributes?.src);
    const pin = (p: string): Bit => {
      const bits = c.connections[p];
      if (bits?.length !== 1) throw new CircuitError('syntax', `${where(loc)}: Yosys cell ${c.type} has no 1-bit ${p} connection`);
      return bits[0]!;
    };
    const y = pin('Y');
    if (typeof y !== 'number') throw new CircuitError('syntax', `${where(loc)}: Yosys cell ${c.type} drives the constant ${y}`);
    const operands = c.type === '$_AND_' ? [pin('A'), pin('B')] : [pin('A')];
    b.addGate(`#${y}`, c.type === '$_AND_' ? 'AND' : 'NOT', operands.map((x) => net(x, loc, `an operand of ${c.type}`)), loc);
  }
  for (const g of outputs) {
    b.addOutputGroup(g.name, g.bits.map((bit, k) => ({ net: net(bit, modLoc, `output ${quote(g.bitNames[k]!)}`), loc: modLoc })));
  }
  const c = b.build(o.name);
  // Display names: input bits by port, a gate by the first output bit it drives, else none.
  const names: (string | undefined)[] = new Array<string | undefined>(c.nInputs + c.ops.length).fill(undefined);
  let w = 0;
  for (const g of inputs) for (const n of g.bitNames) names[w++] = n;
  c.outputs.forEach((g, gi) => {
    g.wires.forEach((wire, k) => {
      if (wire >= c.nInputs && names[wire] === undefined) names[wire] = outputs[gi]!.bitNames[k];
    });
  });
  c.wireNames = names;
  return c;
}
