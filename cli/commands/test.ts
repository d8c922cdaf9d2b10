// `gatecot test FILE`: runs the circuit's embedded test cases (`test a=.. -> s=..;` in .gc).

import type { Command } from 'commander';
import { evalOutputsOne, inputOffsets, toHex, valueToBits, bitsToValue, type Circuit, type EmbeddedTest } from '../../circuits/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED } from '../errors.js';
import { loadCircuit } from '../files.js';
import { printJson } from './json.js';

export interface TestOutcome {
  test: EmbeddedTest;
  ok: boolean;
  /** Output group -> [expected, got] for the groups the test checks. */
  diffs: { group: string; expected: bigint; got: bigint; width: number }[];
}

export function runEmbeddedTest(c: Circuit, t: EmbeddedTest): TestOutcome {
  const bits = new Uint8Array(c.nInputs);
  const offs = inputOffsets(c);
  c.inputs.forEach((g, i) => bits.set(valueToBits(t.inputs[g.name] ?? 0n, g.width), offs[i]!));
  const out = evalOutputsOne(c, bits);
  const diffs: TestOutcome['diffs'] = [];
  let o = 0;
  let ok = true;
  for (const g of c.outputs) {
    const w = g.wires.length;
    const got = bitsToValue(out.subarray(o, o + w));
    o += w;
    const expected = t.expect[g.name];
    if (expected === undefined) continue;
    diffs.push({ group: g.name, expected, got, width: w });
    if (expected !== got) ok = false;
  }
  return { test: t, ok, diffs };
}

export function registerTest(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .description("run a circuit file's embedded test cases")
    .argument('<file>', 'circuit file (.gc with `test` lines)')
    .option('--format <fmt>', 'input format')
    .option('--top <module>', 'Verilog: the module to read (default: the one marked (* top *), else the one Yosys finds on top)')
    .option('--json', 'print one JSON object')
    .action((file: string, o: { format?: string; json?: boolean }) => {
      const c = loadCircuit(file, o);
      const tests = c.tests ?? [];
      if (o.json) {
        const results = tests.map((t) => testJson(c, runEmbeddedTest(c, t)));
        const failed = results.filter((r) => !r.ok).length;
        printJson(ctx, { file, circuit: c.name, tests: results, total: results.length, passed: results.length - failed, failed, ok: failed === 0 });
        if (failed > 0) ctx.code = EXIT_CHECK_FAILED;
        return;
      }
      if (tests.length === 0) {
        ctx.io.out(`${file}: no embedded tests\n`);
        return;
      }
      let failed = 0;
      for (const t of tests) {
        const r = runEmbeddedTest(c, t);
        const show = (pick: 'expected' | 'got') => r.diffs.map((d) => `${d.group}=0x${toHex(d[pick], d.width)}`).join(' ');
        if (r.ok) ctx.io.out(`PASS line ${t.line}: ${show('got')}\n`);
        else {
          failed++;
          ctx.io.out(`FAIL line ${t.line}: expected ${show('expected')}, got ${show('got')}\n`);
        }
      }
      ctx.io.out(`${tests.length - failed} passed, ${failed} failed\n`);
      if (failed > 0) ctx.code = EXIT_CHECK_FAILED;
    });
}

/** One test of test --json: its line, the input values it sets and, per output group it checks, the expected and computed values (hex). */
function testJson(c: Circuit, r: TestOutcome): { line: number; ok: boolean; inputs: Record<string, string>; expected: Record<string, string>; got: Record<string, string> } {
  const inputs: Record<string, string> = {};
  for (const g of c.inputs) inputs[g.name] = toHex(r.test.inputs[g.name] ?? 0n, g.width);
  const expected: Record<string, string> = {};
  const got: Record<string, string> = {};
  for (const d of r.diffs) {
    expected[d.group] = toHex(d.expected, d.width);
    got[d.group] = toHex(d.got, d.width);
  }
  return { line: r.test.line, ok: r.ok, inputs, expected, got };
}
