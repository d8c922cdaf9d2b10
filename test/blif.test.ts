import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evalMany, evalOutputsOne } from '../circuits/eval.js';
import { Op, type Circuit } from '../circuits/ir.js';
import { parseAig } from '../circuits/parsers/aiger.js';
import { parseBlif } from '../circuits/parsers/blif.js';
import { sourceFromBytes, sourceFromText } from '../circuits/source.js';
import { expectOnlyCircuitErrors, mutants, rng } from './fixtures/mutate.js';
import { shared, testVectors } from './shared.js';
import { errorOf, truthTable } from './fixtures/circuits.js';

function load(rel: string): Circuit {
  const src = sourceFromBytes(readFileSync(shared(rel)), shared(rel));
  return rel.endsWith('.aig') ? parseAig(src) : parseBlif(src);
}

function blif(text: string): Circuit {
  return parseBlif(sourceFromText(text, 'x.blif'));
}



/** One cover as BLIF text: `.names` then the rows. */
function names(ins: string[], out: string, rows: string[]): string {
  return `.names ${[...ins, out].join(' ')}\n${rows.map((r) => `${r}\n`).join('')}`;
}

/** A model with inputs a, b, c, d and the given covers; outputs listed. */
function model(outs: string[], body: string): string {
  return `.model t\n.inputs a b c d\n.outputs ${outs.join(' ')}\n${body}.end\n`;
}

describe('cover lowering', () => {
  const single = (rows: string[], ins = ['a', 'b']) => blif(model(['y'], names(ins, 'y', rows)));

  it('uses one gate for the common small covers', () => {
    expect(Array.from(single(['11 1']).ops)).toEqual([Op.AND]);
    expect(Array.from(single(['00 1']).ops)).toEqual([Op.NOR]);
    expect(Array.from(single(['00 0']).ops)).toEqual([Op.OR]);
    expect(Array.from(single(['11 0']).ops)).toEqual([Op.NAND]);
    expect(Array.from(single(['1 1'], ['a']).ops)).toEqual([Op.BUF]);
    expect(Array.from(single(['0 1'], ['a']).ops)).toEqual([Op.NOT]);
    expect(Array.from(single([], ['a']).ops)).toEqual([Op.CONST0]);
    expect(Array.from(single(['1'], []).ops)).toEqual([Op.CONST1]);
    expect(Array.from(single(['0'], []).ops)).toEqual([Op.CONST0]);
    expect(Array.from(single(['-- 1']).ops)).toEqual([Op.CONST1]);
    expect(Array.from(single(['1- 1', '-- 1']).ops)).toEqual([Op.CONST1]);
    expect(Array.from(single(['-- 0']).ops)).toEqual([Op.CONST0]);
    expect(Array.from(single(['10 1']).ops).sort()).toEqual([Op.AND, Op.NOT].sort());
  });

  it('shares the NOT of a net between covers', () => {
    const c = blif(model(['y', 'z'], names(['a', 'b'], 'y', ['10 1']) + names(['c', 'b'], 'z', ['10 1'])));
    expect(Array.from(c.ops).filter((o) => o === Op.NOT).length).toBe(1);
  });

  /** What a cover means, read straight from its rows. */
  const meaning = (rows: string[], x: number[]): number => {
    if (rows.length === 0) return 0;
    const on = rows[0]!.endsWith('1');
    const hit = rows.some((r) => {
      const cube = r.length > 1 ? r.split(' ')[0]! : '';
      return Array.from(cube).every((ch, k) => ch === '-' || Number(ch) === x[k]);
    });
    return on === hit ? 1 : 0;
  };

  it('computes random covers exactly (exhaustive over 4 inputs)', () => {
    const r = rng(42);
    const vars = ['a', 'b', 'c', 'd'];
    for (let trial = 0; trial < 300; trial++) {
      const n = Math.floor(r() * 5);
      const ins = Array.from({ length: n }, () => vars[Math.floor(r() * 4)]!);
      const phase = r() < 0.5 ? '1' : '0';
      const nRows = Math.floor(r() * 5);
      const rows = Array.from({ length: nRows }, () => {
        const cube = Array.from({ length: n }, () => '01-'[Math.floor(r() * 3)]).join('');
        return n === 0 ? phase : `${cube} ${phase}`;
      });
      const c = blif(model(['y'], names(ins, 'y', rows)));
      const got = truthTable(c);
      const want = Array.from({ length: 16 }, (_, x) => {
        const val = (v: string) => (x >> vars.indexOf(v)) & 1;
        return String(meaning(rows, ins.map(val)));
      });
      expect(got, `${ins.join(' ')} / ${rows.join(' | ')}`).toEqual(want);
    }
  });

  it('reads continuations, comments, CRLF, outputs that are inputs, and covers in any order', () => {
    const c = blif('# header\r\n.model t\r\n.inputs a b \\\r\n c\r\n.outputs y \\\n  a # pass-through\n.names t c y\n11 1\n.names a \\\n b t\n1- 1\n-1 1\n.end\n');
    expect(truthTable(c)).toEqual(Array.from({ length: 8 }, (_, x) => {
      const [a, b, cc] = [x & 1, (x >> 1) & 1, (x >> 2) & 1];
      return `${(a | b) & cc}${a}`;
    }));
    expect(c.wireNames?.slice(0, 3)).toEqual(['a', 'b', 'c']);
  });

  it('groups bracketed names', () => {
    const c = blif('.model t\n.inputs x[0] x[1] s\n.outputs f[0] f[1]\n.names x[0] s f[0]\n11 1\n.names x[1] s f[1]\n11 1\n.end\n');
    expect(c.inputs).toEqual([{ name: 'x', width: 2 }, { name: 's', width: 1 }]);
    expect(c.outputs.map((g) => [g.name, g.wires.length])).toEqual([['f', 2]]);
  });
});

