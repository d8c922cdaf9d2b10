import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evalMany, evalOutputsOne } from '../circuits/eval.js';
import { Op, type Circuit } from '../circuits/ir.js';
import { parseAag, parseAig } from '../circuits/parsers/aiger.js';
import { sourceFromBytes, sourceFromText } from '../circuits/source.js';
import { expectOnlyCircuitErrors, mutants, rng } from './fixtures/mutate.js';
import { shared, testVectors } from './shared.js';
import { errorOf, truthTable } from './fixtures/circuits.js';

function load(rel: string): Circuit {
  const src = sourceFromBytes(readFileSync(shared(rel)), shared(rel));
  return rel.endsWith('.aig') ? parseAig(src) : parseAag(src);
}

function aag(text: string): Circuit {
  return parseAag(sourceFromText(text, 'x.aag'));
}

function aig(bytes: Uint8Array): Circuit {
  return parseAig(sourceFromBytes(bytes, 'x.aig'));
}



function expectedTable(nIn: number, f: (x: number[]) => number[]): string[] {
  return Array.from({ length: 1 << nIn }, (_, x) => f(Array.from({ length: nIn }, (_, k) => (x >> k) & 1)).join(''));
}

/** Binary AIGER of an ASCII one, or undefined unless its inputs are 2..2I and its ANDs
 * lhs = 2(I+k+1) in order (the binary format's implicit numbering). */
function toAig(text: string): Uint8Array | undefined {
  const lines = text.split('\n');
  const [, M, I, L, O, A] = lines[0]!.split(' ').map(Number) as [number, number, number, number, number, number];
  if (M !== I + A) return undefined;
  for (let k = 0; k < I; k++) if (Number(lines[1 + k]) !== 2 * (k + 1)) return undefined;
  for (let k = 0; k < A; k++) if (Number(lines[1 + I + O + k]!.split(' ')[0]) !== 2 * (I + k + 1)) return undefined;
  const out: number[] = [...new TextEncoder().encode(`aig ${M} ${I} ${L} ${O} ${A}\n`)];
  for (let k = 0; k < O; k++) out.push(...new TextEncoder().encode(`${lines[1 + I + k]}\n`));
  const varint = (x: number): void => {
    while (x >= 0x80) {
      out.push((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    out.push(x);
  };
  for (let k = 0; k < A; k++) {
    const [lhs, a, b] = lines[1 + I + O + k]!.split(' ').map(Number) as [number, number, number];
    const [r0, r1] = a >= b ? [a, b] : [b, a];
    varint(lhs - r0);
    varint(r0 - r1);
  }
  out.push(...new TextEncoder().encode(lines.slice(1 + I + O + A).join('\n')));
  return Uint8Array.from(out);
}

function randomVectors(n: number, count: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)));
}

const SEQUENTIAL = ['cnt1', 'cnt1e', 'notcnt1', 'notcnt1e', 'toggle', 'toggle-re'];

