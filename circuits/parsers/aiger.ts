// AIGER and-inverter graphs: ASCII `.aag` and binary `.aig` (AIGER FORMAT 20071012; an AIGER 1.9
// header "M I L O A B C J F" is accepted only when it adds nothing: L and B C J F all 0).
// Both readers reduce the file to a DenseAig, whose variables are 0 = FALSE, 1..I = inputs, then
// the AND gates in an order where every operand comes first; one emitter turns it into the IR.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, quote, type SourceLoc } from '../errors.js';
import { groupBitNames } from '../groups.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';

/** Largest M accepted: every literal (at most 2M+1) then stays below 2^30, a small integer. */
const MAX_M = 2 ** 29 - 1;
/** Binary inputs cost no bytes, so a short file could claim billions: each input is one prompt
 * token of the compiled transformer, and more than 2^20 of them is beyond any use. */
const MAX_BINARY_INPUTS = 2 ** 20;

const FIELDS = ['M', 'I', 'L', 'O', 'A', 'B', 'C', 'J', 'F'] as const;
const FIELD_WHAT = [
  'maximum variable index', 'number of inputs', 'number of latches', 'number of outputs', 'number of AND gates',
  'number of bad-state properties', 'number of invariant constraints', 'number of justice properties', 'number of fairness properties',
];
const PROPERTY_WHAT = ['bad-state properties', 'invariant constraints', 'justice properties', 'fairness properties'];

const ONLY_COMB = 'gatecot compiles combinational circuits only';

type Loc = (line: number, col: number) => SourceLoc;

/** A reduced AIG: AND k is variable I+1+k with operand literals rhs0[k], rhs1[k] < 2(I+1+k). */
interface DenseAig {
  nInputs: number;
  rhs0: Int32Array;
  rhs1: Int32Array;
  outputs: Int32Array;
  inputNames: (string | undefined)[];
  outputNames: (string | undefined)[];
  inputLoc: (k: number) => SourceLoc;
  andLoc: (k: number) => SourceLoc;
  outputLoc: (k: number) => SourceLoc;
}

function clip(s: string): string {
  return quote(s.length > 20 ? s.slice(0, 17) + '...' : s);
}

/** The lines of a text, one at a time, with a cursor for the tokens of the current line. */
class Lines {
  /** Current line: [start, end) excludes the newline and a trailing CR. */
  start = 0;
  end = 0;
  no: number;
  /** Cursor inside the current line. */
  i = 0;
  /** Where the next line starts. */
  pos: number;
  /** Where the last number read by uint() starts. */
  tokAt = 0;
  /** Offset of column 1 of the current line. */
  private colBase = 0;
  private readonly first: number;

  /** Reads `text` from `pos`, which is on line `firstLineNo`; a region that starts mid-line
   * (binary AIGER symbols) counts its first columns from `firstColBase`. */
  constructor(
    readonly text: string,
    pos: number,
    firstLineNo: number,
    private readonly locOf: Loc,
    private readonly firstColBase = pos,
  ) {
    this.pos = pos;
    this.first = pos;
    this.no = firstLineNo - 1;
  }

  /** Moves to the next line; false at the end of the text. */
  next(): boolean {
    const t = this.text;
    if (this.pos >= t.length) return false;
    let nl = t.indexOf('\n', this.pos);
    if (nl < 0) nl = t.length;
    this.start = this.pos;
    this.end = nl > this.start && t.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    this.i = this.start;
    this.colBase = this.start === this.first ? this.firstColBase : this.start;
    this.pos = nl + 1;
    this.no++;
    return true;
  }

  /** Next line with something on it; false at the end of the text. */
  nextNonBlank(): boolean {
    while (this.next()) if (!this.blank()) return true;
    return false;
  }

  blank(): boolean {
    for (let k = this.start; k < this.end; k++) {
      const c = this.text.charCodeAt(k);
      if (c !== 32 && c !== 9) return false;
    }
    return true;
  }

  col(at: number): number {
    return at - this.colBase + 1;
  }

