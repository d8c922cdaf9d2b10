// The benchmarks' C programs, where cc is present (skipped with a line otherwise): the C
// bit-sliced evaluator of bench:eval gives the JavaScript evaluator's words on random circuits
// (both of its modes), and the peak loop's output parses into the flops it claims.
import { afterAll, describe, expect, it } from 'vitest';
import { evalBitslicedJs } from '../circuits/index.js';
import { ccVersion, compileC, runExe, type Compiled } from '../bench/cc.js';
import { runCEval, writeCInput } from '../bench/c-eval.js';
import { machinePeakGflops, parsePeakLine } from '../bench/machine-peak.js';
import { fixture } from './fixtures/random-circuit.js';

const cc = ccVersion();
if (!cc) console.log('no C compiler (cc) on the PATH: the C benchmark programs are not tested');

describe.skipIf(!cc)('bench/c/bitsliced.c', () => {
  const built: Compiled[] = [];
  afterAll(() => built.forEach((b) => b.done()));
  it('every kept word equals the JavaScript evaluator: all ops, W = 1, 17 (a partial pass), 40; repeated and input wires kept', () => {
    const bin = compileC('bitsliced');
    if (bin instanceof Error) throw bin;
    built.push(bin);
    for (const [seed, n, T, W] of [[1n, 1, 50, 1], [2n, 12, 600, 17], [3n, 30, 2000, 40]] as const) {
      const { c, inputs } = fixture(seed, n, T, W);
      const keep = [n + T - 1, 0, n + 3, n + 3, n - 1, ...c.outputs[0]!.wires];
      const want = evalBitslicedJs(c, inputs, W, keep);
      writeCInput(bin, c, inputs, W, keep);
      for (const mode of ['switch', 'runs'] as const) {
        const { seconds, out } = runCEval(bin, mode, 1);
        expect(seconds).toBeGreaterThan(0);
        expect(Array.from(out), `${mode}, W = ${W}`).toEqual(Array.from(want));
      }
    }
  });
});

describe.skipIf(!cc)('bench/c/peak.c', () => {
  it('1 and 2 threads: a line each whose flops are 2 x floats per vector x chains x iterations x threads', () => {
    const bin = compileC('peak', ['-pthread']);
    if (bin instanceof Error) throw bin;
    try {
      const lines = runExe(bin.exe, ['200000', '1', '2']).trim().split('\n');
      expect(lines).toHaveLength(2);
      lines.forEach((line, i) => {
        const r = parsePeakLine(line);
        expect(r.threads).toBe(i + 1);
        expect([8, 16]).toContain(r.vectorFloats);
        const chains = r.vectorFloats === 16 ? 12 : 10;
        expect(Number(line.split(/\s+/)[5])).toBe(2 * r.vectorFloats * chains * 200000 * r.threads);
        expect(r.cpuGflopsPerThread).toHaveLength(r.threads);
        for (const g of [r.wallGflops, ...r.cpuGflopsPerThread]) expect(g).toBeGreaterThan(0);
      });
    } finally {
      bin.done();
    }
  });
});

describe('machinePeakGflops', () => {
  it('GATECOT_PEAK_GFLOPS overrides the cache and any measurement', () => {
    const before = process.env.GATECOT_PEAK_GFLOPS;
    process.env.GATECOT_PEAK_GFLOPS = '123.5';
    try {
      expect(machinePeakGflops()).toEqual({ gflops: 123.5, source: 'GATECOT_PEAK_GFLOPS' });
    } finally {
      if (before === undefined) delete process.env.GATECOT_PEAK_GFLOPS;
      else process.env.GATECOT_PEAK_GFLOPS = before;
    }
  });
});
