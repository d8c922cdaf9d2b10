// BLIF, the combinational subset: one `.model`, `.inputs`, `.outputs`, `.names` covers, `.end`.
// A cover is on-set rows (`10-1 1`) or off-set rows (`00 0`), never both; it is lowered exactly:
// each cube an AND of literals, the cubes ORed, the whole negated for an off-set. Small covers
// use the cheapest equal gate (De Morgan), so `11 1` is one AND, `00 1` one NOR, `00 0` one OR.

import { NetlistBuilder } from '../builder.js';
import { CircuitError, quote, type SourceLoc } from '../errors.js';
import { groupBitNames } from '../groups.js';
import type { Circuit } from '../ir.js';
import type { ParserSource } from '../source.js';

const ONLY_COMB = 'gatecot compiles combinational circuits only';
const UNSUPPORTED: Record<string, string> = {
  '.latch': `sequential element .latch is not supported: ${ONLY_COMB}`,
  '.mlatch': `sequential element .mlatch is not supported: ${ONLY_COMB}`,
  '.clock': `.clock is not supported: ${ONLY_COMB}`,
  '.subckt': '.subckt (hierarchical BLIF) is not supported: only .names covers are',
  '.gate': '.gate (library-mapped BLIF) is not supported: only .names covers are',
  '.search': '.search (BLIF spread over files) is not supported',
  '.exdc': '.exdc (external don\'t-care network) is not supported',
  '.start_kiss': '.start_kiss (state machines) is not supported',
};

interface Tok {
  s: string;
  line: number;
  col: number;
}

interface Named {
  name: string;
  loc: SourceLoc;
}

interface Cover {
  out: Named;
  ins: Named[];
  /** Input part of each row ('' for a cover without inputs). */
  cubes: string[];
  /** '1' on-set, '0' off-set, undefined: no rows yet. */
  phase: string | undefined;
  loc: SourceLoc;
}

interface Model {
  inputs: Named[];
  outputs: Named[];
  covers: Cover[];
}

function shown(s: string): string {
  return quote(s.length > 20 ? s.slice(0, 17) + '...' : s);
}

/** Statements: the tokens of each logical line (comments removed, `\` continuations joined). */
function* statements(text: string): Generator<Tok[]> {
  let toks: Tok[] = [];
  let start = 0;
  let no = 0;
  let hash = -1; // the next '#' at or after `start`, found once per '#' so that scanning stays linear
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    if (hash < start) {
      hash = text.indexOf('#', start);
      if (hash < 0) hash = text.length;
    }
    let stop = hash < end ? hash : end;
    while (stop > start && isSpace(text.charCodeAt(stop - 1))) stop--;
    const continued = stop > start && text[stop - 1] === '\\';
    if (continued) stop--;
    let i = start;
    while (i < stop) {
      if (isSpace(text.charCodeAt(i))) {
        i++;
        continue;
      }
      const s = i;
      while (i < stop && !isSpace(text.charCodeAt(i))) i++;
      toks.push({ s: text.slice(s, i), line: no, col: s - start + 1 });
    }
    if (!continued && toks.length > 0) {
      yield toks;
      toks = [];
    }
    start = end + 1;
  }
  if (toks.length > 0) yield toks;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function readModel(text: string, b: NetlistBuilder): Model {
  const m: Model = { inputs: [], outputs: [], covers: [] };
  const at = (t: Tok): SourceLoc => b.loc(t.line, t.col);
  const named = (t: Tok): Named => ({ name: t.s, loc: at(t) });
  let cover: Cover | undefined;
  let sawModel = false;
  let ended = false;
  for (const toks of statements(text)) {
    const head = toks[0]!;
    if (!head.s.startsWith('.')) {
      if (!cover || ended) {
        throw new CircuitError('syntax', `expected a BLIF command such as .names, found ${shown(head.s)}`, at(head));
      }
      addRow(cover, toks, at);
      continue;
    }
    cover = undefined;
    const cmd = head.s.toLowerCase();
    if (cmd === '.model') {
      if (sawModel) throw new CircuitError('unsupported', 'a second .model (hierarchical BLIF) is not supported: one model per file', at(head));
      sawModel = true;
      continue;
    }
    if (ended) throw new CircuitError('syntax', `unexpected ${shown(head.s)} after .end`, at(head));
    switch (cmd) {
      case '.inputs':
        for (const t of toks.slice(1)) m.inputs.push(named(t));
        break;
      case '.outputs':
        for (const t of toks.slice(1)) m.outputs.push(named(t));
        break;
      case '.names': {
        if (toks.length < 2) throw new CircuitError('syntax', '.names needs at least its output name', at(head));
        const ins = toks.slice(1, -1).map(named);
        cover = { out: named(toks[toks.length - 1]!), ins, cubes: [], phase: undefined, loc: at(head) };
        m.covers.push(cover);
        break;
      }
      case '.end':
        if (toks.length > 1) throw new CircuitError('syntax', `unexpected ${shown(toks[1]!.s)} after .end`, at(toks[1]!));
        ended = true;
        break;
      default: {
        const why = UNSUPPORTED[cmd];
        if (why) throw new CircuitError('unsupported', why, at(head));
        throw new CircuitError('syntax', `unknown BLIF command ${shown(head.s)}`, at(head));
      }
    }
  }
  return m;
}

