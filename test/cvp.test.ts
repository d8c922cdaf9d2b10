// The Circuit Value Problem format (.cvp) and the cvp-instance generator: the published example,
// every reader error with its file:line:col, `# output` groups, the writer (inputs fixed by bits)
// checked against direct evaluation, the generator's distribution, and the CLI (gen, eval, convert).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CircuitError, Op, cvpFromCircuit, detectFormat, evalOutputsOne, parseCircuitText, writableFormatOf, writeCircuit, writeCvp, type Circuit } from '../circuits/index.js';
import { UserError } from '../common/errors.js';
import { parseCvp } from '../circuits/parsers/cvp.js';
import { sourceFromText } from '../circuits/source.js';
import { generate } from '../circuits/gen/index.js';
import { cvpIndexBits } from '../circuits/gen/cvp.js';
import { Rng } from '../circuits/gen/prng.js';
import { cli } from './cli-helpers.js';
import { errorOf } from './fixtures/circuits.js';
import { expectOnlyCircuitErrors, mutants } from './fixtures/mutate.js';
import { shared } from './shared.js';

const EXAMPLE = 'TRUE NA NA 1 FALSE NA NA 2 AND 1 2 3 NOT 3 NA 4';

function cvp(text: string, file = 't.cvp'): Circuit {
  return parseCvp(sourceFromText(text, file));
}

function value(c: Circuit): string {
  return Array.from(evalOutputsOne(c, [])).join('');
}

function bitsOf(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.nextU32() >>> 31);
}

