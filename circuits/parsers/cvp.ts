// The Circuit Value Problem text format (`.cvp`) of the public CVP generator used to train
// chain-of-thought and looped transformer baselines (kevin671/cot-vs-loop, gen_data/cvp.py; see
// gen/cvp-instance.ts): whitespace-separated tokens (spaces and newlines mixed freely) in groups
// of four, `TYPE in1 in2 id`, e.g. `TRUE NA NA 1 FALSE NA NA 2 AND 1 2 3 NOT 3 NA 4`.
//   TYPE  TRUE FALSE AND OR NOT (published), XOR NAND NOR XNOR BUF (gatecot's extension)
//   in1   an earlier id, or NA for TRUE/FALSE;  in2  an earlier id for the 2-input types, else NA
//   id    the description's own number: the k-th description has id k (from 1)
// A line whose first non-blank character is `#` is a comment; `# output NAME ID ID ...` (ids lsb
// first) declares an output group, several lines several groups in order. Without one, the
// output is `value[1]`, the last description's value (the published convention).
// IR: no inputs; description k is gate k-1, driving wire k-1.

import { CircuitError, quote, type SourceLoc } from '../errors.js';
import { Op, arity, type Circuit, type OpCode, type OutputGroup } from '../ir.js';
import type { ParserSource } from '../source.js';

export const CVP_TYPES: ReadonlyMap<string, OpCode> = new Map<string, OpCode>([
  ['TRUE', Op.CONST1], ['FALSE', Op.CONST0], ['AND', Op.AND], ['OR', Op.OR], ['NOT', Op.NOT],
  ['XOR', Op.XOR], ['NAND', Op.NAND], ['NOR', Op.NOR], ['XNOR', Op.XNOR], ['BUF', Op.BUF],
]);
const TYPE_LIST = 'TRUE, FALSE, AND, OR, NOT, XOR, NAND, NOR, XNOR, BUF';
const FIELD = ['the type', 'in1', 'in2', 'the id'] as const;
const DECIMAL = /^[0-9]+$/;

interface Tok {
  s: string;
  line: number;
  col: number;
}

interface OutputLine {
  name: Tok;
  ids: Tok[];
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v' || ch === '\uFEFF';
}

/** The tokens of the text, comment lines apart: a `# output` line is handed to onOutput. */
class Tokens {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private atLineStart = true;
  /** Where the last token ended (for "cut short" errors). */
  end: { line: number; col: number } = { line: 1, col: 1 };

  constructor(
    private readonly text: string,
    private readonly at: (t: { line: number; col: number }) => SourceLoc,
    private readonly onOutput: (o: OutputLine, endCol: number) => void,
  ) {}

  next(): Tok | undefined {
    const t = this.text;
    for (;;) {
      while (this.i < t.length && isSpace(t[this.i]!)) {
        if (t[this.i] === '\n') {
          this.line++;
          this.lineStart = this.i + 1;
          this.atLineStart = true;
        }
        this.i++;
      }
      if (this.i >= t.length) return undefined;
      if (t[this.i] === '#' && this.atLineStart) {
        this.comment();
        continue;
      }
      const s = this.i;
      while (this.i < t.length && !isSpace(t[this.i]!)) this.i++;
      this.atLineStart = false;
      const tok = { s: t.slice(s, this.i), line: this.line, col: s - this.lineStart + 1 };
      this.end = { line: this.line, col: this.i - this.lineStart + 1 };
      return tok;
    }
  }

  /** A comment line from its `#` to the end of the line; `# output ...` is a declaration. */
  private comment(): void {
    const t = this.text;
    let stop = t.indexOf('\n', this.i);
    if (stop < 0) stop = t.length;
    const toks: Tok[] = [];
    let k = this.i + 1;
    while (k < stop) {
      if (isSpace(t[k]!)) {
        k++;
        continue;
      }
      const s = k;
      while (k < stop && !isSpace(t[k]!)) k++;
      toks.push({ s: t.slice(s, k), line: this.line, col: s - this.lineStart + 1 });
    }
    this.i = stop;
    if (toks[0]?.s !== 'output') return;
    const endCol = stop - this.lineStart + (t[stop - 1] === '\r' ? 0 : 1);
    const name = toks[1];
    if (!name) throw new CircuitError('syntax', "'# output' needs a group name and gate ids: # output NAME ID ...", this.at({ line: this.line, col: endCol }));
    this.onOutput({ name, ids: toks.slice(2) }, endCol);
  }
}

class Gates {
  n = 0;
  ops = new Uint8Array(1024);
  a = new Int32Array(1024);
  b = new Int32Array(1024);

  push(op: OpCode, a: number, b: number): void {
    if (this.n === this.ops.length) {
      const grow = <T extends Uint8Array | Int32Array>(x: T, make: (n: number) => T): T => {
        const y = make(x.length * 2);
        y.set(x);
        return y;
      };
      this.ops = grow(this.ops, (n) => new Uint8Array(n));
      this.a = grow(this.a, (n) => new Int32Array(n));
      this.b = grow(this.b, (n) => new Int32Array(n));
    }
    this.ops[this.n] = op;
    this.a[this.n] = a;
    this.b[this.n] = b;
    this.n++;
  }
}