/** One cover row: `<cube> <0|1>`, or just `<0|1>` when the cover has no inputs. */
function addRow(cv: Cover, toks: Tok[], at: (t: Tok) => SourceLoc): void {
  const n = cv.ins.length;
  const want = n === 0 ? 1 : 2;
  const first = toks[0]!;
  if (toks.length > want) {
    throw new CircuitError('syntax', `unexpected ${shown(toks[want]!.s)}: a row of this .names is ${n === 0 ? 'one output value 0 or 1' : `${n} input values then the output value`}`, at(toks[want]!));
  }
  const outTok = toks[want - 1];
  if (!outTok) {
    const last = toks[toks.length - 1]!;
    throw new CircuitError('syntax', 'expected the output value 0 or 1 after the input part of the row', { ...at(last), col: last.col + last.s.length });
  }
  const cube = n === 0 ? '' : first.s;
  if (cube.length !== n) {
    throw new CircuitError('syntax', `the row has ${cube.length} input values but the .names has ${n} inputs`, at(first));
  }
  for (let k = 0; k < cube.length; k++) {
    const c = cube[k];
    if (c !== '0' && c !== '1' && c !== '-') {
      throw new CircuitError('syntax', `input value ${shown(c!)} is not 0, 1 or -`, { ...at(first), col: first.col + k });
    }
  }
  const phase = outTok.s;
  if (phase !== '0' && phase !== '1') throw new CircuitError('syntax', `the output value must be 0 or 1, found ${shown(phase)}`, at(outTok));
  if (cv.phase !== undefined && cv.phase !== phase) {
    throw new CircuitError('syntax', `this row is in the ${phase === '1' ? 'on' : 'off'}-set but the rows above are in the ${cv.phase === '1' ? 'on' : 'off'}-set: a cover cannot mix them`, at(outTok));
  }
  cv.phase = phase;
  cv.cubes.push(cube);
}

/** Gates for covers; the NOT of each net is made once and shared. */
class Lowering {
  private readonly notOf = new Map<number, number>();

  constructor(private readonly b: NetlistBuilder) {}

  private not(net: number, loc: SourceLoc): number {
    let n = this.notOf.get(net);
    if (n === undefined) {
      n = this.b.addGate(undefined, 'NOT', [net], loc);
      this.notOf.set(net, n);
    }
    return n;
  }

  /** The cube's literals either as they are (`negate` false) or negated, sharing NOTs. */
  private literals(cube: string, ins: number[], negate: boolean, loc: SourceLoc): number[] {
    const out: number[] = [];
    for (let k = 0; k < cube.length; k++) {
      const c = cube[k];
      if (c === '-') continue;
      out.push((c === '1') !== negate ? ins[k]! : this.not(ins[k]!, loc));
    }
    return out;
  }

