// Bristol Fashion and the old Bristol Format (Nigel Smart's MPC circuits).
// Fashion: "nGates nWires" / "niv ni_1..ni_niv" / "nov no_1..no_nov" / gates.
// Old:     "nGates nWires" / "n1 n2 n3" / gates (two inputs, one output).
// Gates: "nin nout in.. out.. OP", OP in XOR AND INV NOT EQ EQW MAND. Outputs are the last wires.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, type SourceLoc } from '../errors.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';

interface Tok {
  text: string;
  col: number;
}

interface Line {
  no: number;
  toks: Tok[];
}

function tokenize(text: string): Line[] {
  const lines: Line[] = [];
  let no = 0;
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    no++;
    const toks: Tok[] = [];
    let i = start;
    while (i < end) {
      const ch = text.charCodeAt(i);
      if (ch === 32 || ch === 9 || ch === 13) {
        i++;
        continue;
      }
      const s = i;
      while (i < end) {
        const c = text.charCodeAt(i);
        if (c === 32 || c === 9 || c === 13) break;
        i++;
      }
      toks.push({ text: text.slice(s, i), col: s - start + 1 });
    }
    if (toks.length > 0) lines.push({ no, toks });
    if (end === n) break;
    start = end + 1;
  }
  return lines;
}

const INT = /^\d+$/;

function isCountLine(l: Line | undefined): boolean {
  if (!l || !l.toks.every((t) => INT.test(t.text))) return false;
  return Number(l.toks[0]!.text) === l.toks.length - 1;
}

/** True when the text looks like Bristol Fashion rather than the old format. */
export function isBristolFashion(text: string): boolean {
  const head = tokenize(text.slice(0, 4096)).slice(0, 3);
  return isCountLine(head[1]) && isCountLine(head[2]);
}

class Reader {
  constructor(
    private readonly b: NetlistBuilder,
    private readonly file: string | undefined,
  ) {}

  loc(l: Line, t?: Tok): SourceLoc {
    return this.b.loc(l.no, t ? t.col : 1);
  }

  int(l: Line, i: number, what: string): number {
    const t = l.toks[i];
    if (!t) throw new CircuitError('syntax', `expected ${what} at the end of the line`, this.b.loc(l.no, lineEnd(l)));
    if (!INT.test(t.text) || t.text.length > 9) throw new CircuitError('syntax', `expected ${what}, found '${clip(t.text)}'`, this.loc(l, t));
    return Number(t.text);
  }

  exact(l: Line, count: number, what: string): void {
    if (l.toks.length > count) {
      const t = l.toks[count]!;
      throw new CircuitError('syntax', `unexpected '${clip(t.text)}' after ${what}`, this.loc(l, t));
    }
  }

  get fileName(): string | undefined {
    return this.file;
  }
}

function lineEnd(l: Line): number {
  const t = l.toks[l.toks.length - 1]!;
  return t.col + t.text.length;
}

function clip(s: string): string {
  return s.length > 20 ? s.slice(0, 17) + '...' : s.replace(/[^\x20-\x7e]/g, '?');
}

interface Header {
  nGates: number;
  nWires: number;
  ins: number[];
  outs: number[];
  body: Line[];
}