describe('reading .cvp', () => {
  it('reads the published example: constants are gates, ids from 1, the output is the last gate', () => {
    const c = cvp(EXAMPLE, 'dir/example.cvp');
    expect(c.name).toBe('example');
    expect(c.nInputs).toBe(0);
    expect(c.inputs).toEqual([]);
    expect(Array.from(c.ops)).toEqual([Op.CONST1, Op.CONST0, Op.AND, Op.NOT]);
    expect(Array.from(c.a)).toEqual([-1, -1, 0, 2]);
    expect(Array.from(c.b)).toEqual([-1, -1, 1, -1]);
    expect(c.outputs).toEqual([{ name: 'value', wires: [3] }]);
    expect(value(c)).toBe('1'); // NOT(TRUE AND FALSE)
  });

  it('takes any mix of blanks and newlines, CRLF, comment lines and the extra types', () => {
    const text = '# a comment\r\n  # another\r\nTRUE\tNA\r\nNA 1\r\n\r\nTRUE NA NA 2 XOR 1 2 3 NAND 1 2 4\n NOR 3 4 5 XNOR 1 3 6 BUF 6 NA 7 OR 3 5 8\n';
    const c = cvp(text);
    expect(Array.from(c.ops)).toEqual([Op.CONST1, Op.CONST1, Op.XOR, Op.NAND, Op.NOR, Op.XNOR, Op.BUF, Op.OR]);
    expect(c.outputs).toEqual([{ name: 'value', wires: [7] }]);
    expect(value(c)).toBe('1'); // XOR(1,1) = 0, NAND = 0, NOR(0,0) = 1 -> OR(0, 1) = 1
  });

  it('declares output groups with `# output NAME ID ...`, lsb first, in order', () => {
    const c = cvp(`# output s 3 4\n#output t 1\n# other words are a comment\n${EXAMPLE}\n`);
    expect(c.outputs).toEqual([{ name: 's', wires: [2, 3] }, { name: 't', wires: [0] }]);
    expect(value(c)).toBe('011');
  });

  it('is chosen by the .cvp extension, or by content TRUE/FALSE NA NA 1', () => {
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(detectFormat('x.cvp', enc('anything'))).toBe('cvp');
    expect(detectFormat(undefined, enc(EXAMPLE))).toBe('cvp');
    expect(detectFormat(undefined, enc('# output v 1\n\n  FALSE NA NA 1\n'))).toBe('cvp');
    expect(detectFormat(undefined, enc('TRUE NA NA 2'))).toBe('gc');
    expect(detectFormat(undefined, enc('TRUE NA NA 12'))).toBe('gc');
    expect(writableFormatOf('out/x.CVP')).toBe('cvp');
    expect(parseCircuitText(EXAMPLE).ops.length).toBe(4);
  });

  const errors: [string, string][] = [
    ['TRUE NA NA 1 FALSE NA NA 2 AND 1 2 3 NOT 3 NA 5', 't.cvp:1:47: description 4 has id 5: ids must count 1, 2, 3, ...'],
    ['TRUE NA NA 1\nMAJ 1 1 2', "t.cvp:2:1: unknown gate type 'MAJ' starting description 2 (expected TRUE, FALSE, AND, OR, NOT, XOR, NAND, NOR, XNOR, BUF; descriptions are groups of four tokens: TYPE in1 in2 id)"],
    ['true NA NA 1', "t.cvp:1:1: unknown gate type 'true' starting description 1 (expected TRUE, FALSE, AND, OR, NOT, XOR, NAND, NOR, XNOR, BUF; descriptions are groups of four tokens: TYPE in1 in2 id)"],
    ['TRUE NA NA 1\nAND 1 2 2', 't.cvp:2:7: in2 of description 2 is 2, not an earlier gate: operands are earlier ids, 1 to 1'],
    ['TRUE NA NA 1\nNOT 7 NA 2', 't.cvp:2:5: in1 of description 2 is 7, not an earlier gate: operands are earlier ids, 1 to 1'],
    ['TRUE NA NA 1\nNOT 0 NA 2', 't.cvp:2:5: in1 of description 2 is 0: ids count from 1'],
    ['NOT 1 NA 1', 't.cvp:1:5: in1 of description 1 is 1, not an earlier gate: description 1 has no earlier gate to read'],
    ['TRUE 1 NA 1', "t.cvp:1:6: TRUE takes no operands: in1 of description 1 must be NA, found '1'"],
    ['FALSE NA 1 1', "t.cvp:1:10: FALSE takes no operands: in2 of description 1 must be NA, found '1'"],
    ['TRUE NA NA 1 NOT 1 1 2', "t.cvp:1:20: NOT takes one operand: in2 of description 2 must be NA, found '1'"],
    ['TRUE NA NA 1 AND 1 NA 2', 't.cvp:1:20: AND needs an earlier gate id as in2 of description 2, found NA'],
    ['TRUE NA NA 1 BUF NA NA 2', 't.cvp:1:18: BUF needs an earlier gate id as in1 of description 2, found NA'],
    ['TRUE NA NA 1 NOT x NA 2', "t.cvp:1:18: expected a gate id or NA as in1 of description 2, found 'x'"],
    ['TRUE NA NA x', "t.cvp:1:12: expected the id 1 ending description 1, found 'x'"],
    ['TRUE NA NA 1 AND 1', 't.cvp:1:19: description 2 is cut short: expected in2, found the end of the file'],
    ['TRUE NA NA 1\nAND 1 1\n', 't.cvp:2:8: description 2 is cut short: expected its id 2, found the end of the file'],
    ['TRUE NA NA 1\nTRUE\n\n', 't.cvp:2:5: description 2 is cut short: expected in1, found the end of the file'],
    ['# nothing here\n\n', 't.cvp:1:1: no gate descriptions: a cvp file is groups of four tokens TYPE in1 in2 id'],
    ['', 't.cvp:1:1: no gate descriptions: a cvp file is groups of four tokens TYPE in1 in2 id'],
    ['TRUE NA NA 1 # not here', "t.cvp:1:14: a '#' comment must start its own line"],
    ['TRUE NA #x 1', "t.cvp:1:9: a '#' comment must start its own line"],
    ['# output\nTRUE NA NA 1', "t.cvp:1:9: '# output' needs a group name and gate ids: # output NAME ID ..."],
    ['# output s  \nTRUE NA NA 1', "t.cvp:1:13: '# output' of group 's' lists no gate id"],
    ['# output 3\nTRUE NA NA 1', "t.cvp:1:10: '# output' names the group before its ids: # output NAME ID ..., found the number '3'"],
    ['# output s 1 x\nTRUE NA NA 1', "t.cvp:1:14: expected a gate id in '# output' of group 's', found 'x'"],
    ['TRUE NA NA 1\n# output s 1\n  # output s 1', "t.cvp:3:12: output group 's' is declared twice (first at line 2)"],
    ['# output s 1 2\nTRUE NA NA 1', "t.cvp:1:14: output 's' reads gate 2, but the file describes gates 1 to 1"],
    ['# output s 0\nTRUE NA NA 1', "t.cvp:1:12: output 's' reads gate 0, but the file describes gates 1 to 1"],
  ];
  it.each(errors)('rejects %j: one line at file:line:col', (text, msg) => {
    const e = errorOf(() => cvp(text));
    expect(e).toBeInstanceOf(CircuitError);
    expect(e.message).toBe(msg);
    expect(e.message).not.toContain('\n');
  });

  it('answers damaged files with located one-line errors only', () => {
    const c = generate('cvp-instance', { gates: '60', seed: '9' });
    const text = `# output v ${c.ops.length} 1\n${writeCircuit(c, 'cvp')}`;
    const ms = mutants(new TextEncoder().encode(text), 600, 4);
    expect(expectOnlyCircuitErrors(parseCvp, ms, 'm.cvp')).toBeGreaterThan(200);
  });
});