describe('AIGER examples', () => {
  const files = readdirSync(shared('aiger')).filter((f) => f.endsWith('.aag'));

  it('has the expected example files', () => {
    expect(files.length).toBe(16);
  });

  for (const f of files) {
    const base = f.replace(/\.aag$/, '');
    if (SEQUENTIAL.includes(base)) {
      it(`rejects the sequential ${f}`, () => {
        const e = errorOf(() => load(`aiger/${f}`));
        expect(e.kind).toBe('unsupported');
        expect(e.message).toBe(`${shared(`aiger/${f}`)}:1:1: sequential AIGER (L=1 latches) is not supported: gatecot compiles combinational circuits only`);
      });
    } else if (base === 'empty') {
      it('rejects empty.aag as an empty circuit', () => {
        const e = errorOf(() => load('aiger/empty.aag'));
        expect(e.kind).toBe('empty');
        expect(e.message).toBe(`${shared('aiger/empty.aag')}:1:1: empty circuit: the AIGER header declares no outputs (O=0)`);
      });
    } else {
      it(`parses ${f}, also as binary AIGER where the numbering allows`, () => {
        const c = load(`aiger/${f}`);
        const bytes = toAig(readFileSync(shared(`aiger/${f}`), 'utf8'));
        if (base === 'halfadder') expect(bytes).toBeUndefined(); // M=7 with gaps: ASCII only
        else expect(bytes).toBeDefined();
        if (!bytes) return;
        const b = aig(bytes);
        expect(b.inputs).toEqual(c.inputs);
        expect(truthTable(b)).toEqual(truthTable(c));
      });
    }
  }

  const cases: [string, number, (x: number[]) => number[]][] = [
    ['and', 2, ([a, b]) => [a! & b!]],
    ['or', 2, ([a, b]) => [a! | b!]],
    ['xor1', 2, ([a, b]) => [a! ^ b!]],
    ['halfadder', 2, ([x, y]) => [x! ^ y!, x! & y!]],
    ['inverter', 1, ([a]) => [1 - a!]],
    ['buffer', 1, ([a]) => [a!]],
    ['true', 0, () => [1]],
    ['false', 0, () => [0]],
    ['xorxormiter', 2, () => [0]],
  ];
  for (const [name, nIn, f] of cases) {
    it(`${name}.aag computes what it means (exhaustive)`, () => {
      const c = load(`aiger/${name}.aag`);
      expect(c.nInputs).toBe(nIn);
      expect(truthTable(c)).toEqual(expectedTable(nIn, f));
    });
  }

  it('maps literals to AND, shared NOT and constant gates', () => {
    const count = (c: Circuit, op: number) => Array.from(c.ops).filter((o) => o === op).length;
    const xor = load('aiger/xor1.aag'); // 7 = NOT 6, 9 = NOT 8, and ¬a ∧ ¬b: one NOT per variable
    expect(count(xor, Op.AND)).toBe(3);
    expect(count(xor, Op.NOT)).toBe(4);
    expect(load('aiger/buffer.aag').ops.length).toBe(0); // the output is the input wire itself
    expect(Array.from(load('aiger/inverter.aag').ops)).toEqual([Op.NOT]);
    expect(Array.from(load('aiger/true.aag').ops)).toEqual([Op.CONST1]);
    expect(Array.from(load('aiger/false.aag').ops)).toEqual([Op.CONST0]);
  });

  it('names wires and groups from the symbol table', () => {
    const c = load('aiger/halfadder.aag');
    expect(c.inputs).toEqual([{ name: 'in', width: 2 }]);
    expect(c.wireNames?.slice(0, 2)).toEqual(['x', 'y']);
    expect(c.outputs.map((g) => g.wires.map((w) => c.wireNames?.[w]))).toEqual([['s', 'c']]);
    const named = aag('aag 3 2 0 2 1\n2\n4\n6\n7\n6 2 4\ni0 a[0]\ni1 a[1]\no0 f[0]\no1 f[1]\nc\nanything \u0000 goes\n');
    expect(named.inputs).toEqual([{ name: 'a', width: 2 }]);
    expect(named.outputs.map((g) => [g.name, g.wires.length])).toEqual([['f', 2]]);
  });

  it('accepts ANDs in any order, outputs that are inputs or constants, and a 1.9 header of zeros', () => {
    const c = aag('aag 11 2 0 4 9 0 0 0 0\n2\n4\n22\n3\n1\n0\n22 19 21\n20 11 16\n18 10 17\n16 13 15\n14 3 4\n12 2 5\n10 7 9\n8 3 5\n6 2 4\n');
    expect(truthTable(c)).toEqual(expectedTable(2, ([a]) => [0, 1 - a!, 1, 0]));
    // Inputs keep their file order whatever their literals: input 0 is literal 4 here.
    const swapped = aag('aag 3 2 0 1 1\n4\n2\n6\n6 2 5\n');
    expect(truthTable(swapped)).toEqual(expectedTable(2, ([in0, in1]) => [in1! & (1 - in0!)]));
  });

  it('handles a huge M with few variables without allocating for M', () => {
    const c = aag('aag 500000000 1 0 1 1\n999999998\n4\n4 999999998 999999999\n');
    expect(truthTable(c)).toEqual(['0', '0']);
    const big = aag('aag 536870911 1 0 1 0\n1073741822\n1073741823\n');
    expect(truthTable(big)).toEqual(['1', '0']);
  });
});