describe('BLIF errors', () => {
  const cases: [string, string][] = [
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n11 1\n00 0\n.end\n', 'x.blif:6:4: this row is in the off-set but the rows above are in the on-set: a cover cannot mix them'],
    ['.model t\n.inputs a\n.outputs y\n.latch a y 0\n.end\n', 'x.blif:4:1: sequential element .latch is not supported: gatecot compiles combinational circuits only'],
    ['.model t\n.inputs a\n.outputs y\n.mlatch g a y 0\n', 'x.blif:4:1: sequential element .mlatch is not supported: gatecot compiles combinational circuits only'],
    ['.model t\n.inputs a\n.outputs y\n.subckt sub x=a z=y\n', 'x.blif:4:1: .subckt (hierarchical BLIF) is not supported: only .names covers are'],
    ['.model t\n.inputs a\n.outputs y\n.gate nand2 A=a B=a O=y\n', 'x.blif:4:1: .gate (library-mapped BLIF) is not supported: only .names covers are'],
    ['.model t\n.inputs a\n.outputs y\n.names a y\n1 1\n.end\n.model u\n.end\n', 'x.blif:7:1: a second .model (hierarchical BLIF) is not supported: one model per file'],
    ['.model t\n.inputs a\n.outputs y\n.names a y\n1 1\n.end\n.names a z\n', "x.blif:7:1: unexpected '.names' after .end"],
    ['.model t\n.inputs a\n.outputs y\n.frobnicate\n', "x.blif:4:1: unknown BLIF command '.frobnicate'"],
    ['.model t\n.inputs a\n.outputs y\n11 1\n', "x.blif:4:1: expected a BLIF command such as .names, found '11'"],
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n1 1\n', 'x.blif:5:1: the row has 1 input values but the .names has 2 inputs'],
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n1x 1\n', "x.blif:5:2: input value 'x' is not 0, 1 or -"],
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n11 2\n', "x.blif:5:4: the output value must be 0 or 1, found '2'"],
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n11\n', 'x.blif:5:3: expected the output value 0 or 1 after the input part of the row'],
    ['.model t\n.inputs a b\n.outputs y\n.names a b y\n11 1 1\n', "x.blif:5:6: unexpected '1': a row of this .names is 2 input values then the output value"],
    ['.model t\n.inputs a\n.outputs y\n.names y\n1 1\n', "x.blif:5:3: unexpected '1': a row of this .names is one output value 0 or 1"],
    ['.model t\n.inputs a\n.outputs y\n.names\n', 'x.blif:4:1: .names needs at least its output name'],
    ['.model t\n.inputs a \\\n  b\n.outputs y\n.names a b \\\n  q y\n11- 1\n.end\n', "x.blif:6:3: wire 'q' is used but never driven"],
    ['.model t\n.inputs a\n.outputs y z\n.names a y\n1 1\n.end\n', "x.blif:3:12: output 'z' of 'out' is driven by nothing"],
    ['.model t\n.inputs a\n.outputs y\n.names a y\n1 1\n.names a y\n0 1\n.end\n', "x.blif:6:10: wire 'y' is driven twice (first driven at line 4)"],
    ['.model t\n.inputs a\n.outputs y\n.names y a\n1 1\n.end\n', "x.blif:4:10: wire 'a' is an input (line 2) and cannot be driven by a .names"],
    ['.model t\n.inputs a b a\n.outputs y\n', "x.blif:2:13: input 'a' is declared twice (first at line 2)"],
    ['.model t\n.inputs a\n.outputs y\n.names a z y\n11 1\n.names y z\n1 1\n.end\n', "x.blif:4:12: combinational cycle through wire 'y'"],
    ['.model t\n.inputs a\n.end\n', 'x.blif:1:1: empty circuit: it declares no outputs'],
  ];
  for (const [text, message] of cases) {
    it(message.slice(0, 70), () => {
      expect(errorOf(() => blif(text)).message).toBe(message);
    });
  }
});

