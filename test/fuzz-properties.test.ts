// Property tests (fast-check): compile-then-verify on arbitrary small circuits, parse-print-parse
// on arbitrary .gc programs (checked against an evaluator of the program written here), the
// shrinker's circuit edits, and the fuzzer's writers of AIGER, .bench and BLIF.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evalMany, outputWires, parseCircuitBytes, parseCircuitText, writeCircuit, arity, type Circuit, type FormatName, type OpCode, type OpName } from '../circuits/index.js';
import type { CotFormat } from '../compiler/index.js';
import { allInputs } from '../runtime/index.js';
import { checkCot, circuitProblem, keepOutputs, pruneDead, removeGates, removeInputs, writeAag, writeAig, writeBench, writeBlif } from '../fuzz/index.js';

// ---------------------------------------------------------------- arbitrary circuits

interface RawGate {
  op: number;
  a: number;
  b: number;
}

/** A valid circuit from raw draws: operands taken modulo the wires before each gate. */
function buildCircuit(n: number, gates: RawGate[], outs: number[]): Circuit {
  const T = gates.length;
  const ops = new Uint8Array(T);
  const a = new Int32Array(T);
  const b = new Int32Array(T);
  gates.forEach((g, i) => {
    const avail = n + i;
    let op = g.op as OpCode;
    if (avail === 0 && arity(op) > 0) op = (8 + (g.a & 1)) as OpCode;
    ops[i] = op;
    a[i] = arity(op) >= 1 ? g.a % avail : -1;
    b[i] = arity(op) === 2 ? g.b % avail : -1;
  });
  return {
    name: 'arb',
    inputs: n > 0 ? [{ name: 'x', width: n }] : [],
    outputs: [{ name: 'y', wires: outs.map((o) => o % (n + T)) }],
    nInputs: n,
    ops,
    a,
    b,
  };
}

function circuitArb(maxInputs: number, maxGates: number, minInputs = 0): fc.Arbitrary<Circuit> {
  const gate = fc.record({ op: fc.integer({ min: 0, max: 9 }), a: fc.nat(), b: fc.nat() });
  return fc
    .record({
      n: fc.integer({ min: minInputs, max: maxInputs }),
      gates: fc.array(gate, { minLength: 1, maxLength: maxGates }),
      outs: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
    })
    .map(({ n, gates, outs }) => buildCircuit(n, gates, outs));
}

function outputsOf(c: Circuit, vectors: Uint8Array[]): string[] {
  return evalMany(c, vectors, outputWires(c)).map((v) => v.join(''));
}

describe('compile then verify on arbitrary small circuits', () => {
  const combos: [CotFormat, string][] = [['gate', 'f32'], ['4tok', 'f32'], ['gate', 'fixed:2'], ['4tok', 'fixed:2']];
  for (const [cot, arith] of combos) {
    it(`${cot} CoT, ${arith}: every input, teacher forcing and generation`, async () => {
      await fc.assert(
        fc.asyncProperty(circuitArb(4, 12), async (c) => {
          const r = await checkCot(c, cot, allInputs(c.nInputs), { arith, backend: 'cpu' });
          expect(r.failure).toBeUndefined();
          expect(r.ok).toBe(true);
        }),
        { numRuns: 100, seed: 42 },
      );
    });
  }
});