describe('writing .cvp', () => {
  it('writes the published format exactly when the output is the last gate', () => {
    expect(writeCvp(cvp(EXAMPLE))).toBe('TRUE NA NA 1\nFALSE NA NA 2\nAND 1 2 3\nNOT 3 NA 4\n');
    expect(writeCircuit(cvp(EXAMPLE), 'cvp')).toBe(writeCvp(cvp(EXAMPLE)));
  });

  it('writes `# output` lines for any other outputs, and reads them back', () => {
    const c = cvp(`# output s 3 4\n# output t 1\n${EXAMPLE}`);
    const text = writeCvp(c);
    expect(text.split('\n').slice(0, 2)).toEqual(['# output s 3 4', '# output t 1']);
    expect(cvp(text).outputs).toEqual(c.outputs);
    // Names that are not one token, or numbers, or repeated, are made readable.
    const odd: Circuit = { ...c, outputs: [{ name: 'a b', wires: [0] }, { name: '7', wires: [1] }, { name: 'a_b', wires: [2] }] };
    expect(cvp(writeCvp(odd)).outputs.map((g) => g.name)).toEqual(['a_b', '_7', 'a_b_2']);
  });

  it('needs the input bits of a circuit with inputs', () => {
    const c17 = parseCircuitText(readFileSync(shared('iscas85/c17.bench'), 'utf8'), { format: 'bench' });
    for (const f of [() => writeCvp(c17), () => writeCircuit(c17, 'cvp')]) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe('cvp has no inputs: give the values of the input wires');
    }
    expect(() => writeCvp(c17, [1, 0])).toThrow('cvp: 2 input bits given, the circuit has 5 input wires');
    const text = writeCvp(c17, Uint8Array.from([1, 0, 1, 1, 0]));
    expect(text.split('\n').slice(0, 6)).toEqual(['# output out 10 11', 'TRUE NA NA 1', 'FALSE NA NA 2', 'TRUE NA NA 3', 'TRUE NA NA 4', 'FALSE NA NA 5']);
    expect(text).toContain('NAND 1 3 6\n');
  });

  it('round trip: random circuits with inputs fixed by bits evaluate as the original', () => {
    const mix = 'AND=3,OR=3,XOR=2,NAND=2,NOR=2,XNOR=2,NOT=2,BUF=1,CONST0=1,CONST1=1';
    for (let seed = 1; seed <= 12; seed++) {
      const c = generate('random', { inputs: String(seed % 7), gates: String(20 + 7 * seed), seed: String(seed), mix, locality: '0.3' });
      const rng = new Rng(BigInt(seed));
      for (let v = 0; v < 6; v++) {
        const bits = bitsOf(rng, c.nInputs);
        const text = writeCvp(c, bits);
        const back = cvp(text);
        const folded = cvpFromCircuit(c, bits);
        expect(back.nInputs).toBe(0);
        expect(back.ops).toEqual(folded.ops);
        expect(back.a).toEqual(folded.a);
        expect(back.b).toEqual(folded.b);
        expect(back.outputs).toEqual(c.outputs);
        expect(evalOutputsOne(back, [])).toEqual(evalOutputsOne(c, bits));
        expect(writeCvp(back)).toBe(text);
      }
    }
  });

  it('round trip: input-free circuits keep their ops, operands and outputs', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const c = generate('random', { inputs: '0', gates: '50', seed: String(seed), outputs: String(seed % 3) });
      const back = cvp(writeCircuit(c, 'cvp'));
      expect(back.ops).toEqual(c.ops);
      expect(back.a).toEqual(c.a);
      expect(back.b).toEqual(c.b);
      const single = c.outputs.length === 1 && c.outputs[0]!.wires.length === 1 && c.outputs[0]!.wires[0] === c.ops.length - 1;
      // One bit on the last gate is written as the published format: it reads back as `value`.
      expect(back.outputs).toEqual(single ? [{ name: 'value', wires: c.outputs[0]!.wires }] : c.outputs);
      expect(evalOutputsOne(back, [])).toEqual(evalOutputsOne(c, []));
    }
  });
});