describe('AIGER errors', () => {
  const cases: [string, string][] = [
    ['', 'x.aag:1:1: expected the AIGER header \'aag M I L O A\' on line 1'],
    ['aag 3 2 0 1\n', 'x.aag:1:12: expected A (number of AND gates) at the end of the line'],
    ['aag 3 2 x 1 1\n', "x.aag:1:9: expected L (number of latches), found 'x'"],
    ['aig 3 2 0 1 1\n', "x.aag:1:1: expected the AIGER header 'aag M I L O A', found 'aig' (this is binary AIGER: read it as format 'aig')"],
    ['aag 1 0 1 0 0 1\n2 3\n2\n', 'x.aag:1:1: sequential AIGER (L=1 latches) is not supported: gatecot compiles combinational circuits only'],
    ['aag 1 1 0 1 0 1\n2\n2\n3\n', 'x.aag:1:1: AIGER properties (B=1 bad-state properties) are not supported: gatecot compiles combinational circuits only'],
    ['aag 1 1 0 1 0 0 0 0 2\n2\n2\n', 'x.aag:1:1: AIGER properties (F=2 fairness properties) are not supported: gatecot compiles combinational circuits only'],
    ['aag 1 1 0 1 0 0 0 0 0 0\n2\n2\n', "x.aag:1:23: unexpected '0' after the header fields M I L O A B C J F"],
    ['aag 600000000 1 0 1 0\n2\n2\n', 'x.aag:1:1: M=600000000 is too large (at most 536870911 variables are supported)'],
    ['aag 2 2 0 1 1\n2\n4\n6\n6 2 4\n', 'x.aag:1:1: I + L + A = 3 variables do not fit below M=2'],
    ['aag 1 1 0 1 0\n2\n4\n', 'x.aag:3:1: literal 4 is out of range: M=1 allows literals up to 3'],
    ['aag 1 1 0 1 0\n3\n2\n', 'x.aag:2:1: input literal 3 is odd (negated): inputs must be even literals'],
    ['aag 2 2 0 1 0\n2\n2\n2\n', 'x.aag:3:1: input literal 2 is already input 0 (line 2)'],
    ['aag 3 2 0 1 1\n2\n4\n6\n7 2 4\n', 'x.aag:5:1: AND gate lhs 7 is odd (negated): an AND gate defines an even literal'],
    ['aag 3 2 0 1 1\n2\n4\n6\n4 2 2\n', 'x.aag:5:1: AND gate lhs 4 is input 1 (line 3)'],
    ['aag 4 2 0 1 2\n2\n4\n6\n6 2 4\n6 3 5\n', 'x.aag:6:1: AND gate lhs 6 is already defined by the AND gate on line 5'],
    ['aag 3 2 0 1 1\n2\n4\n6\n0 2 4\n', 'x.aag:5:1: AND gate lhs 0 is the constant FALSE and cannot be redefined'],
    ['aag 4 2 0 1 1\n2\n4\n6\n6 2 8\n', 'x.aag:5:5: literal 8 uses variable 4, which is neither an input nor an AND gate'],
    ['aag 4 2 0 1 1\n2\n4\n9\n6 2 4\n', 'x.aag:4:1: literal 9 uses variable 4, which is neither an input nor an AND gate'],
    ['aag 4 1 0 1 2\n2\n6\n6 8 2\n8 6 2\n', 'x.aag:5:3: combinational cycle: AND gate 8 uses literal 6, which depends on AND gate 8'],
    ['aag 2 1 0 1 1\n2\n4\n4 5 2\n', 'x.aag:4:3: combinational cycle: AND gate 4 uses literal 5, which depends on AND gate 4'],
    ['aag 3 2 0 1 1\n2\n4\n6\n', "x.aag:5:1: unexpected end of file: expected AND gate 0 'lhs rhs0 rhs1' (the header declares A=1 AND gates)"],
    ['aag 3 2 0 1 1\n2\n4\n', 'x.aag:4:1: unexpected end of file: expected the literal of output 0 (the header declares O=1 outputs)'],
    ['aag 3 2 0 1 1\n2\n4\n6\n6 2 4 8\n', "x.aag:5:7: unexpected '8' after AND gate 6"],
    ['aag 3 2 0 1 1\n2\nx4\n', "x.aag:3:1: expected the literal of input 1, found 'x4'"],
    ['aag 3 2 0 1 1\n2\n4\n6\n6 2\n', 'x.aag:5:4: expected the second operand of AND gate 6 at the end of the line'],
    ['aag 1 1 0 1 0\n2\n2\n12345678901\n', "x.aag:4:1: expected a symbol like 'i0 name' or 'o0 name', or the comment line 'c', found '12345678901'"],
    ['aag 1 1 0 1 0\n2\n99999999999\n', "x.aag:3:1: the literal of output 0 '99999999999' is too large"],
    ['aag 1 1 0 1 0\n2\n2\ni1 x\n', 'x.aag:4:1: symbol for input 1, but the file has only 1 input'],
    ['aag 1 1 0 1 0\n2\n2\nl0 x\n', 'x.aag:4:1: symbol for latch 0, but the file has no latches'],
    ['aag 1 1 0 1 0\n2\n2\ni0 x\ni0 y\n', 'x.aag:5:1: input 0 is named twice'],
    ['aag 1 1 0 1 0\n2\n2\ni0\n', "x.aag:4:1: expected 'i<position> <name>' in the symbol table"],
    ['aag 1 1 0 1 0\n2\n2\ni0 \n', 'x.aag:4:4: empty name for input 0'],
    ['aag 0 0 0 0 0\n', 'x.aag:1:1: empty circuit: the AIGER header declares no outputs (O=0)'],
  ];
  for (const [text, message] of cases) {
    it(`${JSON.stringify(text).slice(0, 60)}`, () => {
      expect(errorOf(() => aag(text)).message).toBe(message);
    });
  }

  it('does not allocate what a lying header promises (an allocation of 10^8 entries would exhaust the test worker)', () => {
    expect(errorOf(() => aag('aag 536870911 100000000 0 100000000 100000000\n2\n')).message).toMatch(/^x\.aag:3:1: unexpected end of file/);
  });
});

