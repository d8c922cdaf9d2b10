import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evalOutputsOne } from '../circuits/eval.js';
import { Op, OP_NAMES, type Circuit } from '../circuits/ir.js';
import { parseBench } from '../circuits/parsers/bench.js';
import { sourceFromBytes, sourceFromText } from '../circuits/source.js';
import { expectOnlyCircuitErrors, mutants, rng } from './fixtures/mutate.js';
import { shared, testVectors } from './shared.js';
import { errorOf, truthTable } from './fixtures/circuits.js';

function load(name: string): Circuit {
  const path = shared(`iscas85/${name}.bench`);
  return parseBench(sourceFromBytes(readFileSync(path), path));
}

function bench(text: string): Circuit {
  return parseBench(sourceFromText(text, 'x.bench'));
}



/** SOURCES.md, iscas85 table: PI, PO and the gates of each type. */
const TABLE: Record<string, { pi: number; po: number; gates: Record<string, number> }> = {
  c17: { pi: 5, po: 2, gates: { NAND: 6 } },
  c432: { pi: 36, po: 7, gates: { NAND: 79, NOR: 19, NOT: 40, XOR: 18, AND: 4 } },
  c499: { pi: 41, po: 32, gates: { XOR: 104, AND: 56, NOT: 40, OR: 2 } },
  c880: { pi: 60, po: 26, gates: { AND: 117, NAND: 87, NOR: 61, NOT: 63, OR: 29, BUF: 26 } },
  c1355: { pi: 41, po: 32, gates: { NAND: 416, AND: 56, NOT: 40, BUF: 32, OR: 2 } },
  c1908: { pi: 33, po: 25, gates: { NAND: 377, NOT: 277, BUF: 162, AND: 63, NOR: 1 } },
  c2670: { pi: 233, po: 140, gates: { AND: 333, NOT: 321, NAND: 254, BUF: 196, OR: 77, NOR: 12 } },
  c3540: { pi: 50, po: 22, gates: { AND: 498, NOT: 490, NAND: 298, BUF: 223, OR: 92, NOR: 68 } },
  c5315: { pi: 178, po: 123, gates: { AND: 718, NOT: 581, NAND: 454, BUF: 313, OR: 214, NOR: 27 } },
  c6288: { pi: 32, po: 32, gates: { NOR: 2128, AND: 256, NOT: 32 } },
  c7552: { pi: 207, po: 108, gates: { NAND: 1028, NOT: 876, AND: 776, BUF: 534, OR: 244, NOR: 54 } },
};