  loc(at: number): SourceLoc {
    return this.locOf(this.no, this.col(at));
  }

  private skip(): void {
    while (this.i < this.end) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 32 && c !== 9) break;
      this.i++;
    }
  }

  /** The next whitespace-separated token of the line ('' at its end), and where it starts. */
  word(): { s: string; at: number } {
    this.skip();
    const at = this.i;
    while (this.i < this.end) {
      const c = this.text.charCodeAt(this.i);
      if (c === 32 || c === 9) break;
      this.i++;
    }
    return { s: this.text.slice(at, this.i), at };
  }

  atEnd(): boolean {
    this.skip();
    return this.i >= this.end;
  }

  /** A decimal number of at most 10 digits; `tokAt` receives where it starts. */
  uint(what: string): number {
    this.skip();
    const at = this.i;
    this.tokAt = at;
    if (at >= this.end) throw new CircuitError('syntax', `expected ${what} at the end of the line`, this.loc(at));
    let v = 0;
    let k = at;
    for (; k < this.end; k++) {
      const c = this.text.charCodeAt(k);
      if (c === 32 || c === 9) break;
      if (c < 48 || c > 57) {
        const w = this.word();
        throw new CircuitError('syntax', `expected ${what}, found ${clip(w.s)}`, this.loc(at));
      }
      v = v * 10 + (c - 48);
    }
    this.i = k;
    if (k - at > 10) throw new CircuitError('syntax', `${what} ${clip(this.text.slice(at, k))} is too large`, this.loc(at));
    return v;
  }

  /** Requires the rest of the line to be empty. */
  done(after: string): void {
    if (this.atEnd()) return;
    const w = this.word();
    throw new CircuitError('syntax', `unexpected ${clip(w.s)} after ${after}`, this.loc(w.at));
  }
}

interface Header {
  M: number;
  I: number;
  O: number;
  A: number;
  maxLit: number;
}

function readHeader(ln: Lines, magic: 'aag' | 'aig', loc: Loc): Header {
  const other = magic === 'aag' ? 'aig' : 'aag';
  const shape = `'${magic} M I L O A'`;
  if (!ln.nextNonBlank() || ln.no !== 1) {
    throw new CircuitError('syntax', `expected the AIGER header ${shape} on line 1`, loc(1, 1));
  }
  const w = ln.word();
  if (w.s !== magic) {
    const hint = w.s === other
      ? ` (this is ${other === 'aag' ? 'ASCII' : 'binary'} AIGER: read it as format '${other}')`
      : '';
    throw new CircuitError('syntax', `expected the AIGER header ${shape}, found ${clip(w.s)}${hint}`, ln.loc(w.at));
  }
  const v: number[] = [];
  while (!ln.atEnd()) {
    if (v.length === FIELDS.length) ln.done('the header fields M I L O A B C J F');
    v.push(ln.uint(`${FIELDS[v.length]} (${FIELD_WHAT[v.length]})`));
  }
  if (v.length < 5) {
    throw new CircuitError('syntax', `expected ${FIELDS[v.length]} (${FIELD_WHAT[v.length]}) at the end of the line`, ln.loc(ln.end));
  }
  const [M, I, L, O, A] = v as [number, number, number, number, number];
  if (L > 0) {
    throw new CircuitError('unsupported', `sequential AIGER (L=${L} latches) is not supported: ${ONLY_COMB}`, loc(1, 1));
  }
  for (let k = 5; k < v.length; k++) {
    if (v[k]! > 0) {
      throw new CircuitError('unsupported', `AIGER properties (${FIELDS[k]}=${v[k]} ${PROPERTY_WHAT[k - 5]}) are not supported: ${ONLY_COMB}`, loc(1, 1));
    }
  }
  if (M > MAX_M) throw new CircuitError('unsupported', `M=${M} is too large (at most ${MAX_M} variables are supported)`, loc(1, 1));
  if (magic === 'aig' && M !== I + A) {
    throw new CircuitError('syntax', `binary AIGER requires M = I + L + A, but M=${M} and I + L + A = ${I + A}`, loc(1, 1));
  }
  if (magic === 'aag' && I + A > M) {
    throw new CircuitError('syntax', `I + L + A = ${I + A} variables do not fit below M=${M}`, loc(1, 1));
  }
  if (O === 0) throw new CircuitError('empty', 'empty circuit: the AIGER header declares no outputs (O=0)', loc(1, 1));
  return { M, I, O, A, maxLit: 2 * M + 1 };
}