describe('binary AIGER errors', () => {
  const bin = (head: string, tail: number[] = []): Uint8Array => Uint8Array.from([...new TextEncoder().encode(head), ...tail]);
  const cases: [Uint8Array, string][] = [
    [bin('aig 3 2 0 1 1\n6\n', [2]), 'x.aig:3:1: truncated binary AIGER: 1 AND gates need at least 2 bytes from byte 16, but the file has 1'],
    [bin('aig 3 2 0 1 1\n6\n', [0x82, 0x80]), 'x.aig:3:1: truncated binary AIGER: delta0 of AND gate 0 runs past the end of the file (starts at byte 16)'],
    [bin('aig 3 2 0 1 1\n6\n', [2, 0x80]), 'x.aig:3:2: truncated binary AIGER: delta1 of AND gate 0 runs past the end of the file (starts at byte 17)'],
    [bin('aig 3 2 0 1 1\n6\n', [0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0]), 'x.aig:3:1: delta0 of AND gate 0 at byte 16 is longer than 5 bytes (overflows 32 bits)'],
    [bin('aig 3 2 0 1 1\n6\n', [0xff, 0xff, 0xff, 0xff, 0x7f, 0]), 'x.aig:3:1: delta0 of AND gate 0 at byte 16 overflows 32 bits'],
    [bin('aig 3 2 0 1 1\n6\n', [7, 0]), 'x.aig:3:1: AND gate 0 (lhs 6) at byte 16: delta0=7 gives a negative literal'],
    [bin('aig 3 2 0 1 1\n6\n', [0, 0]), 'x.aig:3:1: AND gate 0 (lhs 6) at byte 16: delta0=0 makes the gate its own operand'],
    [bin('aig 3 2 0 1 1\n6\n', [2, 5]), 'x.aig:3:1: AND gate 0 (lhs 6) at byte 16: delta1=5 gives a negative literal (rhs0 is 4)'],
    [bin('aig 4 2 0 1 1\n6\n', [2, 2]), 'x.aig:1:1: binary AIGER requires M = I + L + A, but M=4 and I + L + A = 3'],
    [bin('aig 3 2 0 1 1\n8\n', [2, 2]), 'x.aig:2:1: literal 8 is out of range: M=3 allows literals up to 7'],
    [bin('aig 3 2 0 1 1\n'), 'x.aig:2:1: unexpected end of file: expected the literal of output 0 (the header declares O=1 outputs)'],
    [bin('aig 3 2 0 1 1\n6\n', [2, 2, 0x78]), "x.aig:3:3: expected a symbol like 'i0 name' or 'o0 name', or the comment line 'c', found 'x'"],
    [bin('aig 3 2 0 1 1\n6\n', [2, 2, ...new TextEncoder().encode('i0 a\ni3 b\n')]), 'x.aig:4:1: symbol for input 3, but the file has only 2 inputs'],
    [bin('aig 2000000 2000000 0 1 0\n2\n'), 'x.aig:1:1: I=2000000 inputs is too many (at most 1048576 are supported)'],
    [bin('aag 3 2 0 1 1\n'), "x.aig:1:1: expected the AIGER header 'aig M I L O A', found 'aag' (this is ASCII AIGER: read it as format 'aag')"],
    [bin('aig 1 0 1 0 0 1\n'), 'x.aig:1:1: sequential AIGER (L=1 latches) is not supported: gatecot compiles combinational circuits only'],
  ];
  for (const [bytes, message] of cases) {
    it(message.slice(0, 70), () => {
      expect(errorOf(() => aig(bytes)).message).toBe(message);
    });
  }

  it('reads symbols with UTF-8 names after the binary section', () => {
    const c = aig(bin('aig 3 2 0 1 1\n6\n', [2, 2, ...new TextEncoder().encode('i0 \u00e9[0]\ni1 \u00e9[1]\no0 s\nc\n\u0000\u00ff')]));
    expect(c.inputs).toEqual([{ name: '\u00e9', width: 2 }]);
    expect(truthTable(c)).toEqual(['0', '0', '0', '1']);
  });
});