describe('gen cvp-instance', () => {
  const inst = (t: number, seed: number | bigint): Circuit => generate('cvp-instance', { gates: String(t), seed: String(seed) });

  it('is deterministic in the seed, has no inputs and outputs the last gate', () => {
    const c = inst(300, 7);
    expect(inst(300, 7)).toEqual(c);
    expect(inst(300, 8).ops).not.toEqual(c.ops);
    expect(c.nInputs).toBe(0);
    expect(c.name).toBe('cvp_instance_t300_s7');
    expect(c.outputs).toEqual([{ name: 'value', wires: [299] }]);
    expect(inst(1, 1).ops.length).toBe(1);
    expect(generate('cvp-instance', {}).ops.length).toBe(16);
    expect(inst(5, (1n << 64n) - 1n).ops.length).toBe(5);
    expect(() => inst(0, 1)).toThrow("gates must be an integer from 1 to 1000000, got '0'");
    expect(() => inst(1_000_001, 1)).toThrow(/^gates must be an integer from 1 to 1000000/);
  });

  it('makes the first two gates constants, as the published generator does', () => {
    let trues = 0;
    for (let seed = 0; seed < 200; seed++) {
      const c = inst(4, seed);
      for (const g of [0, 1]) {
        expect([Op.CONST0, Op.CONST1]).toContain(c.ops[g]);
        if (c.ops[g] === Op.CONST1) trues++;
      }
    }
    expect(trues).toBeGreaterThan(160);
    expect(trues).toBeLessThan(240);
  });

  it('draws the published proportions and uniform operands over all earlier gates (20 000 gates)', () => {
    const T = 20_000;
    const c = inst(T, 12345);
    const count = new Map<number, number>();
    let sum = 0;
    let operands = 0;
    const quarter = [0, 0, 0, 0];
    let same = 0;
    let twoInput = 0;
    for (let g = 2; g < T; g++) {
      const op = c.ops[g]!;
      count.set(op, (count.get(op) ?? 0) + 1);
      const ins = op === Op.NOT ? [c.a[g]!] : op === Op.AND || op === Op.OR ? [c.a[g]!, c.b[g]!] : [];
      if (ins.length === 0) expect([c.a[g], c.b[g]]).toEqual([-1, -1]);
      if (op === Op.NOT) expect(c.b[g]).toBe(-1);
      if (ins.length === 2) {
        twoInput++;
        if (ins[0] === ins[1]) same++;
      }
      for (const w of ins) {
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThan(g);
        const u = (w + 0.5) / g; // uniform on (0, 1) when w is uniform on 0..g-1
        sum += u;
        quarter[Math.min(3, Math.floor(u * 4))]!++;
        operands++;
      }
    }
    const n = T - 2;
    const frac = (op: number): number => (count.get(op) ?? 0) / n;
    expect(Math.abs(frac(Op.CONST0) + frac(Op.CONST1) - 0.2)).toBeLessThan(0.012);
    expect(Math.abs(frac(Op.CONST0) - frac(Op.CONST1))).toBeLessThan(0.015);
    expect(Math.abs(frac(Op.NOT) - 0.16)).toBeLessThan(0.012);
    expect(Math.abs(frac(Op.AND) - 0.32)).toBeLessThan(0.015);
    expect(Math.abs(frac(Op.OR) - 0.32)).toBeLessThan(0.015);
    expect([Op.CONST0, Op.CONST1, Op.NOT, Op.AND, Op.OR].reduce<number>((s, op) => s + (count.get(op) ?? 0), 0)).toBe(n);
    // Mean operand position ~ half of the gate index; each quarter of the earlier gates ~ 1/4.
    expect(Math.abs(sum / operands - 0.5)).toBeLessThan(0.01);
    for (const q of quarter) expect(Math.abs(q / operands - 0.25)).toBeLessThan(0.012);
    // Operands are independent: the two of AND/OR coincide sometimes (about sum 1/g), not never.
    expect(same).toBeGreaterThan(0);
    expect(same).toBeLessThan(twoInput / 100);
  });

  it('is an instance that gatecot`s serialized `cvp` circuit evaluates to the same value', () => {
    for (const [t, seed] of [[12, 1], [40, 2], [64, 3]] as const) {
      const c = inst(t, seed);
      const u = generate('cvp', { gates: String(t) });
      const l = cvpIndexBits(t);
      const code = (op: number): number => (op === Op.CONST0 ? 0 : op === Op.CONST1 ? 1 : op === Op.AND ? 2 : op === Op.OR ? 3 : 4);
      const bits: number[] = [];
      for (let g = 0; g < t; g++) {
        const word = code(c.ops[g]!) | (Math.max(0, c.a[g]!) << 3) | (Math.max(0, c.b[g]!) << (3 + l));
        for (let k = 0; k < 3 + 2 * l; k++) bits.push((word >> k) & 1);
      }
      expect(Array.from(evalOutputsOne(u, bits)).join('')).toBe(value(c));
    }
  });

  it('writes the published token spelling', () => {
    const text = writeCircuit(inst(30, 4), 'cvp');
    expect(text).toMatch(/^(TRUE|FALSE) NA NA 1\n(TRUE|FALSE) NA NA 2\n/);
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(TRUE NA NA|FALSE NA NA|NOT \d+ NA|AND \d+ \d+|OR \d+ \d+) \d+$/);
  });
});

