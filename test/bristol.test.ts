import { describe, expect, it } from 'vitest';
import { evalOutputsOne, inputBitsFromHex, outputHex, parseCircuitText, writeCircuit, type Circuit } from '../circuits/index.js';
import { loadShared, testVectors } from './shared.js';


describe('Bristol readers on the published vectors', () => {
  const vs = testVectors().vectors.filter((v) => v.file.startsWith('bristol'));
  const cache = new Map<string, Circuit>();
  for (const v of vs) {
    it(`${v.file} ${v.inputs.map((x) => x.slice(0, 8)).join(',')}`, () => {
      if (!cache.has(v.file)) cache.set(v.file, loadShared(v.file));
      const c = cache.get(v.file)!;
      const out = outputHex(c, evalOutputsOne(c, inputBitsFromHex(c, v.inputs, v.encoding)), v.encoding);
      expect(out).toEqual(v.outputs.map((o) => o.toLowerCase()));
    });
  }
});

describe('Bristol Fashion writer', () => {
  it('lowers every op to XOR/AND/INV/EQ/EQW and keeps its truth table', () => {
    const src = `circuit every_op;
      input a, b; output o[10];
      o[0] = AND(a, b); o[1] = OR(a, b); o[2] = XOR(a, b); o[3] = NAND(a, b); o[4] = NOR(a, b);
      o[5] = XNOR(a, b); o[6] = NOT(a); o[7] = BUF(b); o[8] = 0; o[9] = 1;`;
    const c = parseCircuitText(src, { format: 'gc', file: 'every-op.gc' });
    const text = writeCircuit(c, 'bristol');
    const gateLines = text.trim().split('\n').slice(3).filter((l) => l.trim() !== '');
    for (const l of gateLines) expect(['XOR', 'AND', 'INV', 'EQ', 'EQW']).toContain(l.trim().split(/\s+/).at(-1));
    const back = parseCircuitText(text, { format: 'bristol' });
    // The truth table of each op, by integer arithmetic (independent of the evaluator's op table).
    const want = (a: number, b: number) => [a & b, a | b, a ^ b, 1 - (a & b), 1 - (a | b), 1 - (a ^ b), 1 - a, b, 0, 1];
    for (let x = 0; x < 4; x++) {
      const [a, b] = [x & 1, x >> 1];
      expect(Array.from(evalOutputsOne(back, [a, b])), `a=${a} b=${b}`).toEqual(want(a, b));
    }
  });

  it('round-trips a circuit read from Bristol text', () => {
    const text = `10 12\n1 2\n1 10\n\n2 1 0 1 2 AND\n2 1 0 1 3 XOR\n1 1 0 4 INV\n1 1 1 5 EQW\n1 1 0 6 EQ\n1 1 1 7 EQ\n2 1 2 3 8 XOR\n1 1 2 9 INV\n1 1 3 10 EQW\n1 1 4 11 EQW\n`;
    const c = parseCircuitText(text, { format: 'bristol' });
    const back = parseCircuitText(writeCircuit(c, 'bristol'), { format: 'bristol' });
    for (let x = 0; x < 4; x++) {
      const bits = [x & 1, x >> 1];
      expect(Array.from(evalOutputsOne(back, bits))).toEqual(Array.from(evalOutputsOne(c, bits)));
    }
  });
});
