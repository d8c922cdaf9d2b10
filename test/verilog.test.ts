// Verilog through Yosys: EPFL `.v` files against their `.aig`/`.blif` siblings on random vectors,
// hand-written arithmetic (an adder, a comparator) against arithmetic on every input, port bit
// order, one-line errors (syntax, flip-flops, latches, ambiguous top, missing Yosys), temporary
// folders removed, and the CLI (`stats`, `verify`, `--format verilog`).
// Without Yosys the Yosys tests are skipped with a printed line; under CI=true a missing Yosys
// fails.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, evalMany, outputWires, parseCircuitText, readCircuitFile, type Circuit } from '../circuits/index.js';
import { hasYosys, parseVerilog } from '../circuits/parsers/verilog.js';
import { sourceFromText } from '../circuits/source.js';
import { cli } from './cli-helpers.js';
import { errorOf } from './fixtures/circuits.js';
import { rng } from './fixtures/mutate.js';
import { shared } from './shared.js';

const yosys = hasYosys();
if (!yosys) console.log('verilog.test: yosys not found (apt-get install yosys): the Verilog tests are skipped');

const dir = mkdtempSync(join(tmpdir(), 'gatecot-verilog-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function load(path: string): Circuit {
  const r = readCircuitFile(path);
  if (!r.ok) throw r.error;
  return r.value;
}

function verilog(text: string, file = 'x.v', top?: string): Circuit {
  return parseVerilog(sourceFromText(text, file), top === undefined ? {} : { top });
}

/** Output bits of `c` on each vector. */
function outputs(c: Circuit, vectors: number[][]): string[] {
  return evalMany(c, vectors, outputWires(c)).map((o) => o.join(''));
}

function shape(c: Circuit): { inputs: [string, number][]; outputs: [string, number][] } {
  return { inputs: c.inputs.map((g) => [g.name, g.width]), outputs: c.outputs.map((g) => [g.name, g.wires.length]) };
}

/** Every input vector of n bits (n small), input bit k = bit k of the row number. */
function allVectors(n: number): number[][] {
  return Array.from({ length: 1 << n }, (_, x) => Array.from({ length: n }, (_, k) => (x >> k) & 1));
}

/** The value of bits [from, from + width) of a vector, bit `from` least significant. */
function field(bits: ArrayLike<number>, from: number, width: number): number {
  let v = 0;
  for (let k = width - 1; k >= 0; k--) v = 2 * v + bits[from + k]!;
  return v;
}

it('yosys is present when CI=true', () => {
  if (process.env.CI === 'true') expect(yosys, 'CI installs yosys (.ci/run): the Verilog reader needs it').toBe(true);
});

describe('detection', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  it('reads .v and .sv as Verilog, and Verilog by its first word', () => {
    expect(detectFormat('a.v', enc('anything'))).toBe('verilog');
    expect(detectFormat('a.SV', enc('anything'))).toBe('verilog');
    expect(detectFormat(undefined, enc('// adder\n/* two\n lines */\n`timescale 1ns/1ps\n(* top *)\nmodule m(input a, output y);'))).toBe('verilog');
    expect(detectFormat(undefined, enc('circuit modules;\ninput a;\noutput y;\ny = a;\n'))).toBe('gc');
    expect(detectFormat(undefined, enc('/* never closed ' + ' '.repeat(4000)))).toBe('gc');
  });
});

describe('without Yosys', () => {
  it('says how to install it in one line, exit 2', async () => {
    const saved = process.env.YOSYS;
    process.env.YOSYS = join(dir, 'no-such-yosys');
    try {
      const e = errorOf(() => verilog('module m(input a, output y); assign y = a; endmodule\n'));
      expect(e.message).toBe('x.v: reading Verilog needs Yosys, which is not installed: apt-get install yosys (or set YOSYS to the yosys program)');
      const f = write('any.v', 'module m(input a, output y); assign y = a; endmodule\n');
      expect(await cli('stats', f)).toEqual({ code: 2, stdout: '', stderr: `gatecot: ${f}: reading Verilog needs Yosys, which is not installed: apt-get install yosys (or set YOSYS to the yosys program)\n` });
    } finally {
      if (saved === undefined) delete process.env.YOSYS;
      else process.env.YOSYS = saved;
    }
  });
});

