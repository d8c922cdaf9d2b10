// `gatecot demo`: the whole story on a built-in 8-bit adder: compile it into a transformer,
// let the model write its chain of thought, show a few gates of the trace, check the outputs
// against direct evaluation, verify many inputs in float and paper-exact arithmetic, and write
// the HTML trace viewer of the whole run (to a fresh temporary folder unless --html names a file).

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { circuitStats, evalOutputsOne, inputBitsFromHex, outputHex, parseCircuitText } from '../../circuits/index.js';
import { compile } from '../../compiler/index.js';
import { bindCompiled } from '../../model/index.js';
import { CpuEngine, outputsOfSequence, promptOf, sampleInputs, traceGeneration, verifyModel } from '../../runtime/index.js';
import type { CliContext } from '../context.js';
import { EXIT_CHECK_FAILED } from '../errors.js';
import { writeOutput } from '../files.js';
import { refuseExistingPage, renderTraceHtml } from '../html/index.js';
import { ADDER8_GC } from '../examples/adder8.js';
import { parseCot } from '../load.js';
import { renderTraceText } from '../trace-text.js';
import { evalJson } from './circuit.js';
import { modelJson, outputGroups, printJson, valuesJson } from './json.js';
import { collect, modelSummaryLine } from './shared.js';
import { cotText } from './model.js';

function demoDir(): string {
  const dir = join(tmpdir(), `gatecot-demo-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('compile a built-in 8-bit adder, run its chain of thought, trace it and verify it')
    .option('--input <hex>', 'a, then b (hex; default 5b and 3c)', collect, [])
    .option('--cot <format>', '4tok or gate', '4tok')
    .option('--html <file>', 'where to write the trace viewer page (default: a new file in the temporary folder)')
    .option('--force', 'overwrite an existing --html file')
    .option('--json', 'print one JSON object')
    .action(async (o: { input: string[]; cot: string; html?: string; force?: boolean; json?: boolean }) => {
      refuseExistingPage(o.html, Boolean(o.force));
      // --json: the same work, the text lines left out, one object at the end.
      const out = (s = ''): void => void (o.json ? undefined : ctx.io.out(s + '\n'));
      const c = parseCircuitText(ADDER8_GC, { format: 'gc', file: '<built-in adder8.gc>', name: 'adder8' });
      // Every option is checked before the first line is printed.
      const cot = parseCot(o.cot);
      const hex = o.input.length > 0 ? o.input : ['5b', '3c'];
      const bits = inputBitsFromHex(c, hex);
      const st = circuitStats(c);
      out(`gatecot demo: an 8-bit ripple-carry adder, s = a + b (built-in .gc example)`);
      out(`circuit   ${st.inputs.join('+')} input bits, ${st.outputs.join('+')} output bits, ${st.total_gates} gates, depth ${st.depth}`);
      const model = compile(c, { cot });
      const bound = bindCompiled(model, c);
      out(`model     ${modelSummaryLine(model)}`);
      const engine = new CpuEngine(model, 'f32');
      const [seq] = await engine.generate([promptOf(bound, bits)], bound.seq.cotLength);
      const got = outputsOfSequence(bound, seq!);
      const want = evalOutputsOne(c, bits);
      out(`input     a = 0x${hex[0]}, b = 0x${hex[1]}`);
      out();
      const cotLine = cotText(bound, seq!);
      out('chain of thought, every token the argmax of the model (gate type, input a, input b, value):');
      out(wrap(cotLine, 78));
      out();
      if (!o.json) out(renderTraceText(traceGeneration(bound, bits, { gates: (g) => g < 3 })).trimEnd());
      out();
      const ok = got.every((x, i) => x === want[i]);
      out(`outputs   transformer s = 0x${outputHex(c, got)[0]}, direct evaluation s = 0x${outputHex(c, want)[0]}: ${ok ? 'equal' : 'DIFFERENT'}`);
      const inputs = sampleInputs(c.nInputs, 62, 2024n);
      const f32 = await verifyModel(bound, engine, inputs);
      const fixed = await verifyModel(bound, new CpuEngine(model, 'fixed:2'), inputs);
      out(`verify    f32:     ${f32.inputs_tested} inputs, ${f32.positions_checked} CoT positions, ${f32.mismatches} mismatches`);
      out(`verify    fixed:2: ${fixed.inputs_tested} inputs, ${fixed.positions_checked} CoT positions, ${fixed.mismatches} mismatches (paper-exact, constant precision)`);
      // The viewer shows every gate, with the default strips (every visible position here).
      const full = traceGeneration(bound, bits);
      const page = await renderTraceHtml(full);
      // Default: one page per user in the temporary folder, replaced by the next demo (no pile of folders).
      const path = o.html ?? join(demoDir(), 'adder8-trace.html');
      writeOutput(path, page, o.html === undefined || Boolean(o.force));
      out(`viewer    ${path}: open it in a browser to step through the chain of thought`);
      const all = ok && f32.ok && fixed.ok;
      out(all ? 'verdict   OK: the transformer computes the circuit' : 'verdict   FAILED');
      if (o.json) {
        const verify = [f32, fixed].map((r, k) => ({ arith: k === 0 ? 'f32' : 'fixed:2', inputs_tested: r.inputs_tested, positions_checked: r.positions_checked, mismatches: r.mismatches, ok: r.ok }));
        printJson(ctx, {
          ...evalJson(c, bits, got, 'lsb0'),
          expected: valuesJson(outputGroups(c), want),
          outputs_equal: ok,
          model: modelJson(model, bound),
          cot: cotLine,
          verify,
          viewer: path,
          ok: all,
          verdict: all ? 'OK' : 'FAILED',
        });
      }
      if (!all) ctx.code = EXIT_CHECK_FAILED;
    });
}

function wrap(s: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const w of s.split(' ')) {
    if (line.length + w.length + 1 > width && line) {
      lines.push(line);
      line = '  ';
    }
    line += (line.trim() ? ' ' : '') + w;
  }
  if (line.trim()) lines.push(line);
  return lines.join('\n');
}