/** Reads one literal line of the body; `what` names it for messages. */
function literalLine(ln: Lines, h: Header, what: string, section: string, loc: Loc): number {
  if (!ln.nextNonBlank()) {
    throw new CircuitError('syntax', `unexpected end of file: expected ${what} (${section})`, loc(ln.no + 1, 1));
  }
  const l = literal(ln, h, what);
  ln.done(what);
  return l;
}

function literal(ln: Lines, h: Header, what: string): number {
  const l = ln.uint(what);
  if (l > h.maxLit) {
    throw new CircuitError('syntax', `literal ${l} is out of range: M=${h.M} allows literals up to ${h.maxLit}`, ln.loc(ln.tokAt));
  }
  return l;
}

const SYMBOL_KINDS: Record<string, string | undefined> = {
  i: 'input', o: 'output', l: 'latch', b: 'bad-state property', c: 'constraint', j: 'justice property', f: 'fairness property',
};

/** Symbol table `i<k> name` / `o<k> name` up to the comment line `c` (or the end). */
function readSymbols(ln: Lines, h: Header, nameOf: (s: number, e: number) => string): { ins: (string | undefined)[]; outs: (string | undefined)[] } {
  const ins: (string | undefined)[] = new Array<string | undefined>(h.I).fill(undefined);
  const outs: (string | undefined)[] = new Array<string | undefined>(h.O).fill(undefined);
  const t = ln.text;
  while (ln.nextNonBlank()) {
    const kind = t[ln.start]!;
    let k = ln.start + 1;
    if (kind === 'c' && isBlankRange(t, k, ln.end)) break; // the comment section: ignored
    const table = kind === 'i' ? ins : kind === 'o' ? outs : undefined;
    const label = SYMBOL_KINDS[kind];
    if (label === undefined) {
      const w = ln.word();
      throw new CircuitError('syntax', `expected a symbol like 'i0 name' or 'o0 name', or the comment line 'c', found ${clip(w.s)}`, ln.loc(w.at));
    }
    let pos = 0;
    while (k < ln.end && t.charCodeAt(k) >= 48 && t.charCodeAt(k) <= 57 && k - ln.start <= 10) pos = pos * 10 + t.charCodeAt(k++) - 48;
    if (k === ln.start + 1 || k >= ln.end || t[k] !== ' ') {
      throw new CircuitError('syntax', `expected '${kind}<position> <name>' in the symbol table`, ln.loc(ln.start));
    }
    if (table === undefined || pos >= table.length) {
      const n = table?.length ?? 0;
      const noun = n === 1 ? label : label.replace(/y$/, 'ie').replace(/h$/, 'he') + 's';
      throw new CircuitError('syntax', `symbol for ${label} ${pos}, but the file has ${n === 0 ? 'no' : `only ${n}`} ${noun}`, ln.loc(ln.start));
    }
    if (table[pos] !== undefined) throw new CircuitError('syntax', `${label} ${pos} is named twice`, ln.loc(ln.start));
    if (k + 1 >= ln.end) throw new CircuitError('syntax', `empty name for ${label} ${pos}`, ln.loc(k + 1));
    table[pos] = nameOf(k + 1, ln.end);
  }
  return { ins, outs };
}