  /** AND of the cube's literals driving `out` (undefined: a fresh net): as an AND of the
   * literals or as a NOR of their negations, whichever needs fewer NOTs. `invert` gives NAND/OR. */
  private cube(out: string | undefined, cube: string, ins: number[], invert: boolean, loc: SourceLoc): number {
    let ones = 0;
    let zeros = 0;
    for (let k = 0; k < cube.length; k++) {
      if (cube[k] === '1') ones++;
      else if (cube[k] === '0') zeros++;
    }
    if (zeros <= ones) return this.b.addGate(out, invert ? 'NAND' : 'AND', this.literals(cube, ins, false, loc), loc);
    return this.b.addGate(out, invert ? 'OR' : 'NOR', this.literals(cube, ins, true, loc), loc);
  }

  lower(cv: Cover): void {
    const b = this.b;
    const out = cv.out.name;
    const onSet = cv.phase === '1';
    // No rows: the on-set is empty. A row of only '-' is always true.
    if (cv.cubes.length === 0) {
      b.addGate(out, 'CONST0', [], cv.out.loc);
      return;
    }
    if (cv.cubes.some((c) => !/[01]/.test(c))) {
      b.addGate(out, onSet ? 'CONST1' : 'CONST0', [], cv.out.loc);
      return;
    }
    const ins = cv.ins.map((i) => b.ref(i.name, i.loc));
    const loc = cv.out.loc;
    if (cv.cubes.length === 1) {
      this.cube(out, cv.cubes[0]!, ins, !onSet, loc);
      return;
    }
    const terms = cv.cubes.map((c) => {
      const lits = this.literals(c, ins, false, loc);
      return lits.length === 1 ? lits[0]! : this.cube(undefined, c, ins, false, loc);
    });
    b.addGate(out, onSet ? 'OR' : 'NOR', terms, loc);
  }
}

export function parseBlif(src: ParserSource): Circuit {
  const b = new NetlistBuilder(src.file);
  const m = readModel(src.text, b);
  // Checked here so that the error points at the offending line rather than at the input group.
  const inputAt = new Map<string, SourceLoc>();
  for (const i of m.inputs) {
    const first = inputAt.get(i.name);
    if (first) throw new CircuitError('driven-twice', `input ${quote(i.name)} is declared twice (first at line ${first.line})`, i.loc);
    inputAt.set(i.name, i.loc);
  }
  for (const cv of m.covers) {
    const first = inputAt.get(cv.out.name);
    if (first) throw new CircuitError('driven-twice', `wire ${quote(cv.out.name)} is an input (line ${first.line}) and cannot be driven by a .names`, cv.out.loc);
  }
  let k = 0;
  for (const grp of groupBitNames(m.inputs.map((i) => i.name), 'in')) {
    b.addInputGroup(grp.name, grp.bitNames, m.inputs[k]!.loc);
    k += grp.bitNames.length;
  }
  const low = new Lowering(b);
  for (const cv of m.covers) low.lower(cv);
  // An input of a .names that only '-' reads feeds no gate, so the builder would not notice it
  // is undefined; it is still a broken netlist.
  for (const cv of m.covers) {
    for (const i of cv.ins) {
      if (!b.isDriven(i.name)) throw new CircuitError('undefined-wire', `wire ${quote(i.name)} is used but never driven`, i.loc);
    }
  }
  let o = 0;
  for (const grp of groupBitNames(m.outputs.map((x) => x.name), 'out')) {
    const bits = m.outputs.slice(o, o + grp.bitNames.length).map((x) => ({ net: b.ref(x.name, x.loc), loc: x.loc }));
    b.addOutputGroup(grp.name, bits);
    o += grp.bitNames.length;
  }
  return b.build(src.name);
}