export function parseCvp(src: ParserSource): Circuit {
  const file = src.file;
  const at = (t: { line: number; col: number }): SourceLoc => (file === undefined ? { line: t.line, col: t.col } : { file, line: t.line, col: t.col });
  const outputs: OutputLine[] = [];
  const seen = new Map<string, number>();
  const toks = new Tokens(src.text, at, (o, endCol) => {
    const first = seen.get(o.name.s);
    if (first !== undefined) throw new CircuitError('syntax', `output group ${quote(o.name.s)} is declared twice (first at line ${first})`, at(o.name));
    if (DECIMAL.test(o.name.s)) throw new CircuitError('syntax', `'# output' names the group before its ids: # output NAME ID ..., found the number ${quote(o.name.s)}`, at(o.name));
    if (o.ids.length === 0) throw new CircuitError('syntax', `'# output' of group ${quote(o.name.s)} lists no gate id`, at({ line: o.name.line, col: endCol }));
    for (const id of o.ids) {
      if (!DECIMAL.test(id.s)) throw new CircuitError('syntax', `expected a gate id in '# output' of group ${quote(o.name.s)}, found ${quote(id.s)}`, at(id));
    }
    seen.set(o.name.s, o.name.line);
    outputs.push(o);
  });
  const gates = new Gates();
  for (;;) {
    const k = gates.n + 1;
    const typeTok = toks.next();
    if (!typeTok) break;
    const op = CVP_TYPES.get(typeTok.s);
    if (op === undefined) {
      if (typeTok.s.startsWith('#')) throw new CircuitError('syntax', "a '#' comment must start its own line", at(typeTok));
      throw new CircuitError('syntax', `unknown gate type ${quote(typeTok.s)} starting description ${k} (expected ${TYPE_LIST}; descriptions are groups of four tokens: TYPE in1 in2 id)`, at(typeTok));
    }
    const nIn = arity(op);
    const ins: number[] = [];
    for (let f = 1; f <= 3; f++) {
      const t = toks.next();
      if (!t) throw new CircuitError('syntax', `description ${k} is cut short: expected ${f === 3 ? `its id ${k}` : FIELD[f]}, found the end of the file`, at(toks.end));
      if (t.s.startsWith('#')) throw new CircuitError('syntax', "a '#' comment must start its own line", at(t));
      if (f === 3) {
        if (!DECIMAL.test(t.s)) throw new CircuitError('syntax', `expected the id ${k} ending description ${k}, found ${quote(t.s)}`, at(t));
        if (Number(t.s) !== k) throw new CircuitError('syntax', `description ${k} has id ${quote(t.s).slice(1, -1)}: ids must count 1, 2, 3, ...`, at(t));
        break;
      }
      if (f > nIn) {
        if (t.s !== 'NA') {
          const takes = nIn === 0 ? 'takes no operands' : 'takes one operand';
          throw new CircuitError('arity', `${typeTok.s} ${takes}: ${FIELD[f]} of description ${k} must be NA, found ${quote(t.s)}`, at(t));
        }
        ins.push(-1);
        continue;
      }
      if (t.s === 'NA') throw new CircuitError('arity', `${typeTok.s} needs an earlier gate id as ${FIELD[f]} of description ${k}, found NA`, at(t));
      if (!DECIMAL.test(t.s)) throw new CircuitError('syntax', `expected a gate id or NA as ${FIELD[f]} of description ${k}, found ${quote(t.s)}`, at(t));
      const v = Number(t.s);
      if (v === 0) throw new CircuitError('undefined-wire', `${FIELD[f]} of description ${k} is 0: ids count from 1`, at(t));
      if (v >= k) {
        const range = k === 1 ? 'description 1 has no earlier gate to read' : `operands are earlier ids, 1 to ${k - 1}`;
        throw new CircuitError('undefined-wire', `${FIELD[f]} of description ${k} is ${quote(t.s).slice(1, -1)}, not an earlier gate: ${range}`, at(t));
      }
      ins.push(v - 1);
    }
    gates.push(op, ins[0]!, ins[1]!);
  }
  const T = gates.n;
  if (T === 0) throw new CircuitError('empty', 'no gate descriptions: a cvp file is groups of four tokens TYPE in1 in2 id', at({ line: 1, col: 1 }));
  const groups: OutputGroup[] = outputs.map((o) => ({
    name: o.name.s,
    wires: o.ids.map((id) => {
      const v = Number(id.s);
      if (v < 1 || v > T) throw new CircuitError('output-undriven', `output ${quote(o.name.s)} reads gate ${quote(id.s).slice(1, -1)}, but the file describes gates 1 to ${T}`, at(id));
      return v - 1;
    }),
  }));
  if (groups.length === 0) groups.push({ name: 'value', wires: [T - 1] });
  return {
    name: src.name,
    inputs: [],
    outputs: groups,
    nInputs: 0,
    ops: gates.ops.slice(0, T),
    a: gates.a.slice(0, T),
    b: gates.b.slice(0, T),
  };
}

/** True when the text's first token after comment lines is TRUE or FALSE followed by NA NA 1. */
export function looksLikeCvp(head: string): boolean {
  let i = 0;
  while (i < head.length) {
    while (i < head.length && isSpace(head[i]!)) i++;
    if (head[i] !== '#') break;
    const nl = head.indexOf('\n', i);
    if (nl < 0) return false;
    i = nl + 1;
  }
  const toks = head.slice(i, i + 64).split(/\s+/, 4);
  return (toks[0] === 'TRUE' || toks[0] === 'FALSE') && toks[1] === 'NA' && toks[2] === 'NA' && toks[3] === '1';
}