function isBlankRange(t: string, s: number, e: number): boolean {
  for (let k = s; k < e; k++) {
    const c = t.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// ASCII

/** Where each variable is defined, dense when M is small next to the file, else hashed
 * (M may be huge in a short file: only the defined variables need room). -1: undefined. */
class VarTable {
  private readonly dense: Int32Array | undefined;
  private readonly sparse = new Map<number, number>();

  constructor(M: number, textLength: number) {
    if (M < 4 * textLength + 16) this.dense = new Int32Array(M + 1).fill(-1);
  }

  get(v: number): number {
    return this.dense ? this.dense[v]! : this.sparse.get(v) ?? -1;
  }

  set(v: number, def: number): void {
    if (this.dense) this.dense[v] = def;
    else this.sparse.set(v, def);
  }
}

/** Room for `n` items of at least `minChars` characters each in what is left of the text:
 * a header may promise more lines than the file has, and must not make us allocate them. */
function room(n: number, ln: Lines, minChars: number): number {
  return Math.min(n, Math.floor((ln.text.length - ln.pos + 1) / minChars) + 1);
}

export function parseAag(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const loc: Loc = (line, col) => b.loc(line, col);
  const ln = new Lines(src.text, 0, 1, loc);
  const h = readHeader(ln, 'aag', loc);
  const { I, O, A } = h;
  // Definition of each variable: input k -> k, AND j -> I + j.
  const defOf = new VarTable(h.M, src.text.length);
  const inputLine = new Int32Array(room(I, ln, 2));
  for (let k = 0; k < I; k++) {
    const what = `the literal of input ${k}`;
    const l = literalLine(ln, h, what, `the header declares I=${I} inputs`, loc);
    const at = ln.loc(ln.tokAt);
    if (l & 1) throw new CircuitError('syntax', `input literal ${l} is odd (negated): inputs must be even literals`, at);
    if (l === 0) throw new CircuitError('syntax', 'input literal 0 is the constant FALSE', at);
    const first = defOf.get(l >> 1);
    if (first >= 0) throw new CircuitError('driven-twice', `input literal ${l} is already input ${first} (line ${inputLine[first]})`, at);
    defOf.set(l >> 1, k);
    inputLine[k] = ln.no;
  }
  const outCap = room(O, ln, 2);
  const outLit = new Int32Array(outCap);
  const outLine = new Int32Array(outCap);
  const outCol = new Int32Array(outCap);
  for (let k = 0; k < O; k++) {
    outLit[k] = literalLine(ln, h, `the literal of output ${k}`, `the header declares O=${O} outputs`, loc);
    outLine[k] = ln.no;
    outCol[k] = ln.col(ln.tokAt);
  }
  // AND j: lits = lhs, rhs0, rhs1; where = line, then the column of each of the three.
  const andCap = room(A, ln, 6);
  const lits = new Int32Array(3 * andCap);
  const where = new Int32Array(4 * andCap);
  for (let j = 0; j < A; j++) {
    if (!ln.nextNonBlank()) {
      throw new CircuitError('syntax', `unexpected end of file: expected AND gate ${j} 'lhs rhs0 rhs1' (the header declares A=${A} AND gates)`, loc(ln.no + 1, 1));
    }
    const lhs = literal(ln, h, `the lhs literal of AND gate ${j}`);
    const lhsAt = ln.tokAt;
    const r0 = literal(ln, h, `the first operand of AND gate ${lhs}`);
    const c0 = ln.col(ln.tokAt);
    const r1 = literal(ln, h, `the second operand of AND gate ${lhs}`);
    const c1 = ln.col(ln.tokAt);
    ln.done(`AND gate ${lhs}`);
    if (lhs & 1) throw new CircuitError('syntax', `AND gate lhs ${lhs} is odd (negated): an AND gate defines an even literal`, ln.loc(lhsAt));
    if (lhs === 0) throw new CircuitError('syntax', 'AND gate lhs 0 is the constant FALSE and cannot be redefined', ln.loc(lhsAt));
    const first = defOf.get(lhs >> 1);
    if (first >= 0) {
      const prev = first < I ? `input ${first} (line ${inputLine[first]})` : `already defined by the AND gate on line ${where[4 * (first - I)]}`;
      throw new CircuitError('driven-twice', `AND gate lhs ${lhs} is ${prev}`, ln.loc(lhsAt));
    }
    defOf.set(lhs >> 1, I + j);
    lits[3 * j] = lhs;
    lits[3 * j + 1] = r0;
    lits[3 * j + 2] = r1;
    where[4 * j] = ln.no;
    where[4 * j + 1] = ln.col(lhsAt);
    where[4 * j + 2] = c0;
    where[4 * j + 3] = c1;
  }
  const sym = readSymbols(ln, h, (s, e) => src.text.slice(s, e));

  // Operands as definitions: -1 = constant, k < I input k, I + j AND j. Checked in file order.
  const defOrFail = (l: number, line: number, col: number): number => {
    if (l < 2) return -1;
    const d = defOf.get(l >> 1);
    if (d < 0) {
      throw new CircuitError('undefined-wire', `literal ${l} uses variable ${l >> 1}, which is neither an input nor an AND gate`, loc(line, col));
    }
    return d;
  };
  const outDef = new Int32Array(O);
  for (let k = 0; k < O; k++) outDef[k] = defOrFail(outLit[k]!, outLine[k]!, outCol[k]!);
  const op = new Int32Array(2 * A);
  for (let j = 0; j < A; j++) {
    op[2 * j] = defOrFail(lits[3 * j + 1]!, where[4 * j]!, where[4 * j + 2]!);
    op[2 * j + 1] = defOrFail(lits[3 * j + 2]!, where[4 * j]!, where[4 * j + 3]!);
  }
  const rank = topoRanks(I, A, op, (j, side) => {
    const l = lits[3 * j + 1 + side]!;
    return new CircuitError('cycle', `combinational cycle: AND gate ${lits[3 * j]} uses literal ${l}, which depends on AND gate ${lits[3 * j]}`, loc(where[4 * j]!, where[4 * j + 2 + side]!));
  });
  // Renumber: input k -> variable 1 + k, AND j -> 1 + I + rank[j].
  const denseLit = (def: number, l: number): number => (def < 0 ? 0 : def < I ? 2 * (1 + def) : 2 * (1 + I + rank[def - I]!)) | (l & 1);
  const rhs0 = new Int32Array(A);
  const rhs1 = new Int32Array(A);
  const andOf = new Int32Array(A);
  for (let j = 0; j < A; j++) {
    const r = rank[j]!;
    andOf[r] = j;
    rhs0[r] = denseLit(op[2 * j]!, lits[3 * j + 1]!);
    rhs1[r] = denseLit(op[2 * j + 1]!, lits[3 * j + 2]!);
  }
  const outputs = new Int32Array(O);
  for (let k = 0; k < O; k++) outputs[k] = denseLit(outDef[k]!, outLit[k]!);
  return emit(b, src.name, {
    nInputs: I,
    rhs0,
    rhs1,
    outputs,
    inputNames: sym.ins,
    outputNames: sym.outs,
    inputLoc: (k) => loc(inputLine[k]!, 1),
    andLoc: (r) => loc(where[4 * andOf[r]!]!, where[4 * andOf[r]! + 1]!),
    outputLoc: (k) => loc(outLine[k]!, outCol[k]!),
  });
}

/** Rank of each AND gate in an order where operands come first (file order when it is one).
 * op[2j], op[2j+1]: operand definitions (AND j' is I + j'). Iterative, so deep graphs are fine. */
function topoRanks(I: number, A: number, op: Int32Array, cycle: (j: number, side: number) => CircuitError): Int32Array {
  const state = new Uint8Array(A); // 0 new, 1 on the stack, 2 done
  const side = new Uint8Array(A); // operands visited so far
  const rank = new Int32Array(A);
  const stack = new Int32Array(A);
  let next = 0;
  for (let s = 0; s < A; s++) {
    if (state[s] !== 0) continue;
    let sp = 0;
    stack[sp++] = s;
    state[s] = 1;
    while (sp > 0) {
      const j = stack[sp - 1]!;
      const k = side[j]!;
      if (k < 2) {
        side[j] = k + 1;
        const d = op[2 * j + k]! - I;
        if (d >= 0) {
          if (state[d] === 1) throw cycle(j, k);
          if (state[d] === 0) {
            state[d] = 1;
            stack[sp++] = d;
          }
        }
      } else {
        state[j] = 2;
        rank[j] = next++;
        sp--;
      }
    }
  }
  return rank;
}

// ---------------------------------------------------------------------------------------------
// Binary

export function parseAig(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const bytes = src.bytes;
  // One char per byte, so string offsets are byte offsets in the ASCII parts of the file.
  const text = new TextDecoder('latin1').decode(bytes);
  const loc: Loc = (line, col) => b.loc(line, col);
  const ln = new Lines(text, 0, 1, loc);
  const h = readHeader(ln, 'aig', loc);
  const { I, O, A } = h;
  if (I > MAX_BINARY_INPUTS) {
    throw new CircuitError('unsupported', `I=${I} inputs is too many (at most ${MAX_BINARY_INPUTS} are supported)`, loc(1, 1));
  }
  const outCap = room(O, ln, 2);
  const outputs = new Int32Array(outCap);
  const outLine = new Int32Array(outCap);
  const outCol = new Int32Array(outCap);
  for (let k = 0; k < O; k++) {
    // Output lines are strict here: the binary AND section may start with a blank-looking byte.
    if (!ln.next()) {
      throw new CircuitError('syntax', `unexpected end of file: expected the literal of output ${k} (the header declares O=${O} outputs)`, loc(ln.no + 1, 1));
    }
    outputs[k] = literal(ln, h, `the literal of output ${k}`);
    outLine[k] = ln.no;
    outCol[k] = ln.col(ln.tokAt);
    ln.done(`the literal of output ${k}`);
  }
  const at = (offset: number): SourceLoc => byteLoc(bytes, offset, loc);
  let p = ln.pos;
  if (p > bytes.length) p = bytes.length;
  if (bytes.length - p < 2 * A) {
    throw new CircuitError('syntax', `truncated binary AIGER: ${A} AND gates need at least ${2 * A} bytes from byte ${p}, but the file has ${bytes.length - p}`, at(p));
  }
  const rhs0 = new Int32Array(A);
  const rhs1 = new Int32Array(A);
  const varint = (k: number, which: string): number => {
    const start = p;
    let x = 0;
    let scale = 1;
    for (let n = 0; ; n++) {
      if (p >= bytes.length) {
        throw new CircuitError('syntax', `truncated binary AIGER: ${which} of AND gate ${k} runs past the end of the file (starts at byte ${start})`, at(start));
      }
      const byte = bytes[p++]!;
      x += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) break;
      if (n === 4) throw new CircuitError('syntax', `${which} of AND gate ${k} at byte ${start} is longer than 5 bytes (overflows 32 bits)`, at(start));
      scale *= 128;
    }
    if (x > 0xffffffff) throw new CircuitError('syntax', `${which} of AND gate ${k} at byte ${start} overflows 32 bits`, at(start));
    return x;
  };
  for (let k = 0; k < A; k++) {
    const lhs = 2 * (I + k + 1);
    const start = p;
    const d0 = varint(k, 'delta0');
    const d1 = varint(k, 'delta1');
    if (d0 > lhs) {
      throw new CircuitError('syntax', `AND gate ${k} (lhs ${lhs}) at byte ${start}: delta0=${d0} gives a negative literal`, at(start));
    }
    if (d0 === 0) {
      throw new CircuitError('cycle', `AND gate ${k} (lhs ${lhs}) at byte ${start}: delta0=0 makes the gate its own operand`, at(start));
    }
    const r0 = lhs - d0;
    if (d1 > r0) {
      throw new CircuitError('syntax', `AND gate ${k} (lhs ${lhs}) at byte ${start}: delta1=${d1} gives a negative literal (rhs0 is ${r0})`, at(start));
    }
    rhs0[k] = r0;
    rhs1[k] = r0 - d1;
  }
  const symStart = p;
  const symLine = 1 + countNewlines(bytes, symStart);
  const utf8 = new TextDecoder('utf-8');
  const symLines = new Lines(text, symStart, symLine, loc, text.lastIndexOf('\n', symStart - 1) + 1);
  const sym = readSymbols(symLines, h, (s, e) => utf8.decode(bytes.subarray(s, e)));
  const headerLoc = loc(1, 1);
  return emit(b, src.name, {
    nInputs: I,
    rhs0,
    rhs1,
    outputs,
    inputNames: sym.ins,
    outputNames: sym.outs,
    inputLoc: () => headerLoc,
    andLoc: () => headerLoc,
    outputLoc: (k) => loc(outLine[k]!, outCol[k]!),
  });
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let k = 0; k < end; k++) if (bytes[k] === 10) n++;
  return n;
}