describe('EPFL designs: .aag and .aig agree', () => {
  const designs = ['arithmetic', 'random_control'].flatMap((d) =>
    readdirSync(shared(`epfl/${d}`)).filter((f) => f.endsWith('.aig')).map((f) => `epfl/${d}/${f.replace(/\.aig$/, '')}`),
  );

  it('has all 20 designs', () => {
    expect(designs.length).toBe(20);
  });

  for (const d of designs) {
    it(d, () => {
      const a = load(`${d}.aag`);
      const b = load(`${d}.aig`);
      expect(a.inputs).toEqual(b.inputs);
      expect(a.outputs.map((g) => [g.name, g.wires.length])).toEqual(b.outputs.map((g) => [g.name, g.wires.length]));
      const header = readFileSync(shared(`${d}.aag`), 'latin1').slice(0, 100).split('\n')[0]!.split(' ').map(Number);
      expect(a.nInputs).toBe(header[2]);
      expect(a.outputs.reduce((s, g) => s + g.wires.length, 0)).toBe(header[4]);
      expect(Array.from(a.ops).filter((o) => o === Op.AND).length).toBe(header[5]);
      const vs = randomVectors(a.nInputs, 256, 7);
      const outA = evalMany(a, vs, a.outputs.flatMap((g) => g.wires));
      const outB = evalMany(b, vs, b.outputs.flatMap((g) => g.wires));
      expect(outA).toEqual(outB);
    });
  }

  it('parses hyp (214k ANDs; its speed: npm run bench:parse)', () => {
    for (const ext of ['aag', 'aig']) {
      const bytes = readFileSync(shared(`epfl/arithmetic/hyp.${ext}`));
      const c = ext === 'aag' ? parseAag(sourceFromBytes(bytes, 'hyp.aag')) : parseAig(sourceFromBytes(bytes, 'hyp.aig'));
      expect(c.ops.length).toBeGreaterThan(214335);
    }
  });
});

