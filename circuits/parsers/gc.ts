// The .gc circuit language (see docs/gc-format.md): gives meaning to the statements that
// gc-grammar.ts parses, chunk by chunk in file order. A group is declared before its first use;
// assignments may come in any order: each becomes gates or an alias in a NetlistBuilder, which
// checks and sorts the whole netlist at the end.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, quote, type CircuitErrorKind, type SourceLoc } from '../errors.js';
import type { Circuit, EmbeddedTest } from '../ir.js';
import type { ParserSource } from '../source.js';
import { LineIndex, parseGcChunks, type Expr, type GcSink, type GcToken, type Pair, type Stmt } from './gc-grammar.js';

/** Widest group, and most bits in all groups together: keeps a typo from allocating gigabytes. */
export const MAX_GROUP_WIDTH = 1 << 20;
export const MAX_TOTAL_BITS = 1 << 22;
/** BigInt parses decimal text in quadratic time: wider values must be written in hex or binary. */
const MAX_DECIMAL_DIGITS = 10000;

interface GroupInfo {
  dir: 'input' | 'output';
  width: number;
  decl: GcToken;
  /** Net names of the bits, `a[0]`...: shared strings, so that map lookups reuse their hash. */
  bits: string[];
}

/**
 * A record without a prototype: any group name (`__proto__`, `constructor`) is a plain key,
 * and looking up a group that a test does not name gives undefined.
 */
function record(): Record<string, bigint> {
  return Object.create(null) as Record<string, bigint>;
}

class Elaborator implements GcSink {
  private readonly groups = new Map<string, GroupInfo>();
  /**
   * Bases of indexed wire names (`t[3]`) used so far that are not groups: a group declared
   * later under such a name is an error. Bare names are looked up in the builder instead (a
   * set of every wire name would double the work of large files).
   */
  private readonly indexedBases = new Set<string>();
  private totalBits = 0;
  /** Embedded tests, completed by finish() once every input group is known. */
  private readonly tests: EmbeddedTest[] = [];
  name: string | undefined;

  constructor(
    private readonly b: NetlistBuilder,
    private readonly lines: LineIndex,
  ) {}

  header(name: string): void {
    this.name = name;
  }

  statements(stmts: Stmt[]): void {
    for (const s of stmts) {
      if (s.k === 'decl') this.declare(s.dir, s.ports);
      else if (s.k === 'assign') this.assign(s.lhs, s.rhs);
      else this.test(s.kw, s.ins, s.outs);
    }
  }

  /** Gives every test a value for every input group (0 when not named) and hands it over. */
  finish(): void {
    for (const t of this.tests) {
      const inputs = record();
      for (const [name, g] of this.groups) if (g.dir === 'input') inputs[name] = t.inputs[name] ?? 0n;
      this.b.addTest({ ...t, inputs });
    }
  }

  private at(offset: number): SourceLoc {
    const { line, col } = this.lines.pos(offset);
    return this.b.loc(line, col);
  }

  private lineOf(t: GcToken): number {
    return this.lines.pos(t.startOffset).line;
  }

  private fail(kind: CircuitErrorKind, msg: string, offset: number): never {
    throw new CircuitError(kind, msg, this.at(offset));
  }