/** Line and column of a byte offset, as an editor shows them. */
function byteLoc(bytes: Uint8Array, offset: number, loc: Loc): SourceLoc {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < bytes.length; k++) {
    if (bytes[k] === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return loc(line, offset - lineStart + 1);
}

// ---------------------------------------------------------------------------------------------
// Emitting the IR

/** Names for the builder, which needs distinct input names: symbols where all are given and
 * distinct, else i<k> for all (AIGER does not require symbols to be unique). */
function inputNets(names: (string | undefined)[]): string[] {
  const given = names.every((n) => n !== undefined) && new Set(names).size === names.length;
  if (given) return names as string[];
  const defaults = names.map((_, k) => `i${k}`);
  const mixed = names.map((n, k) => n ?? defaults[k]!);
  return new Set(mixed).size === mixed.length ? mixed : defaults;
}

function emit(b: NetlistBuilder, name: string, g: DenseAig): Circuit {
  const I = g.nInputs;
  const A = g.rhs0.length;
  const nVars = 1 + I + A;
  const pos = new Int32Array(nVars).fill(-1); // net of each variable
  const neg = new Int32Array(nVars).fill(-1); // net of its negation: one NOT per variable, shared
  let k = 0;
  for (const grp of groupBitNames(inputNets(g.inputNames), 'in')) {
    const nets = b.addInputGroup(grp.name, grp.bitNames, g.inputLoc(k));
    for (const net of nets) pos[1 + k++] = net;
  }
  const net = (l: number, loc: SourceLoc): number => {
    const v = l >> 1;
    if (l & 1) {
      if (neg[v]! < 0) neg[v] = v === 0 ? b.addGate(undefined, 'CONST1', [], loc) : b.addGate(undefined, 'NOT', [pos[v]!], loc);
      return neg[v]!;
    }
    if (pos[v]! < 0) pos[v] = b.addGate(undefined, 'CONST0', [], loc); // only variable 0 is defined lazily
    return pos[v]!;
  };
  for (let j = 0; j < A; j++) {
    const loc = g.andLoc(j);
    pos[1 + I + j] = b.addGate(undefined, 'AND', [net(g.rhs0[j]!, loc), net(g.rhs1[j]!, loc)], loc);
  }
  const outNames = g.outputNames.map((n, k) => n ?? `o${k}`);
  const bits = Array.from(g.outputs, (l, k) => {
    const loc = g.outputLoc(k);
    return { net: net(l, loc), loc };
  });
  let o = 0;
  for (const grp of groupBitNames(outNames, 'out')) {
    b.addOutputGroup(grp.name, bits.slice(o, o + grp.bitNames.length));
    o += grp.bitNames.length;
  }
  const c = b.build(name);
  // Gates have no source names; an output's symbol is the best name for the wire it reads.
  const wn = c.wireNames;
  if (wn) {
    let bit = 0;
    for (const grp of c.outputs) {
      for (const w of grp.wires) {
        const s = g.outputNames[bit++];
        if (s !== undefined && wn[w] === undefined) wn[w] = s;
      }
    }
  }
  return c;
}
