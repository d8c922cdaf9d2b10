// ISCAS `.bench` netlists: `INPUT(x)`, `OUTPUT(y)`, `y = TYPE(a, b, ...)`, `#` comments.
// No formal spec exists; this follows ABC's reader (separators " \t\r,()=", gate names compared
// case-insensitively) but checks the shape of every line. Files need not be in topological order.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, quote, type SourceLoc } from '../errors.js';
import { groupBitNames } from '../groups.js';
import type { Circuit, OpName } from '../ir.js';
import type { ParserSource } from '../source.js';

const GATES = new Map<string, OpName>([
  ['AND', 'AND'], ['OR', 'OR'], ['NAND', 'NAND'], ['NOR', 'NOR'], ['XOR', 'XOR'], ['XNOR', 'XNOR'], ['NXOR', 'XNOR'],
  ['NOT', 'NOT'], ['INV', 'NOT'], ['BUF', 'BUF'], ['BUFF', 'BUF'],
]);
const SEQUENTIAL = new Set(['DFF', 'DFFR', 'DFFS', 'LATCH']);
const GATE_LIST = 'AND, OR, NAND, NOR, XOR, XNOR (NXOR), NOT, BUF (BUFF)';

interface Tok {
  /** A name, or one of the punctuation marks ( ) , = */
  s: string;
  punct: boolean;
  col: number;
}

interface Named {
  name: string;
  loc: SourceLoc;
}

interface GateLine {
  out: Named;
  op: OpName;
  ins: Named[];
}

const PUNCT = new Set(['(', ')', ',', '=']);

/** Tokens of one line, up to a `#` comment. */
function tokenize(text: string, start: number, end: number): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  while (i < end) {
    const ch = text[i]!;
    if (ch === '#') break;
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (PUNCT.has(ch)) {
      toks.push({ s: ch, punct: true, col: i - start + 1 });
      i++;
      continue;
    }
    const s = i;
    while (i < end) {
      const c = text[i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '#' || PUNCT.has(c)) break;
      i++;
    }
    toks.push({ s: text.slice(s, i), punct: false, col: s - start + 1 });
  }
  return toks;
}

function shown(t: Tok | undefined): string {
  if (!t) return 'the end of the line';
  return quote(t.s.length > 20 ? t.s.slice(0, 17) + '...' : t.s);
}

/** Reads the tokens of one statement, in order, with errors at the offending token. */
class Cursor {
  private k = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly line: number,
    private readonly endCol: number,
    private readonly b: NetlistBuilder,
  ) {}

  locOf(t: Tok | undefined): SourceLoc {
    return this.b.loc(this.line, t ? t.col : this.endCol);
  }

  peek(): Tok | undefined {
    return this.toks[this.k];
  }

  punct(p: string, context: string): void {
    const t = this.toks[this.k];
    if (!t || !t.punct || t.s !== p) {
      throw new CircuitError('syntax', `expected '${p}' ${context}, found ${shown(t)}`, this.locOf(t));
    }
    this.k++;
  }

  name(what: string): Named {
    const t = this.toks[this.k];
    if (!t || t.punct) throw new CircuitError('syntax', `expected ${what}, found ${shown(t)}`, this.locOf(t));
    this.k++;
    return { name: t.s, loc: this.locOf(t) };
  }

  end(after: string): void {
    const t = this.toks[this.k];
    if (t) throw new CircuitError('syntax', `unexpected ${shown(t)} after ${after}`, this.locOf(t));
  }
}

interface Netlist {
  inputs: Named[];
  outputs: Named[];
  gates: GateLine[];
}

function readLines(src: ParserSource, b: NetlistBuilder): Netlist {
  const text = src.text;
  const net: Netlist = { inputs: [], outputs: [], gates: [] };
  let start = 0;
  let no = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    const toks = tokenize(text, start, end);
    if (toks.length > 0) readStatement(new Cursor(toks, no, end - start + 1, b), toks, net);
    start = end + 1;
  }
  return net;
}

function readStatement(c: Cursor, toks: Tok[], net: Netlist): void {
  const first = toks[0]!;
  const second = toks[1];
  const keyword = first.s.toUpperCase();
  if (!first.punct && second?.s !== '=' && (keyword === 'INPUT' || keyword === 'OUTPUT')) {
    c.name(keyword);
    c.punct('(', `after ${keyword}`);
    const n = c.name(`the ${keyword.toLowerCase()} name`);
    c.punct(')', `after ${keyword}(${n.name}`);
    c.end(`${keyword}(...)`);
    (keyword === 'INPUT' ? net.inputs : net.outputs).push(n);
    return;
  }
  if (first.punct || second?.s !== '=') {
    throw new CircuitError('syntax', `expected 'INPUT(name)', 'OUTPUT(name)' or 'name = GATE(inputs)', found ${shown(first)}`, c.locOf(first));
  }
  const out = c.name('the gate output name');
  c.punct('=', `after ${quote(out.name)}`);
  const typeTok = c.peek();
  const type = c.name('a gate type');
  const upper = type.name.toUpperCase();
  if (SEQUENTIAL.has(upper)) {
    throw new CircuitError('unsupported', `sequential element ${upper} is not supported: gatecot compiles combinational circuits only`, type.loc);
  }
  const op = GATES.get(upper);
  if (op === undefined) {
    throw new CircuitError('syntax', `unknown gate type ${shown(typeTok)} (expected ${GATE_LIST})`, type.loc);
  }
  c.punct('(', `after the gate type ${upper}`);
  const ins: Named[] = [c.name(`an input of ${upper}`)];
  while (c.peek()?.s === ',') {
    c.punct(',', '');
    ins.push(c.name(`an input of ${upper} after ','`));
  }
  c.punct(')', `or ',' in the inputs of ${upper}`);
  c.end(`${upper}(...)`);
  if ((op === 'NOT' || op === 'BUF') && ins.length !== 1) {
    throw new CircuitError('arity', `${upper} takes 1 input, got ${ins.length}`, type.loc);
  }
  net.gates.push({ out, op, ins });
}

export function parseBench(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const net = readLines(src, b);
  // Inputs are declared once and never driven by a gate; checked here so that the error points
  // at the offending line rather than at the input group.
  const inputAt = new Map<string, SourceLoc>();
  for (const i of net.inputs) {
    const first = inputAt.get(i.name);
    if (first) throw new CircuitError('driven-twice', `input ${quote(i.name)} is declared twice (first at line ${first.line})`, i.loc);
    inputAt.set(i.name, i.loc);
  }
  for (const g of net.gates) {
    const first = inputAt.get(g.out.name);
    if (first) throw new CircuitError('driven-twice', `wire ${quote(g.out.name)} is an input (line ${first.line}) and cannot be driven by a gate`, g.out.loc);
  }
  let k = 0;
  for (const grp of groupBitNames(net.inputs.map((i) => i.name), 'in')) {
    b.addInputGroup(grp.name, grp.bitNames, net.inputs[k]!.loc);
    k += grp.bitNames.length;
  }
  for (const g of net.gates) {
    b.addGate(g.out.name, g.op, g.ins.map((i) => b.ref(i.name, i.loc)), g.out.loc);
  }
  let o = 0;
  for (const grp of groupBitNames(net.outputs.map((x) => x.name), 'out')) {
    const bits = net.outputs.slice(o, o + grp.bitNames.length).map((x) => ({ net: b.ref(x.name, x.loc), loc: x.loc }));
    b.addOutputGroup(grp.name, bits);
    o += grp.bitNames.length;
  }
  return b.build(src.name);
}