describe.runIf(yosys)('EPFL Verilog against the AIGER and BLIF of the same circuits', () => {
  // The ones Yosys synthesizes in about a second or less (adder: about 3 s).
  const files = ['random_control/ctrl', 'random_control/dec', 'random_control/int2float', 'random_control/router', 'random_control/cavlc', 'arithmetic/adder'];
  for (const f of files) {
    it(`${f}.v: same groups, same outputs on 200 random vectors as ${f}.aig and .blif`, () => {
      const v = load(shared(`epfl/${f}.v`));
      const r = rng(f.length * 7919);
      const vectors = Array.from({ length: 200 }, () => Array.from({ length: v.nInputs }, () => (r() < 0.5 ? 1 : 0)));
      const want = outputs(v, vectors);
      for (const ext of ['aig', 'blif']) {
        const sibling = load(shared(`epfl/${f}.${ext}`));
        expect(shape(v), `${f}.${ext}`).toEqual(shape(sibling));
        expect(outputs(sibling, vectors), `${f}.${ext}`).toEqual(want);
      }
    });
  }
});

describe.runIf(yosys)('hand-written Verilog against arithmetic, on every input', () => {
  it('an 8-bit adder with carry in and carry out', () => {
    const c = verilog(`// {cout, sum} = a + b + cin
module adder8(input [7:0] a, input [7:0] b, input cin, output [7:0] sum, output cout);
  assign {cout, sum} = a + b + cin;
endmodule
`);
    expect(shape(c)).toEqual({ inputs: [['a', 8], ['b', 8], ['cin', 1]], outputs: [['sum', 8], ['cout', 1]] });
    expect(c.ops.length).toBeGreaterThan(0);
    const vectors = allVectors(17);
    const got = evalMany(c, vectors, outputWires(c));
    vectors.forEach((x, i) => {
      const total = field(x, 0, 8) + field(x, 8, 8) + x[16]!;
      expect(field(got[i]!, 0, 9), `a=${field(x, 0, 8)} b=${field(x, 8, 8)} cin=${x[16]}`).toBe(total);
    });
  });

  it('a 6-bit comparator: a < b, a == b, and signed a < b', () => {
    const c = verilog(`module cmp(input [5:0] a, input [5:0] b, output lt, output eq, output slt);
  assign lt = a < b;
  assign eq = a == b;
  assign slt = $signed(a) < $signed(b);
endmodule
`);
    expect(shape(c)).toEqual({ inputs: [['a', 6], ['b', 6]], outputs: [['lt', 1], ['eq', 1], ['slt', 1]] });
    const signed = (v: number): number => (v >= 32 ? v - 64 : v);
    const vectors = allVectors(12);
    const got = evalMany(c, vectors, outputWires(c));
    vectors.forEach((x, i) => {
      const a = field(x, 0, 6);
      const b = field(x, 6, 6);
      expect(Array.from(got[i]!), `a=${a} b=${b}`).toEqual([+(a < b), +(a === b), +(signed(a) < signed(b))]);
    });
  });

  it('bit k of a group is the port`s k-th least significant bit, whatever its declared range', () => {
    // x[8:1]: bit 0 is x[1]; y[0:3]: bit 0 is y[3]. w = {y[0], y[3], x[8]}: w[0] = x[8] = bit 7
    // of x, w[1] = y[3] = bit 0 of y, w[2] = y[0] = bit 3 of y; z = x[1] (bit 0 of x).
    const c = verilog(`module order(input [8:1] x, input [0:3] y, output [2:0] w, output z);
  assign w = {y[0], y[3], x[8]};
  assign z = x[1];
endmodule
`);
    expect(shape(c)).toEqual({ inputs: [['x', 8], ['y', 4]], outputs: [['w', 3], ['z', 1]] });
    expect(c.wireNames?.slice(0, 12)).toEqual([...Array.from({ length: 8 }, (_, k) => `x[${k}]`), 'y[0]', 'y[1]', 'y[2]', 'y[3]']);
    for (let k = 0; k < 12; k++) {
      const x = Array.from({ length: 12 }, (_, j) => +(j === k));
      const want = [+(k === 7), +(k === 8), +(k === 11), +(k === 0)].join('');
      expect(outputs(c, [x])[0], `input wire ${k}`).toBe(want);
    }
  });

  it('groups bit-named 1-bit ports (\\a[0] , \\a[1] ...) as the bit-level formats do; a broken run stays bits', () => {
    const c = verilog(`module top(\\a[0] , \\a[1] , \\a[2] , \\p[1] , \\p[0] , q, \\f[0] , \\f[1] );
  input \\a[0] , \\a[1] , \\a[2] , \\p[1] , \\p[0] , q;
  output \\f[0] , \\f[1] ;
  assign \\f[0]  = \\a[0]  & \\p[1] ;
  assign \\f[1]  = \\a[2]  ^ q ^ \\p[0] ;
endmodule
`);
    expect(shape(c)).toEqual({ inputs: [['a', 3], ['p[1]', 1], ['p[0]', 1], ['q', 1]], outputs: [['f', 2]] });
    const vectors = allVectors(6);
    const got = outputs(c, vectors);
    vectors.forEach((x, i) => expect(got[i]).toBe(`${x[0]! & x[3]!}${x[2]! ^ x[5]! ^ x[4]!}`));
  });

  it('constant outputs and outputs wired to inputs', () => {
    const c = verilog(`module k(input [1:0] a, output [3:0] y, output z);
  assign y = 4'b1010;
  assign z = a[1];
endmodule
`);
    const got = outputs(c, allVectors(2));
    expect(got).toEqual(['01010', '01010', '01011', '01011']);
  });

  it('takes the module marked (* top *), or the one named by the top option', () => {
    const two = `module m1(input a, output y); assign y = a; endmodule
module m2(input a, output y); assign y = ~a; endmodule
`;
    expect(outputs(verilog(two, 'x.v', 'm2'), [[0], [1]])).toEqual(['1', '0']);
    expect(outputs(verilog(two, 'x.v', 'm1'), [[0], [1]])).toEqual(['0', '1']);
    expect(outputs(verilog(two.replace('module m2', '(* top *) module m2')), [[0], [1]])).toEqual(['1', '0']);
    expect(outputs(parseCircuitText(two, { file: 'two.v', top: 'm2' }), [[0], [1]])).toEqual(['1', '0']);
    // A top that uses another module: the hierarchy is flattened.
    const nested = `module half(input a, input b, output s, output c); assign s = a ^ b; assign c = a & b; endmodule
module full(input a, input b, input ci, output s, output co);
  wire s1, c1, c2;
  half h1(.a(a), .b(b), .s(s1), .c(c1));
  half h2(.a(s1), .b(ci), .s(s), .c(c2));
  assign co = c1 | c2;
endmodule
`;
    const full = verilog(nested);
    expect(shape(full).inputs).toEqual([['a', 1], ['b', 1], ['ci', 1]]);
    allVectors(3).forEach((x) => {
      const t = x[0]! + x[1]! + x[2]!;
      expect(outputs(full, [x])[0]).toBe(`${t & 1}${t >> 1}`);
    });
  });
});