function parseGates(r: Reader, b: NetlistBuilder, h: Header): void {
  const nIn = h.ins.reduce((s, x) => s + x, 0);
  const nOut = h.outs.reduce((s, x) => s + x, 0);
  if (nIn + nOut > h.nWires) throw new CircuitError('syntax', `${nIn} input and ${nOut} output wires do not fit in ${h.nWires} wires`, b.loc(1, 1));
  const wire = (l: Line, i: number): number => {
    const w = r.int(l, i, 'a wire number');
    if (w >= h.nWires) throw new CircuitError('undefined-wire', `wire ${w} is out of range (the header declares ${h.nWires} wires)`, r.loc(l, l.toks[i]));
    return b.ref(String(w), r.loc(l, l.toks[i]));
  };
  let o = 0;
  h.ins.forEach((w, gi) => {
    const names = Array.from({ length: w }, (_, k) => String(o + k));
    o += w;
    b.addInputGroup(`in${gi}`, names, b.loc(2, 1));
  });
  if (h.body.length !== h.nGates) {
    const at = h.body[h.nGates] ?? h.body[h.body.length - 1];
    throw new CircuitError('syntax', `the header declares ${h.nGates} gates but the file has ${h.body.length} gate lines`, at ? r.loc(at) : b.loc(1, 1));
  }
  for (const l of h.body) {
    const nin = r.int(l, 0, 'the number of gate inputs');
    const nout = r.int(l, 1, 'the number of gate outputs');
    const opTok = l.toks[2 + nin + nout];
    if (!opTok) throw new CircuitError('syntax', `gate line ends before its operation (expected ${nin} inputs, ${nout} outputs, then the op)`, b.loc(l.no, lineEnd(l)));
    r.exact(l, 3 + nin + nout, 'the gate operation');
    const op = opTok.text.toUpperCase();
    const at = r.loc(l, opTok);
    const expect = (i: number, o: number) => {
      if (nin !== i || nout !== o) throw new CircuitError('arity', `${op} takes ${i} input(s) and ${o} output(s), the line has ${nin} and ${nout}`, at);
    };
    const outName = (k: number) => {
      const w = r.int(l, 2 + nin + k, 'a wire number');
      if (w >= h.nWires) throw new CircuitError('undefined-wire', `wire ${w} is out of range (the header declares ${h.nWires} wires)`, r.loc(l, l.toks[2 + nin + k]));
      return String(w);
    };
    switch (op) {
      case 'XOR':
      case 'AND':
        expect(2, 1);
        b.addGate(outName(0), op, [wire(l, 2), wire(l, 3)], at);
        break;
      case 'INV':
      case 'NOT':
        expect(1, 1);
        b.addGate(outName(0), 'NOT', [wire(l, 2)], at);
        break;
      case 'EQW':
        expect(1, 1);
        b.addGate(outName(0), 'BUF', [wire(l, 2)], at);
        break;
      case 'EQ': {
        expect(1, 1);
        const c = r.int(l, 2, 'the constant 0 or 1');
        if (c > 1) throw new CircuitError('syntax', `EQ assigns a constant 0 or 1, found ${c}`, r.loc(l, l.toks[2]));
        b.addGate(outName(0), c === 1 ? 'CONST1' : 'CONST0', [], at);
        break;
      }
      case 'MAND': {
        if (nin !== 2 * nout || nout === 0) throw new CircuitError('arity', `MAND takes 2n inputs and n outputs, the line has ${nin} and ${nout}`, at);
        for (let k = 0; k < nout; k++) b.addGate(outName(k), 'AND', [wire(l, 2 + k), wire(l, 2 + nout + k)], at);
        break;
      }
      default:
        throw new CircuitError('syntax', `unknown gate operation '${clip(opTok.text)}' (expected XOR, AND, INV, EQ, EQW or MAND)`, at);
    }
  }
  let w0 = h.nWires - nOut;
  h.outs.forEach((w, gi) => {
    const bits = Array.from({ length: w }, (_, k) => ({ net: b.ref(String(w0 + k)), loc: b.loc(3, 1) }));
    w0 += w;
    b.addOutputGroup(`out${gi}`, bits);
  });
}

function headerStart(r: Reader, lines: Line[]): { nGates: number; nWires: number } {
  const l = lines[0];
  if (!l) throw new CircuitError('syntax', 'empty file: expected the header line "gates wires"', { file: r.fileName ?? '<input>', line: 1, col: 1 });
  const nGates = r.int(l, 0, 'the number of gates');
  const nWires = r.int(l, 1, 'the number of wires');
  r.exact(l, 2, 'the header "gates wires"');
  return { nGates, nWires };
}

export function parseBristol(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const r = new Reader(b, src.file);
  const lines = tokenize(src.text);
  const { nGates, nWires } = headerStart(r, lines);
  const counts = (l: Line | undefined, what: string): number[] => {
    if (!l) throw new CircuitError('syntax', `missing the ${what} line`, b.loc(lines[lines.length - 1]?.no ?? 1, 1));
    const k = r.int(l, 0, `the number of ${what}`);
    const ws = Array.from({ length: k }, (_, i) => r.int(l, 1 + i, `the width of ${what} ${i}`));
    r.exact(l, 1 + k, `the ${what} widths`);
    return ws;
  };
  const ins = counts(lines[1], 'input values');
  const outs = counts(lines[2], 'output values');
  parseGates(r, b, { nGates, nWires, ins, outs, body: lines.slice(3) });
  return b.build(src.name);
}

export function parseBristolOld(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const r = new Reader(b, src.file);
  const lines = tokenize(src.text);
  const { nGates, nWires } = headerStart(r, lines);
  const l = lines[1];
  if (!l) throw new CircuitError('syntax', 'missing the "n1 n2 n3" line', b.loc(1, 1));
  const n1 = r.int(l, 0, 'the width of input 1');
  const n2 = r.int(l, 1, 'the width of input 2');
  const n3 = r.int(l, 2, 'the width of the output');
  r.exact(l, 3, '"n1 n2 n3"');
  parseGates(r, b, { nGates, nWires, ins: [n1, n2], outs: [n3], body: lines.slice(2) });
  return b.build(src.name);
}