describe("the shrinker's edits", () => {
  it('keep circuits valid, and pruning dead gates keeps the function', () => {
    fc.assert(
      fc.property(circuitArb(5, 20), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), (c, mask) => {
        for (const e of [removeGates(c, mask), removeInputs(c, mask), keepOutputs(c, mask), pruneDead(c)]) {
          if (e) expect(circuitProblem(e)).toBeUndefined();
        }
        const p = pruneDead(c);
        const vs = allInputs(c.nInputs);
        expect(outputsOf(p, vs)).toEqual(outputsOf(c, vs));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("the parser fuzzer's writers", () => {
  const writers: [FormatName, (c: Circuit) => string | Uint8Array][] = [
    ['aag', writeAag],
    ['aig', writeAig],
    ['bench', writeBench],
    ['blif', writeBlif],
    ['bristol', (c) => writeCircuit(c, 'bristol')],
  ];
  for (const [format, write] of writers) {
    it(`${format}: the file reads back to the same function`, () => {
      fc.assert(
        fc.property(circuitArb(5, 15, 1), (c) => {
          const data = write(c);
          const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
          const back = parseCircuitBytes(bytes, { format, file: `t.${format}` });
          const vs = allInputs(c.nInputs);
          expect(back.nInputs).toBe(c.nInputs);
          expect(outputsOf(back, vs)).toEqual(outputsOf(c, vs));
        }),
        { numRuns: 150, seed: 11 },
      );
    });
  }
});

// ---------------------------------------------------------------- arbitrary .gc programs

type Expr =
  | { k: 'leaf'; pick: number }
  | { k: 'const'; text: string; v: 0 | 1 }
  | { k: 'not'; e: Expr }
  | { k: 'bin'; op: '&' | '^' | '|'; l: Expr; r: Expr }
  | { k: 'call'; gate: OpName; args: Expr[] }
  | { k: 'paren'; e: Expr };

const CONSTS: { text: string; v: 0 | 1 }[] = [
  { text: '0', v: 0 },
  { text: '1', v: 1 },
  { text: '0x1', v: 1 },
  { text: '0b0', v: 0 },
  { text: '0x0_0', v: 0 },
];
const MULTI: OpName[] = ['AND', 'OR', 'XOR', 'NAND', 'NOR', 'XNOR'];

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('leaf' as const), pick: fc.nat() }),
    fc.constantFrom(...CONSTS).map((c) => ({ k: 'const' as const, ...c })),
    fc.record({ k: fc.constant('not' as const), e: tie('expr') }),
    fc.record({ k: fc.constant('bin' as const), op: fc.constantFrom('&' as const, '^' as const, '|' as const), l: tie('expr'), r: tie('expr') }),
    fc.record({ k: fc.constant('call' as const), gate: fc.constantFrom(...MULTI), args: fc.array(tie('expr'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ k: fc.constant('call' as const), gate: fc.constantFrom<OpName>('NOT', 'BUF'), args: fc.array(tie('expr'), { minLength: 1, maxLength: 1 }) }),
    fc.record({ k: fc.constant('call' as const), gate: fc.constantFrom<OpName>('CONST0', 'CONST1'), args: fc.constant<Expr[]>([]) }),
    fc.record({ k: fc.constant('paren' as const), e: tie('expr') }),
  ),
}));

const PREC = { '|': 1, '^': 2, '&': 3 } as const;

/** The expression as .gc text; `names` are the wires it may read (leaves pick among them). */
function show(e: Expr, names: string[], minPrec = 0): string {
  switch (e.k) {
    case 'leaf':
      return names.length > 0 ? names[e.pick % names.length]! : '0';
    case 'const':
      return e.text;
    case 'not':
      return `~${show(e.e, names, 4)}`;
    case 'bin': {
      const p = PREC[e.op];
      // Left-associative: the right operand needs parentheses at equal precedence.
      const s = `${show(e.l, names, p)} ${e.op} ${show(e.r, names, p + 1)}`;
      return p < minPrec ? `(${s})` : s;
    }
    case 'call':
      return `${e.gate}(${e.args.map((x) => show(x, names)).join(', ')})`;
    case 'paren':
      return `(${show(e.e, names)})`;
  }
}

function value(e: Expr, names: string[], env: Map<string, number>): number {
  switch (e.k) {
    case 'leaf':
      return names.length > 0 ? env.get(names[e.pick % names.length]!)! : 0;
    case 'const':
      return e.v;
    case 'not':
      return 1 ^ value(e.e, names, env);
    case 'paren':
      return value(e.e, names, env);
    case 'bin': {
      const x = value(e.l, names, env);
      const y = value(e.r, names, env);
      return e.op === '&' ? x & y : e.op === '^' ? x ^ y : x | y;
    }
    case 'call': {
      const v = e.args.map((x) => value(x, names, env));
      const and = v.reduce((s, x) => s & x, 1);
      const or = v.reduce((s, x) => s | x, 0);
      const xor = v.reduce((s, x) => s ^ x, 0);
      const r: Record<OpName, number> = { AND: and, OR: or, XOR: xor, NAND: 1 ^ and, NOR: 1 ^ or, XNOR: 1 ^ xor, NOT: 1 ^ v[0]!, BUF: v[0]!, CONST0: 0, CONST1: 1 };
      return r[e.gate];
    }
  }
}

const IN_NAMES = ['a', 'b2', 'p.q'];
const OUT_NAMES = ['s', 'o$x'];

interface Program {
  header: string | null;
  inWidths: number[];
  outWidths: number[];
  temps: Expr[];
  outExprs: Expr[];
  shuffle: number;
  comments: boolean;
  testInput: number;
}

const programArb: fc.Arbitrary<Program> = fc.record({
  header: fc.option(fc.constantFrom('add', 'c.1', '"a circuit"')),
  inWidths: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }),
  outWidths: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
  temps: fc.array(expr, { maxLength: 4 }),
  outExprs: fc.array(expr, { minLength: 6, maxLength: 6 }),
  shuffle: fc.nat(),
  comments: fc.boolean(),
  testInput: fc.nat(),
});