describe('EPFL BLIF', () => {
  const designs = ['arithmetic', 'random_control'].flatMap((d) =>
    readdirSync(shared(`epfl/${d}`)).filter((f) => f.endsWith('.blif')).map((f) => `epfl/${d}/${f.replace(/\.blif$/, '')}`),
  );

  it('has 19 designs (hyp.blif is not shipped)', () => {
    expect(designs.length).toBe(19);
  });

  for (const d of designs) {
    it(`${d}.blif computes what ${d}.aig does`, () => {
      const a = load(`${d}.blif`);
      const b = load(`${d}.aig`);
      expect(a.inputs).toEqual(b.inputs);
      expect(a.outputs.map((g) => [g.name, g.wires.length])).toEqual(b.outputs.map((g) => [g.name, g.wires.length]));
      expect(a.wireNames?.slice(0, a.nInputs)).toEqual(b.wireNames?.slice(0, b.nInputs));
      const r = rng(9);
      const vs = Array.from({ length: 256 }, () => Uint8Array.from({ length: a.nInputs }, () => (r() < 0.5 ? 1 : 0)));
      expect(evalMany(a, vs, a.outputs.flatMap((g) => g.wires))).toEqual(evalMany(b, vs, b.outputs.flatMap((g) => g.wires)));
    });
  }

  it('adder.blif: f + 2^128 cOut = a + b (test-vectors.json)', () => {
    const entry = testVectors().named_vectors.find((n) => String(n.file).startsWith('epfl/arithmetic/adder')) as { vectors: Record<string, string>[] };
    const c = load('epfl/arithmetic/adder.blif');
    const bits = (hex: string) => Array.from({ length: 128 }, (_, k) => Number((BigInt('0x' + hex) >> BigInt(k)) & 1n));
    expect(entry.vectors.length).toBeGreaterThan(0);
    for (const v of entry.vectors) {
      const out = evalOutputsOne(c, [...bits(v.a!), ...bits(v.b!)]);
      let f = 0n;
      for (let k = out.length - 1; k >= 0; k--) f = (f << 1n) | BigInt(out[k]!);
      expect(f).toBe(BigInt('0x' + v.f_with_cOut!));
    }
  });
});

describe('BLIF robustness', () => {
  it('answers damaged files with located CircuitErrors', () => {
    let rejected = 0;
    ['epfl/random_control/ctrl.blif', 'epfl/random_control/router.blif', 'epfl/random_control/int2float.blif'].forEach((f, i) => {
      rejected += expectOnlyCircuitErrors(parseBlif, mutants(readFileSync(shared(f)), 300, 200 + i), 'm.blif');
    });
    expect(rejected).toBeGreaterThan(300);
  });
});