describe('EPFL test vectors', () => {
  const named = testVectors().named_vectors as { file: string; vectors: Record<string, string>[] }[];
  const bitsOf = (hex: string, width: number): number[] => {
    const v = BigInt('0x' + hex);
    return Array.from({ length: width }, (_, k) => Number((v >> BigInt(k)) & 1n));
  };
  const valueOf = (bits: ArrayLike<number>): bigint => {
    let v = 0n;
    for (let k = bits.length - 1; k >= 0; k--) v = (v << 1n) | BigInt(bits[k]!);
    return v;
  };

  for (const ext of ['aag', 'aig']) {
    it(`adder.${ext}: f + 2^128 cOut = a + b`, () => {
      const entry = named.find((n) => n.file.startsWith('epfl/arithmetic/adder'))!;
      const c = load(`epfl/arithmetic/adder.${ext}`);
      expect(entry.vectors.length).toBeGreaterThan(0);
      for (const v of entry.vectors) {
        const out = evalOutputsOne(c, [...bitsOf(v.a!, 128), ...bitsOf(v.b!, 128)]);
        expect(valueOf(out)).toBe(BigInt('0x' + v.f_with_cOut!));
      }
    });

    it(`multiplier.${ext}: f = a * b`, () => {
      const entry = named.find((n) => n.file.startsWith('epfl/arithmetic/multiplier'))!;
      const c = load(`epfl/arithmetic/multiplier.${ext}`);
      expect(entry.vectors.length).toBeGreaterThan(0);
      for (const v of entry.vectors) {
        const out = evalOutputsOne(c, [...bitsOf(v.a!, 64), ...bitsOf(v.b!, 64)]);
        expect(valueOf(out)).toBe(BigInt('0x' + v.f!));
      }
    });
  }
});

describe('AIGER robustness', () => {
  it('answers damaged .aag files with located CircuitErrors', () => {
    const files = ['aiger/halfadder.aag', 'aiger/xorxormiter.aag', 'epfl/random_control/ctrl.aag', 'aiger/toggle-re.aag'];
    let rejected = 0;
    files.forEach((f, i) => {
      rejected += expectOnlyCircuitErrors(parseAag, mutants(readFileSync(shared(f)), 300, i + 1), 'm.aag');
    });
    expect(rejected).toBeGreaterThan(600);
  });

  it('answers damaged .aig files with located CircuitErrors', () => {
    const bytes = readFileSync(shared('epfl/random_control/ctrl.aig'));
    const rejected = expectOnlyCircuitErrors(parseAig, mutants(bytes, 600, 11), 'm.aig');
    expect(rejected).toBeGreaterThan(300);
    // Every truncation of the file.
    const cuts = Array.from({ length: bytes.length }, (_, k) => bytes.slice(0, k));
    expectOnlyCircuitErrors(parseAig, cuts, 'm.aig');
  });
});