function bits(name: string, width: number): string[] {
  return width === 1 ? [name] : Array.from({ length: width }, (_, k) => `${name}[${k}]`);
}

interface Rendered {
  text: string;
  inputBits: string[];
  /** Output bits of every input vector (wire k of the inputs = bit k of the vector index). */
  truth: string[];
  test: { inputs: Record<string, bigint>; expect: Record<string, bigint> };
}

function render(p: Program): Rendered {
  const ins = p.inWidths.map((w, i) => ({ name: IN_NAMES[i]!, width: w }));
  const outs = p.outWidths.map((w, i) => ({ name: OUT_NAMES[i]!, width: w }));
  const inputBits = ins.flatMap((g) => bits(g.name, g.width));
  const outBits = outs.flatMap((g) => bits(g.name, g.width));
  // Temp j reads inputs and earlier temps; output bits read inputs and all temps.
  const tempNames = p.temps.map((_, j) => `t${j}`);
  const stmts: { lhs: string; e: Expr; names: string[] }[] = [
    ...p.temps.map((e, j) => ({ lhs: tempNames[j]!, e, names: [...inputBits, ...tempNames.slice(0, j)] })),
    ...outBits.map((lhs, k) => ({ lhs, e: p.outExprs[k % p.outExprs.length]!, names: [...inputBits, ...tempNames] })),
  ];
  const evalAll = (x: number): Map<string, number> => {
    const env = new Map<string, number>(inputBits.map((b, k) => [b, (x >> k) & 1]));
    for (const s of stmts) env.set(s.lhs, value(s.e, s.names, env));
    return env;
  };
  const groupValues = (groups: { name: string; width: number }[], env: Map<string, number>): Record<string, bigint> =>
    Object.fromEntries(groups.map((g) => [g.name, bits(g.name, g.width).reduce((v, b, k) => v | (BigInt(env.get(b)!) << BigInt(k)), 0n)]));
  const truth = Array.from({ length: 2 ** inputBits.length }, (_, x) => {
    const env = evalAll(x);
    return outBits.map((b) => env.get(b)!).join('');
  });
  const tx = p.testInput % 2 ** inputBits.length;
  const test = { inputs: groupValues(ins, evalAll(tx)), expect: groupValues(outs, evalAll(tx)) };
  const pairs = (r: Record<string, bigint>): string => Object.entries(r).map(([k, v]) => ` ${k}=0x${v.toString(16)}`).join('');
  // Statements come in any order (a deterministic shuffle); declarations come first.
  const body = [...stmts.map((s) => `${s.lhs} = ${show(s.e, s.names)};`), `test${pairs(test.inputs)} ->${pairs(test.expect)};`];
  let r = p.shuffle;
  for (let i = body.length - 1; i > 0; i--) {
    const j = r % (i + 1);
    r = Math.floor(r / (i + 1)) + 7 * i;
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  const decl = (kw: string, gs: { name: string; width: number }[]): string[] =>
    gs.length === 0 ? [] : [`${kw} ${gs.map((g) => (g.width === 1 ? g.name : `${g.name}[${g.width}]`)).join(', ')};`];
  const lines = [...(p.header ? [`circuit ${p.header};`] : []), ...decl('input', ins), ...decl('output', outs), ...body];
  const text = p.comments ? lines.map((l, i) => (i % 2 ? `${l} // line ${i}` : `/* ${i} */ ${l}`)).join('\n') : lines.join('\n');
  return { text: text + '\n', inputBits, truth, test };
}

describe('parse-print-parse on arbitrary .gc programs', () => {
  it('the parser computes what the program says, and the writer prints the same circuit', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        const r = render(p);
        const c1 = parseCircuitText(r.text, { format: 'gc', file: 'p.gc' });
        const vs = allInputs(c1.nInputs);
        expect(c1.nInputs).toBe(r.inputBits.length);
        expect(outputsOf(c1, vs)).toEqual(r.truth);
        expect(c1.tests).toHaveLength(1);
        expect(c1.tests![0]!.inputs).toEqual(expect.objectContaining(r.test.inputs));
        expect({ ...c1.tests![0]!.expect }).toEqual(r.test.expect);
        const t1 = writeCircuit(c1, 'gc');
        const c2 = parseCircuitText(t1, { format: 'gc', file: 'w.gc' });
        expect(c2.inputs).toEqual(c1.inputs);
        expect(c2.outputs.map((o) => [o.name, o.wires.length])).toEqual(c1.outputs.map((o) => [o.name, o.wires.length]));
        expect(outputsOf(c2, vs)).toEqual(r.truth);
        expect(writeCircuit(c2, 'gc')).toBe(t1);
      }),
      { numRuns: 400, seed: 5 },
    );
  });
});