/** Gate lines of a .bench file read with a regular expression: type and fan-in. */
function gateLines(text: string): { type: string; fanIn: number }[] {
  const out: { type: string; fanIn: number }[] = [];
  for (const m of text.matchAll(/^\s*[^#\s=]+\s*=\s*([A-Za-z]+)\s*\(([^)]*)\)/gm)) {
    out.push({ type: m[1]!.toUpperCase().replace(/^BUFF$/, 'BUF'), fanIn: m[2]!.split(',').length });
  }
  return out;
}

/** The 2-input gates each line should lower to, counted independently of the builder. */
function expectedOps(lines: { type: string; fanIn: number }[]): Record<string, number> {
  const ops: Record<string, number> = {};
  const add = (op: string, n: number) => {
    if (n > 0) ops[op] = (ops[op] ?? 0) + n;
  };
  const inner: Record<string, string> = { AND: 'AND', OR: 'OR', XOR: 'XOR', NAND: 'AND', NOR: 'OR', XNOR: 'XOR' };
  for (const { type, fanIn } of lines) {
    if (type === 'NOT' || type === 'BUF') add(type, 1);
    else if (fanIn === 1) add(type.startsWith('N') || type === 'XNOR' ? 'NOT' : 'BUF', 1);
    else if (type === 'NAND' || type === 'NOR' || type === 'XNOR') {
      add(inner[type]!, fanIn - 2);
      add(type, 1);
    } else add(type, fanIn - 1);
  }
  return ops;
}

function opCounts(c: Circuit): Record<string, number> {
  const ops: Record<string, number> = {};
  for (const o of c.ops) ops[OP_NAMES[o]!] = (ops[OP_NAMES[o]!] ?? 0) + 1;
  return ops;
}

describe('ISCAS-85 circuits', () => {
  for (const [name, row] of Object.entries(TABLE)) {
    it(`${name}: widths, gate lines and lowered gates`, () => {
      const text = readFileSync(shared(`iscas85/${name}.bench`), 'utf8');
      const c = load(name);
      expect(c.nInputs).toBe(row.pi);
      expect(c.outputs.reduce((s, g) => s + g.wires.length, 0)).toBe(row.po);
      expect(c.inputs.map((g) => g.name)).toEqual(['in']);
      expect(c.outputs.map((g) => g.name)).toEqual(['out']);
      const lines = gateLines(text);
      const perType: Record<string, number> = {};
      for (const l of lines) perType[l.type] = (perType[l.type] ?? 0) + 1;
      expect(perType).toEqual(row.gates);
      expect(opCounts(c)).toEqual(expectedOps(lines));
      // Every input and gate keeps its source name.
      const names = new Set(c.wireNames);
      for (const m of text.matchAll(/^\s*([^#\s=]+)\s*=/gm)) expect(names.has(m[1]!)).toBe(true);
    });
  }

  it('c432 has a 9-input gate', () => {
    expect(Math.max(...gateLines(readFileSync(shared('iscas85/c432.bench'), 'utf8')).map((l) => l.fanIn))).toBe(9);
  });

  it('c2670 passes 76 inputs straight to outputs, c7552 one', () => {
    for (const [name, n] of [['c2670', 76], ['c7552', 1]] as const) {
      const c = load(name);
      const through = c.outputs[0]!.wires.filter((w) => w < c.nInputs);
      expect(through.length).toBe(n);
      const r = rng(3);
      const bits = Array.from({ length: c.nInputs }, () => (r() < 0.5 ? 1 : 0));
      const out = evalOutputsOne(c, bits);
      c.outputs[0]!.wires.forEach((w, k) => {
        if (w < c.nInputs) expect(out[k]).toBe(bits[w]);
      });
    }
    const c = load('c7552');
    expect(c.outputs[0]!.wires.filter((w) => w < c.nInputs).map((w) => c.wireNames?.[w])).toEqual(['G339']);
  });

  it("c17's full truth table (test-vectors.json), also in the numeric style", () => {
    const entry = testVectors().named_vectors.find((v) => v.file === 'iscas85/c17.bench') as { truth_table: string[]; inputs_order: string[] };
    for (const name of ['c17', 'c17-numeric-style']) {
      const c = load(name);
      if (name === 'c17') expect(c.wireNames?.slice(0, 5)).toEqual(entry.inputs_order);
      expect(entry.truth_table.length).toBe(32);
      for (const row of entry.truth_table) {
        const [ins, outs] = row.split(':') as [string, string];
        expect(Array.from(evalOutputsOne(c, Array.from(ins, Number))).join('')).toBe(outs);
      }
    }
  });

  it('c6288 is a 16x16 multiplier (product bits 30 and 31 swapped)', () => {
    const entry = testVectors().named_vectors.find((v) => v.file === 'iscas85/c6288.bench') as { vectors: { a: string; b: string; product: string }[] };
    const c = load('c6288');
    const check = (a: number, b: number) => {
      const bits = [...Array.from({ length: 16 }, (_, k) => (a >> k) & 1), ...Array.from({ length: 16 }, (_, k) => (b >> k) & 1)];
      const out = evalOutputsOne(c, bits);
      const order = [...Array.from({ length: 30 }, (_, k) => k), 31, 30];
      let p = 0n;
      order.forEach((o, k) => {
        if (out[o]) p |= 1n << BigInt(k);
      });
      expect(p).toBe(BigInt(a) * BigInt(b));
    };
    expect(entry.vectors.length).toBe(4);
    for (const v of entry.vectors) {
      expect(BigInt(parseInt(v.a, 16)) * BigInt(parseInt(v.b, 16))).toBe(BigInt('0x' + v.product));
      check(parseInt(v.a, 16), parseInt(v.b, 16));
    }
    const r = rng(5);
    for (let k = 0; k < 50; k++) check(Math.floor(r() * 65536), Math.floor(r() * 65536));
  });
});

describe('.bench syntax', () => {
  it('accepts any order, any case, comments and wide gates', () => {
    const c = bench([
      'OUTPUT(p)  # declared before its driver',
      'output(q)',
      'p = xor(t, i8)',
      't = XOR(i0, i1, i2, i3, i4, i5, i6, i7)',
      'q = NXOR(i0, i1, i2)',
      ...Array.from({ length: 9 }, (_, k) => `Input ( i${k} )`),
    ].join('\r\n'));
    expect(c.nInputs).toBe(9);
    expect(c.wireNames?.slice(0, 9)).toEqual(Array.from({ length: 9 }, (_, k) => `i${k}`));
    const parity = (x: number, n: number) => {
      let p = 0;
      for (let k = 0; k < n; k++) p ^= (x >> k) & 1;
      return p;
    };
    expect(truthTable(c)).toEqual(Array.from({ length: 512 }, (_, x) => `${parity(x, 9)}${1 - parity(x, 3)}`));
  });

  it('lowers each gate type as the table says', () => {
    const c = bench('INPUT(a)\nINPUT(b)\nINPUT(c)\nOUTPUT(o1)\nOUTPUT(o2)\nOUTPUT(o3)\nOUTPUT(o4)\nOUTPUT(o5)\nOUTPUT(o6)\nOUTPUT(o7)\nOUTPUT(o8)\n' +
      'o1 = AND(a, b, c)\no2 = OR(a, b, c)\no3 = NAND(a, b, c)\no4 = NOR(a, b, c)\no5 = XNOR(a, b)\no6 = NOT(a)\no7 = BUFF(b)\no8 = BUF(a)\n');
    expect(truthTable(c)).toEqual(Array.from({ length: 8 }, (_, x) => {
      const [a, b, cc] = [x & 1, (x >> 1) & 1, (x >> 2) & 1];
      return [a & b & cc, a | b | cc, 1 - (a & b & cc), 1 - (a | b | cc), 1 - (a ^ b), 1 - a, b, a].join('');
    }));
    expect(Array.from(c.ops).filter((o) => o === Op.NAND).length).toBe(1);
  });

  const cases: [string, string][] = [
    ['INPUT(a)\nOUTPUT(y)\ny = FOO(a)\n', "x.bench:3:5: unknown gate type 'FOO' (expected AND, OR, NAND, NOR, XOR, XNOR (NXOR), NOT, BUF (BUFF))"],
    ['INPUT(a)\nOUTPUT(y)\ny = dff(a)\n', 'x.bench:3:5: sequential element DFF is not supported: gatecot compiles combinational circuits only'],
    ['INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = AND(a, b\n', "x.bench:4:13: expected ')' or ',' in the inputs of AND, found the end of the line"],
    ['INPUT(a)\nOUTPUT(y)\ny = AND a, b\n', "x.bench:3:9: expected '(' after the gate type AND, found 'a'"],
    ['INPUT a\n', "x.bench:1:7: expected '(' after INPUT, found 'a'"],
    ['INPUT(a b)\n', "x.bench:1:9: expected ')' after INPUT(a, found 'b'"],
    ['INPUT()\n', "x.bench:1:7: expected the input name, found ')'"],
    ['INPUT(a)\nOUTPUT(y)\ny = AND()\n', "x.bench:3:9: expected an input of AND, found ')'"],
    ['INPUT(a)\nOUTPUT(y)\ny = AND(a,)\n', "x.bench:3:11: expected an input of AND after ',', found ')'"],
    ['INPUT(a)\nOUTPUT(y)\ny = BUF(a) junk\n', "x.bench:3:12: unexpected 'junk' after BUF(...)"],
    ['INPUT(a)\nOUTPUT(y)\n= AND(a)\n', "x.bench:3:1: expected 'INPUT(name)', 'OUTPUT(name)' or 'name = GATE(inputs)', found '='"],
    ['INPUT(a)\nOUTPUT(y)\ny AND(a)\n', "x.bench:3:1: expected 'INPUT(name)', 'OUTPUT(name)' or 'name = GATE(inputs)', found 'y'"],
    ['INPUT(a)\nOUTPUT(y)\ny = \n', 'x.bench:3:5: expected a gate type, found the end of the line'],
    ['INPUT(a)\nINPUT(b)\nOUTPUT(y)\ny = NOT(a, b)\n', 'x.bench:4:5: NOT takes 1 input, got 2'],
    ['INPUT(a)\nOUTPUT(y)\ny = AND(a, z)\n', "x.bench:3:12: wire 'z' is used but never driven"],
    ['INPUT(a)\nOUTPUT(y)\nOUTPUT(q)\ny = NOT(a)\n', "x.bench:3:8: output 'q' of 'out' is driven by nothing"],
    ['INPUT(a)\nOUTPUT(y)\ny = NOT(a)\ny = BUF(a)\n', "x.bench:4:1: wire 'y' is driven twice (first driven at line 3)"],
    ['INPUT(a)\nOUTPUT(y)\ny = NOT(a)\na = BUF(y)\n', "x.bench:4:1: wire 'a' is an input (line 1) and cannot be driven by a gate"],
    ['INPUT(a)\nOUTPUT(y)\nINPUT(a)\ny = NOT(a)\n', "x.bench:3:7: input 'a' is declared twice (first at line 1)"],
    ['INPUT(a)\nOUTPUT(y)\ny = AND(a, w)\nw = NOT(y)\n', "x.bench:3:1: combinational cycle through wire 'y'"],
    ['# nothing\n', 'x.bench:1:1: empty circuit: it declares no outputs'],
  ];
  for (const [text, message] of cases) {
    it(message.slice(0, 70), () => {
      expect(errorOf(() => bench(text)).message).toBe(message);
    });
  }
});

describe('.bench robustness', () => {
  it('answers damaged files with located CircuitErrors', () => {
    let rejected = 0;
    ['c17', 'c432', 'c499', 'c17-numeric-style'].forEach((name, i) => {
      const bytes = readFileSync(shared(`iscas85/${name}.bench`));
      rejected += expectOnlyCircuitErrors(parseBench, mutants(bytes, 300, 100 + i), 'm.bench');
    });
    expect(rejected).toBeGreaterThan(300);
  });
});