describe('the CLI on .cvp', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-cvp-'));
  const c17 = shared('iscas85/c17.bench');

  it('gen cvp-instance -o x.cvp, then eval x.cvp (no inputs)', async () => {
    const out = join(dir, 'x.cvp');
    const g = await cli('gen', 'cvp-instance', '--gates', '200', '--seed', '42', '-o', out);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toBe(`wrote ${out} (cvp-instance, 0 inputs, 200 gates)\n`);
    const want = value(generate('cvp-instance', { gates: '200', seed: '42' }));
    expect(readFileSync(out, 'utf8')).toBe(writeCircuit(generate('cvp-instance', { gates: '200', seed: '42' }), 'cvp'));
    expect(await cli('eval', out)).toEqual({ code: 0, stdout: `${want}\n`, stderr: '' });
    expect(await cli('eval', out, '--bits', '')).toEqual({ code: 0, stdout: `${want}\n`, stderr: '' });
    const stats = JSON.parse((await cli('stats', out, '--json')).stdout) as { inputs: number[]; outputs: number[]; total_gates: number };
    expect(stats).toMatchObject({ inputs: [], outputs: [1], total_gates: 200 });
    // Without -o: .gc on stdout, as for every family.
    expect((await cli('gen', 'cvp-instance', '--gates', '3')).stdout).toMatch(/^circuit cvp_instance_t3_s1;\noutput value;\n/);
  });

  it('convert c17.bench -o c17.cvp --bits B evaluates as c17 on B', async () => {
    for (const bits of ['10110', '00000', '11111', '01001']) {
      const out = join(dir, `c17-${bits}.cvp`);
      const r = await cli('convert', c17, '-o', out, '--bits', bits);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`wrote ${out} (cvp, 11 gates: the circuit's 6 and 5 constants for its input wires)\n`);
      const want = (await cli('eval', c17, '--bits', bits)).stdout;
      expect((await cli('eval', out, '--bits', '')).stdout).toBe(want);
      expect((await cli('eval', out)).stdout).toBe(`${parseInt([...want.trim()].reverse().join(''), 2)}\n`);
    }
    // --to cvp with another extension; --format cvp to read it back.
    const odd = join(dir, 'c17.instance');
    expect((await cli('convert', c17, '-o', odd, '--to', 'cvp', '--bits', '10110')).code).toBe(0);
    expect((await cli('eval', odd, '--format', 'cvp', '--bits', '')).stdout).toBe('10\n');
    // cvp to .gc and back.
    const gc = join(dir, 'c17.gc');
    expect((await cli('convert', join(dir, 'c17-10110.cvp'), '-o', gc)).code).toBe(0);
    const back = join(dir, 'c17-back.cvp');
    expect((await cli('convert', gc, '-o', back)).stdout).toBe(`wrote ${back} (cvp, 11 gates)\n`);
    expect(readFileSync(back, 'utf8')).toBe(readFileSync(join(dir, 'c17-10110.cvp'), 'utf8'));
  });

  it('refuses what it cannot do: one line, exit 2', async () => {
    const bad = join(dir, 'bad.cvp');
    writeFileSync(bad, 'TRUE NA NA 1\nAND 1 2 2\n');
    const cases: [string[], string][] = [
      [['convert', c17, '-o', join(dir, 'n.cvp')], `gatecot: cvp has no inputs: give the input bits (--bits): ${c17} has 5 input wires\n`],
      [['convert', c17, '-o', join(dir, 'n.gc'), '--bits', '10110'], 'gatecot: --bits fixes the inputs of a cvp output only; the output format is gc\n'],
      [['convert', c17, '-o', join(dir, 'n.txt'), '--to', 'bristol', '--bits', '10110'], 'gatecot: --bits fixes the inputs of a cvp output only; the output format is bristol\n'],
      [['convert', c17, '-o', join(dir, 'n2.cvp'), '--bits', '101'], 'gatecot: --bits: 3 bits given, the circuit has 5 input wires\n'],
      [['convert', c17, '-o', join(dir, 'n.x')], `gatecot: cannot tell the output format from '${join(dir, 'n.x')}': use a .gc, .txt, .cvp, .aag, .aig, .bench or .blif name, or --to\n`],
      [['convert', c17, '-o', join(dir, 'n.x'), '--to', 'verilog'], "gatecot: --to must be one of gc, bristol, cvp, aag, aig, bench, blif, got 'verilog'\n"],
      [['gen', 'adder', '--width', '2', '-o', join(dir, 'a.cvp')], "gatecot: cvp has no inputs, and adder makes 4 input wires: write a .gc file and fix them with 'gatecot convert FILE -o OUT.cvp --bits B'\n"],
      [['gen', 'cvp-instance', '-o', join(dir, 'a.x')], `gatecot: cannot tell the output format from '${join(dir, 'a.x')}': use a .gc, .txt, .cvp, .aag, .aig, .bench or .blif name\n`],
      [['stats', bad], `gatecot: ${bad}:2:7: in2 of description 2 is 2, not an earlier gate: operands are earlier ids, 1 to 1\n`],
      [['eval', bad, '--bits', '1'], `gatecot: ${bad}:2:7: in2 of description 2 is 2, not an earlier gate: operands are earlier ids, 1 to 1\n`],
      [['stats', c17, '--format', 'vhdl'], "gatecot: unknown --format 'vhdl' (expected gc, bristol, bristol-old, aag, aig, bench, blif, cvp or verilog)\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await cli(...argv);
      expect(r, argv.join(' ')).toEqual({ code: 2, stdout: '', stderr: err });
    }
    const ok = join(dir, 'ok.cvp');
    writeFileSync(ok, EXAMPLE);
    expect((await cli('eval', ok, '--bits', '1')).stderr).toBe('gatecot: --bits: 1 bits given, the circuit has 0 input wires\n');
  });
});