  /** Value of number text: decimal, 0x hex or 0b binary; underscores are ignored. */
  private num(text: string, offset: number): bigint {
    const t = text.replace(/_/g, '');
    if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^0[bB][01]+$/.test(t)) return BigInt(t);
    if (!/^[0-9]+$/.test(t)) this.fail('syntax', `${quote(text)} is not a number (use decimal, 0x hex or 0b binary)`, offset);
    if (t.length > MAX_DECIMAL_DIGITS) this.fail('syntax', `decimal number with ${t.length} digits: write values this wide in hex`, offset);
    return BigInt(t);
  }

  /** Declares input or output groups; inputs and outputs each keep their file order. */
  private declare(dir: 'input' | 'output', ports: GcToken[]): void {
    for (const p of ports) {
      const name = p.base;
      const prev = this.groups.get(name);
      if (prev) this.fail('driven-twice', `group ${quote(name)} is declared twice (first at line ${this.lineOf(prev.decl)})`, p.startOffset);
      if (this.b.has(name) || this.indexedBases.has(name)) {
        this.fail('syntax', `group ${quote(name)} is declared after its name was used: declare groups before using them`, p.startOffset);
      }
      let width = 1;
      if (p.index !== undefined) {
        const v = this.num(p.index, p.indexOffset);
        if (v > BigInt(MAX_GROUP_WIDTH)) this.fail('unsupported', `group width ${v} is over the limit of ${MAX_GROUP_WIDTH} bits`, p.indexOffset);
        width = Number(v);
      }
      this.totalBits += width;
      if (this.totalBits > MAX_TOTAL_BITS) this.fail('unsupported', `the groups have more than ${MAX_TOTAL_BITS} bits in all`, p.startOffset);
      const bits = Array.from({ length: width }, (_, i) => `${name}[${i}]`);
      this.groups.set(name, { dir, width, decl: p, bits });
      const loc = this.at(p.startOffset);
      if (dir === 'input') {
        this.b.addInputGroup(name, bits, loc);
      } else {
        this.b.addOutputGroup(name, bits.map((bit) => ({ net: this.b.ref(bit), loc })));
      }
    }
  }

  /** An index as a bigint; short decimal indices (nearly all) skip the regexes and BigInt. */
  private indexValue(t: GcToken): bigint {
    const text = t.index!;
    return /^[0-9]{1,15}$/.test(text) ? BigInt(Number(text)) : this.num(text, t.indexOffset);
  }

  /** The net a name token denotes: `g[i]` for bits of groups, the name itself otherwise. */
  private netName(t: GcToken, writing: boolean): string {
    const base = t.base;
    const g = this.groups.get(base);
    if (!g) {
      if (t.index === undefined) return base;
      this.indexedBases.add(base);
      return `${base}[${this.indexValue(t)}]`;
    }
    let i = 0;
    if (t.index === undefined) {
      if (g.width !== 1) this.fail('syntax', `${quote(base)} is a ${g.width}-bit ${g.dir} group: name one bit, as ${base}[i]`, t.startOffset);
    } else {
      const index = this.indexValue(t);
      if (index >= BigInt(g.width)) {
        const bits = g.width === 0 ? 'it has no bits' : g.width === 1 ? `its only bit is ${base}[0]` : `its bits are ${base}[0] to ${base}[${g.width - 1}]`;
        this.fail('undefined-wire', `index ${index} is out of range for ${g.dir} ${quote(base)} (${bits})`, t.indexOffset);
      }
      i = Number(index);
    }
    const name = g.bits[i]!;
    if (writing && g.dir === 'input') this.fail('driven-twice', `cannot assign ${quote(name)}: it is an input`, t.startOffset);
    return name;
  }

  /** A second assignment of a name is reported by the builder, at this name (see emit). */
  private assign(lhs: GcToken, rhs: Expr): void {
    this.emit(rhs, this.netName(lhs, true), lhs);
  }

  /**
   * Builds the gates of `e` and returns its net. The topmost gate drives `out` when given (the
   * assigned name) and is located at the assigned name (cycle reports read best there); inner
   * gates are anonymous and located at their operator. A bare name with an `out` is an alias.
   * Recursion is bounded by the nesting limit: operator chains and tilde runs are loops.
   */
  private emit(e: Expr, out: string | undefined, lhs: GcToken | undefined): number {
    const b = this.b;
    const locOf = (t: GcToken, top: boolean): SourceLoc => this.at(top && lhs ? lhs.startOffset : t.startOffset);
    switch (e.k) {
      case 'ref': {
        // The builder keeps the location of a name's first mention only: skip the others.
        const name = this.netName(e.tok, false);
        const net = b.has(name) ? b.ref(name) : b.ref(name, this.at(e.tok.startOffset));
        return out === undefined ? net : b.addAlias(out, net, locOf(e.tok, true));
      }
      case 'num': {
        const v = this.num(e.tok.image, e.tok.startOffset);
        if (v > 1n) this.fail('syntax', `a constant must be 0 or 1, found ${quote(e.tok.image)}`, e.tok.startOffset);
        return b.addGate(out, v === 1n ? 'CONST1' : 'CONST0', [], locOf(e.tok, true));
      }
      case 'not': {
        let net = this.emit(e.arg, undefined, undefined);
        for (let i = e.tildes.length - 1; i >= 0; i--) {
          const top = i === 0;
          net = b.addGate(top ? out : undefined, 'NOT', [net], locOf(e.tildes[i]!, top));
        }
        return net;
      }
      case 'chain': {
        let acc = this.emit(e.args[0]!, undefined, undefined);
        const last = e.args.length - 1;
        for (let i = 1; i <= last; i++) {
          const rhs = this.emit(e.args[i]!, undefined, undefined);
          acc = b.addGate(i === last ? out : undefined, e.op, [acc, rhs], locOf(e.ops[i - 1]!, i === last));
        }
        return acc;
      }
      case 'call': {
        this.checkArity(e.op, e.args.length, e.name);
        const ins = e.args.map((a) => this.emit(a, undefined, undefined));
        return b.addGate(out, e.op, ins, locOf(e.name, true));
      }
    }
  }

  /** Arity errors point at the gate name (the builder would use the gate's location). */
  private checkArity(op: string, n: number, at: GcToken): void {
    if (op === 'NOT' || op === 'BUF') {
      if (n !== 1) this.fail('arity', `${op} takes 1 input, got ${n}`, at.startOffset);
    } else if (op === 'CONST0' || op === 'CONST1') {
      if (n !== 0) this.fail('arity', `${op} takes no input, got ${n}`, at.startOffset);
    } else if (n === 0) {
      this.fail('arity', `${op} needs at least one input`, at.startOffset);
    }
  }

  private test(kw: GcToken, ins: Pair[], outs: Pair[]): void {
    const inputs = record();
    const expect = record();
    const seen = new Set<string>();
    const read = (p: Pair, dir: 'input' | 'output', rec: Record<string, bigint>): void => {
      const name = p.name.base;
      const at = p.name.startOffset;
      if (p.name.index !== undefined) this.fail('value', `a test gives whole groups, not bits: write ${name}=VALUE`, at);
      const g = this.groups.get(name);
      if (!g) this.fail('value', `test names ${quote(name)}, which is not an ${dir} group`, at);
      if (g.dir !== dir) {
        const side = dir === 'input' ? "before '->'" : "after '->'";
        this.fail('value', `${quote(name)} is an ${g.dir} group, but ${side} a test names ${dir}s`, at);
      }
      if (seen.has(name)) this.fail('value', `test gives ${quote(name)} twice`, at);
      seen.add(name);
      const v = this.num(p.value.image, p.value.startOffset);
      if (v >> BigInt(g.width) !== 0n) {
        this.fail('value', `value ${quote(p.value.image)} does not fit in the ${g.width} bit(s) of ${quote(name)}`, p.value.startOffset);
      }
      rec[name] = v;
    };
    for (const p of ins) read(p, 'input', inputs);
    for (const p of outs) read(p, 'output', expect);
    this.tests.push({ inputs, expect, line: this.lineOf(kw) });
  }
}

export function parseGc(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const lines = new LineIndex(src.text);
  const e = new Elaborator(b, lines);
  try {
    parseGcChunks(src.text, lines, (line, col) => b.loc(line, col), e);
  } catch (err) {
    // The nesting limit keeps every recursion shallow; this is the backstop for a small stack.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new CircuitError('unsupported', 'expression nests too deeply for the available stack', b.loc(1, 1));
    }
    throw err;
  }
  e.finish();
  return b.build(e.name ?? src.name);
}