describe.runIf(yosys)('what gatecot cannot read: one line each', () => {
  const cases: [string, string, RegExp][] = [
    ['a syntax error, at its line', 'module bad(input a, output y);\n  assign y = a &;\nendmodule\n', /^x\.v:2: Yosys: syntax error, unexpected ';'$/],
    ['a flip-flop', 'module ff(input clk, input d, output reg q);\n  always @(posedge clk) q <= d;\nendmodule\n',
      /^x\.v:2: sequential logic \(a flip-flop, \$_DFF_P_; module 'ff' has 1 storage cell\) is not supported: gatecot compiles combinational circuits only$/],
    ['a latch', 'module lat(input en, input d, output reg q);\n  always @* if (en) q = d;\nendmodule\n',
      /^x\.v:2: sequential logic \(a latch, \$_DLATCH_P_; module 'lat' has 1 storage cell\) is not supported/],
    ['a module that nothing defines', 'module top(input a, output y);\n  sub u(.a(a), .y(y));\nendmodule\n', /^x\.v: Yosys: Module `sub' referenced in module `top' in cell `u' is not part of the design\.$/],
    ['two candidates for top', 'module m1(input a, output y); assign y = a; endmodule\nmodule m2(input a, output y); assign y = ~a; endmodule\n',
      /^x\.v: 2 modules could be the top one \(m[12], m[12]\): mark the one to read with \(\* top \*\) before its 'module'$/],
    ['a wire nothing drives', 'module u(input a, output y);\n  assign y = a & q;\nendmodule\n', /^x\.v:2: Yosys: Wire u\.q is used but has no driver\. \(Identifier `q' is implicitly declared\)$/],
    ['a combinational loop', 'module loop(input a, output y);\n  wire t;\n  assign t = ~(a & y);\n  assign y = t;\nendmodule\n', /^x\.v:3: Yosys: found logic loop in module loop/],
    ['an inout port', 'module io(inout a, input b, output y);\n  assign y = a & b;\nendmodule\n', /^x\.v:1: inout port 'a' of module 'io' is not supported/],
    ['a module without outputs', 'module n(input a);\nendmodule\n', /^x\.v:1: module 'n' has no output ports$/],
    ['a testbench picked as top', 'module d(input a, output y); assign y = a; endmodule\nmodule tb; reg a; wire y; d u(.a(a), .y(y)); endmodule\n',
      /^x\.v:2: module 'tb' has no output ports \(Yosys chose it as the top module: mark the module to read with \(\* top \*\) before its 'module'\)$/],
  ];
  for (const [what, text, want] of cases) {
    it(what, () => {
      const e = errorOf(() => verilog(text));
      expect(e.message).toMatch(want);
      expect(e.message).not.toContain('\n');
      expect(e.message).not.toContain('input.v');
    });
  }

  it('a top option that is not a module name', () => {
    expect(errorOf(() => verilog('module m(input a, output y); assign y = a; endmodule\n', 'x.v', 'a; shell')).message).toBe("top module name 'a; shell' is not a plain Verilog identifier");
    expect(errorOf(() => verilog('module m(input a, output y); assign y = a; endmodule\n', 'x.v', 'nope')).message).toMatch(/^x\.v: Yosys: Module `nope' not found!?$/);
  });

  it('a time limit, and the temporary folder goes in every case', () => {
    const saved = process.env.TMPDIR;
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    process.env.TMPDIR = tmp;
    try {
      verilog('module m(input a, output y); assign y = ~a; endmodule\n');
      errorOf(() => verilog('module m(input a, output y); assign y = ; endmodule\n'));
      const big = parseVerilog.bind(null, sourceFromText(readFileSync(shared('epfl/random_control/cavlc.v'), 'utf8'), 'cavlc.v'), { timeoutMs: 50 });
      expect(errorOf(big).message).toBe('cavlc.v: Yosys did not finish within 50 ms while synthesizing it');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe.runIf(yosys)('the CLI', () => {
  const adder = join(dir, 'adder.v');
  writeFileSync(adder, `module adder(input [3:0] a, input [3:0] b, output [4:0] s);
  assign s = a + b;
endmodule
`);

  it('gatecot stats adder.v', async () => {
    const r = await cli('stats', adder);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inputs   8 wires: a[4] b[4]');
    expect(r.stdout).toContain('outputs  5 wires: s[5]');
  });

  it('gatecot verify adder.v --exhaustive', async () => {
    const r = await cli('verify', adder, '--exhaustive');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/OK: 256 inputs, \d+ CoT positions, 0 mismatches/);
  });

  it('gatecot eval adder.v --input 9 --input f', async () => {
    const r = await cli('eval', adder, '--input', '9', '--input', 'f');
    expect(r).toEqual({ code: 0, stdout: '18\n', stderr: '' });
  });

  it('--top picks the module to read on every command that reads a circuit; a bad one is one line', async () => {
    const two = write('two.v', 'module inc(input [1:0] a, output [1:0] y); assign y = a + 1; endmodule\nmodule dec(input [1:0] a, output [1:0] y); assign y = a - 1; endmodule\n');
    // 2 = 0b10: inc gives 3, dec gives 1 (lsb0 hex in, hex out).
    expect(await cli('eval', two, '--top', 'inc', '--input', '2')).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(await cli('eval', two, '--top', 'dec', '--input', '2')).toEqual({ code: 0, stdout: '1\n', stderr: '' });
    const v = await cli('verify', two, '--top', 'dec', '--exhaustive');
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/OK: 4 inputs/);
    const amb = await cli('stats', two);
    expect(amb.code).toBe(2);
    expect(amb.stderr).toMatch(/could be the top one .*\n$/);
    const bad = await cli('stats', two, '--top', 'a;b');
    expect(bad).toEqual({ code: 2, stdout: '', stderr: "gatecot: top module name 'a;b' is not a plain Verilog identifier\n" });
  });

  it('--format verilog reads a file of another name; bad Verilog is one line, exit 2', async () => {
    const txt = write('adder-v.txt', `module adder(input [3:0] a, input [3:0] b, output [4:0] s);\n  assign s = a + b;\nendmodule\n`);
    const r = await cli('stats', txt, '--format', 'verilog');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inputs   8 wires: a[4] b[4]');
    const bad = write('bad.v', 'module bad(input a, output y);\n  assign y = a &;\nendmodule\n');
    expect(await cli('stats', bad)).toEqual({ code: 2, stdout: '', stderr: `gatecot: ${bad}:2: Yosys: syntax error, unexpected ';'\n` });
    const ff = write('ff.v', 'module ff(input clk, input d, output reg q);\n  always @(posedge clk) q <= d;\nendmodule\n');
    const f = await cli('verify', ff);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/^gatecot: .*ff\.v:2: sequential logic \(a flip-flop/);
    expect(f.stderr.trim().split('\n')).toHaveLength(1);
  });
});
