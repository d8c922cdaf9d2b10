// Every command's --json (issue 16 §3): stdout is ONE JSON object and nothing else, with the keys
// the README's "JSON output" section documents; values are cross-checked against an independent
// source where that is cheap (integer arithmetic, direct evaluation, the parsed circuit, the
// written file, the adapter itself). Errors stay one line on stderr with exit 2, stdout empty.

import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evalOutputsOne, parseCircuitText, readCircuitFile, type Circuit } from '../circuits/index.js';
import { modelFromBytes } from '../model/index.js';
import { cli, cliWithWebgpu } from './cli-helpers.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { loadShared, shared } from './shared.js';

const LONG = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'gatecot-json-'));
const c17 = shared('iscas85/c17.bench');
const adder64 = shared('bristol/adder64.txt');

type Obj = Record<string, unknown>;

/** stdout is exactly one line holding one JSON object (not an array, not a scalar). */
function one(stdout: string): Obj {
  expect(stdout.endsWith('\n'), 'stdout ends with a newline').toBe(true);
  expect(stdout.trimEnd().split('\n'), 'one line').toHaveLength(1);
  const j = JSON.parse(stdout) as unknown;
  expect(typeof j === 'object' && j !== null && !Array.isArray(j), 'an object').toBe(true);
  return j as Obj;
}

function keys(j: Obj, want: string[]): void {
  for (const k of want) expect(j, `key ${k}`).toHaveProperty(k);
}

function load(path: string): Circuit {
  const r = readCircuitFile(path);
  if (!r.ok) throw r.error;
  return r.value;
}

/** The groups of a parsed circuit, as {name, width}. */
const groupsOf = (c: Circuit) => ({
  inputs: c.inputs.map((g) => ({ name: g.name, width: g.width })),
  outputs: c.outputs.map((g) => ({ name: g.name, width: g.wires.length })),
});

const bitsOf = (s: string): Uint8Array => Uint8Array.from(s, (ch) => Number(ch));

/** A 64-bit value as 64 bits, wire k = bit k. */
const bits64 = (v: bigint): number[] => Array.from({ length: 64 }, (_, k) => Number((v >> BigInt(k)) & 1n));

const ADDER_GC = 'circuit add2;\ninput a[2], b[2];\noutput s[3];\ns[0] = a[0] ^ b[0];\ns[1] = a[1] ^ b[1] ^ (a[0] & b[0]);\ns[2] = (a[1] & b[1]) | ((a[1] ^ b[1]) & (a[0] & b[0]));\n';

describe('stats --json', () => {
  it('keeps its keys and adds the name and the group names, as the parsed circuit has them', async () => {
    for (const f of [c17, adder64]) {
      const r = await cli('stats', f, '--json');
      expect(r.code).toBe(0);
      const j = one(r.stdout);
      keys(j, ['name', 'inputs', 'outputs', 'input_groups', 'output_groups', 'gates', 'total_gates', 'depth', 'wires']);
      const c = load(f);
      const g = groupsOf(c);
      expect(j.name).toBe(c.name);
      expect(j.input_groups).toEqual(g.inputs);
      expect(j.output_groups).toEqual(g.outputs);
      expect(j.inputs).toEqual(g.inputs.map((x) => x.width));
      expect(j.outputs).toEqual(g.outputs.map((x) => x.width));
      expect(j.total_gates).toBe(c.ops.length);
      expect(j.wires).toBe(c.nInputs + c.ops.length);
    }
  });
  it('names the groups of a .gc file (the text shows the same names)', async () => {
    const f = join(dir, 'add2.gc');
    writeFileSync(f, ADDER_GC);
    const j = one((await cli('stats', f, '--json')).stdout);
    expect(j.name).toBe('add2');
    expect(j.input_groups).toEqual([{ name: 'a', width: 2 }, { name: 'b', width: 2 }]);
    expect(j.output_groups).toEqual([{ name: 's', width: 3 }]);
    const text = (await cli('stats', f)).stdout;
    expect(text).toContain('a[2] b[2]');
    expect(text).toContain('s[3]');
  });
});

describe('eval --json', () => {
  it('adder64: the output equals (a + b) mod 2^64, computed here', async () => {
    const cases: [bigint, bigint][] = [
      [0x0123456789abcdefn, 0xfedcba9876543210n],
      [0xffffffffffffffffn, 1n],
      [0xdeadbeefcafebaben, 0x1234567890abcdefn],
    ];
    for (const [a, b] of cases) {
      const r = await cli('eval', adder64, '--input', a.toString(16), '--input', b.toString(16), '--json');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const j = one(r.stdout);
      keys(j, ['circuit', 'order', 'inputs', 'outputs', 'input_bits', 'output_bits']);
      const sum = (a + b) % (1n << 64n);
      const outs = j.outputs as { name: string; width: number; hex: string }[];
      expect(outs).toHaveLength(1);
      expect(outs[0]!.width).toBe(64);
      expect(BigInt('0x' + outs[0]!.hex)).toBe(sum);
      expect(outs[0]!.hex).toHaveLength(16);
      const ins = j.inputs as { hex: string }[];
      expect(ins.map((x) => BigInt('0x' + x.hex))).toEqual([a, b]);
      expect(j.input_bits).toBe([...bits64(a), ...bits64(b)].join(''));
      expect(j.output_bits).toBe(bits64(sum).join(''));
      expect((j.circuit as Obj).gates).toBe(loadShared('bristol/adder64.txt').ops.length);
    }
  });
  it('--bits: the output bits equal direct evaluation; the groups get their hex too', async () => {
    const c = loadShared('iscas85/c17.bench');
    for (const b of ['00000', '10110', '11111', '01001']) {
      const j = one((await cli('eval', c17, '--bits', b, '--json')).stdout);
      expect(j.input_bits).toBe(b);
      expect(j.output_bits).toBe(Array.from(evalOutputsOne(c, bitsOf(b))).join(''));
      const out = (j.outputs as { hex: string }[])[0]!;
      expect(parseInt(out.hex, 16)).toBe(parseInt(Array.from(evalOutputsOne(c, bitsOf(b))).reverse().join(''), 2));
    }
  });
  it('--order msb0 gives the hex in that order, as the text does', async () => {
    const f = join(dir, 'add2.gc');
    writeFileSync(f, ADDER_GC);
    const j = one((await cli('eval', f, '--input', '1', '--input', '1', '--order', 'msb0', '--json')).stdout);
    const text = (await cli('eval', f, '--input', '1', '--input', '1', '--order', 'msb0')).stdout.trim();
    expect(j.order).toBe('msb0');
    expect((j.outputs as { hex: string }[])[0]!.hex).toBe(text);
  });
});

describe('convert --json', () => {
  it('gates_written equals what the written file holds', async () => {
    const gc = join(dir, 'c17.gc');
    const j = one((await cli('convert', c17, '-o', gc, '--json')).stdout);
    keys(j, ['from', 'path', 'format', 'circuit', 'gates_written', 'bytes']);
    expect(j).toMatchObject({ from: c17, path: gc, format: 'gc' });
    expect(j.gates_written).toBe(load(gc).ops.length);
    expect(j.bytes).toBe(statSync(gc).size);
    const txt = join(dir, 'c17.txt');
    const b = one((await cli('convert', c17, '-o', txt, '--json')).stdout);
    expect(b.format).toBe('bristol');
    // Bristol Fashion states its gate count first; the gate lines are the ones with the op at the end.
    const lines = readFileSync(txt, 'utf8').trim().split('\n');
    expect(b.gates_written).toBe(Number(lines[0]!.trim().split(/\s+/)[0]));
    expect(b.gates_written).toBe(lines.filter((l) => /\b(XOR|AND|INV|EQ|EQW)\s*$/.test(l)).length);
    expect((b.circuit as Obj).gates).toBe(6);
    const cvp = join(dir, 'c17.cvp');
    const v = one((await cli('convert', c17, '-o', cvp, '--bits', '10110', '--json')).stdout);
    expect(v.format).toBe('cvp');
    // One gate per line (TYPE in1 in2 id); '#' lines are comments. The inputs became 5 constants.
    expect(v.gates_written).toBe(readFileSync(cvp, 'utf8').split('\n').filter((l) => /^[A-Z]+ /.test(l)).length);
    expect(v.gates_written).toBe(5 + 6);
  });
});

describe('gen --json', () => {
  it('without -o: the .gc text in "text"; the gate count is the parsed text\'s', async () => {
    const r = await cli('gen', 'adder', '--width', '8', '--json');
    expect(r.code).toBe(0);
    const j = one(r.stdout);
    keys(j, ['family', 'options', 'circuit', 'format', 'gates_written', 'text']);
    expect(j.family).toBe('adder');
    expect(j.options).toEqual({ width: '8' });
    const c = parseCircuitText(j.text as string, { format: 'gc', file: 'gen.gc', name: 'gen' });
    expect(j.gates_written).toBe(c.ops.length);
    expect((j.circuit as Obj).gates).toBe(c.ops.length);
    expect((j.circuit as Obj).input_groups).toEqual(groupsOf(c).inputs);
    // The text is the .gc that gen prints without --json.
    expect(j.text).toBe((await cli('gen', 'adder', '--width', '8')).stdout);
  });
  it('with -o: the path, the format, every option with its default, the gates of the written file', async () => {
    const out = join(dir, 's5.gc');
    const j = one((await cli('gen', 's5', '--count', '3', '-o', out, '--json')).stdout);
    expect(j).toMatchObject({ family: 's5', path: out, format: 'gc' });
    expect(j.options).toEqual({ count: '3', tree: false });
    const c = load(out);
    expect(j.gates_written).toBe(c.ops.length);
    expect((j.circuit as Obj).gates).toBe(c.ops.length);
    expect((j.circuit as Obj).name).toBe(c.name);
  });
});

describe('test --json', () => {
  it('each embedded test with its values, pass/fail and the totals; exit 1 when one fails', async () => {
    const f = join(dir, 'tests.gc');
    // test 3 expects a wrong sum on purpose.
    writeFileSync(f, ADDER_GC + 'test a=1 b=1 -> s=2;\ntest a=3 b=3 -> s=6;\ntest a=3 b=2 -> s=4;\n');
    const r = await cli('test', f, '--json');
    expect(r.code).toBe(1);
    const j = one(r.stdout);
    keys(j, ['file', 'circuit', 'tests', 'total', 'passed', 'failed', 'ok']);
    expect(j).toMatchObject({ total: 3, passed: 2, failed: 1, ok: false, circuit: 'add2' });
    const tests = j.tests as { line: number; ok: boolean; inputs: Record<string, string>; expected: Record<string, string>; got: Record<string, string> }[];
    for (const t of tests) {
      const sum = parseInt(t.inputs.a!, 16) + parseInt(t.inputs.b!, 16);
      expect(parseInt(t.got.s!, 16), `line ${t.line}`).toBe(sum);
      expect(t.ok).toBe(parseInt(t.expected.s!, 16) === sum);
    }
    expect(tests.map((t) => t.line)).toEqual([7, 8, 9]);
    const none = join(dir, 'none.gc');
    writeFileSync(none, ADDER_GC);
    const n = await cli('test', none, '--json');
    expect(n.code).toBe(0);
    expect(one(n.stdout)).toMatchObject({ tests: [], total: 0, passed: 0, failed: 0, ok: true });
  });
});

describe('compile --json', () => {
  it('a circuit file: the path, the bytes written, the model the file holds', async () => {
    const out = join(dir, 'c17.safetensors');
    const r = await cli('compile', c17, '-o', out, '--json');
    expect(r.code).toBe(0);
    const j = one(r.stdout);
    keys(j, ['path', 'bytes', 'seconds', 'model', 'circuit']);
    expect(j.path).toBe(out);
    expect(j.bytes).toBe(statSync(out).size);
    const m = modelFromBytes(readFileSync(out), out);
    expect(j.model).toMatchObject({ mode: 'positional', construction: 'cot', cot: '4tok', layers: m.meta.n_layers, heads_per_layer: m.meta.heads, d_model: m.d, vocab_size: m.vocab.length });
    // 4tok: the prompt is <bos> and the 5 inputs, then 4 tokens per gate.
    expect((j.model as Obj).seq_len).toBe(1 + 5 + 4 * 6);
    expect(j.circuit).toMatchObject({ name: 'c17', inputs: 5, gates: 6 });
  });
  it('--uniform: capacity, three layers of 4, 2, 1 heads, d_model 12L + 49', async () => {
    const out = join(dir, 'u100.safetensors');
    const j = one((await cli('compile', '--uniform', '--max-wires', '100', '-o', out, '--json')).stdout);
    const L = Math.ceil(Math.log2(100));
    expect(j.model).toMatchObject({ mode: 'uniform', construction: 'cot', capacity: 100, layers: 3, heads_per_layer: [4, 2, 1], d_model: 12 * L + 49 });
    expect(j.bytes).toBe(statSync(out).size);
    expect(modelFromBytes(readFileSync(out), out).d).toBe(12 * L + 49);
    expect(j).not.toHaveProperty('circuit');
  });
});

describe('run --json', () => {
  it('a compiled circuit: outputs equal direct evaluation, ok, the CoT length; --show-cot goes in "cot"', async () => {
    const c = loadShared('iscas85/c17.bench');
    for (const b of ['10110', '01101']) {
      const r = await cli('run', c17, '--bits', b, '--json', '--show-cot');
      expect(r.code).toBe(0);
      const j = one(r.stdout);
      keys(j, ['circuit', 'inputs', 'outputs', 'expected', 'input_bits', 'output_bits', 'ok', 'backend', 'arith', 'model', 'prompt_length', 'cot_length', 'seconds', 'cot']);
      expect(j.output_bits).toBe(Array.from(evalOutputsOne(c, bitsOf(b))).join(''));
      expect(j.outputs).toEqual(j.expected);
      expect(j.ok).toBe(true);
      expect(j.cot_length).toBe(4 * 6);
      // The CoT text: the prompt, then one group of 4 tokens per gate, each group's last token the gate's value.
      const groups = (j.cot as string).split(' | ').slice(1);
      expect(groups).toHaveLength(6);
    }
  });
  it('a uniform looped model with --loops auto: the loop fields, the outputs, exit 0', async () => {
    const model = join(dir, 'ul.safetensors');
    expect((await cli('compile', '--uniform', '--max-wires', '32', '--mode', 'looped', '-o', model)).code).toBe(0);
    const r = await cli('run', model, '--circuit', c17, '--bits', '10110', '--loops', 'auto', '--json');
    expect(r.code).toBe(0);
    const j = one(r.stdout);
    expect(j.output_bits).toBe(Array.from(evalOutputsOne(loadShared('iscas85/c17.bench'), bitsOf('10110'))).join(''));
    expect(j).toMatchObject({ ok: true, loops_source: 'auto', circuit_depth: 3, cot_length: 0 });
    expect(j.loops).toBeLessThanOrEqual(3);
    expect((j.model as Obj).construction).toBe('looped');
    expect(r.stderr).toMatch(/the loop settled after/);
  });
  it('a miscompiled model: ok false, exit 1, a + b in "expected", the wrong sum in "outputs"', async () => {
    const f = join(dir, 'add2-run.gc');
    writeFileSync(f, ADDER_GC);
    // swap-gate: the AND gates compute OR, so 1 + 2 carries where it must not.
    const r = await cli('run', f, '--input', '1', '--input', '2', '--inject-fault', 'swap-gate', '--json');
    expect(r.code).toBe(1);
    const j = one(r.stdout);
    expect(j.ok).toBe(false);
    expect(parseInt((j.expected as { hex: string }[])[0]!.hex, 16)).toBe(1 + 2);
    expect(parseInt((j.outputs as { hex: string }[])[0]!.hex, 16)).not.toBe(1 + 2);
    expect((j.model as Obj).fault).toBe('swap-gate');
    expect(r.stderr).toMatch(/differ from direct evaluation/);
  });
});

describe('demo --json', () => {
  it('the outputs (a + b computed here), both verifications, the viewer page, the verdict', async () => {
    const html = join(dir, 'demo.html');
    const r = await cli('demo', '--input', 'c8', '--input', '7f', '--html', html, '--json');
    expect(r.code).toBe(0);
    const j = one(r.stdout);
    keys(j, ['circuit', 'inputs', 'outputs', 'expected', 'outputs_equal', 'model', 'cot', 'verify', 'viewer', 'ok', 'verdict']);
    expect(parseInt((j.outputs as { hex: string }[])[0]!.hex, 16)).toBe(0xc8 + 0x7f);
    expect(j.outputs_equal).toBe(true);
    const v = j.verify as { arith: string; inputs_tested: number; positions_checked: number; mismatches: number; ok: boolean }[];
    expect(v.map((x) => x.arith)).toEqual(['f32', 'fixed:2']);
    for (const x of v) expect(x).toMatchObject({ mismatches: 0, ok: true, positions_checked: x.inputs_tested * 4 * 37 });
    expect(j).toMatchObject({ viewer: html, ok: true, verdict: 'OK' });
    expect(existsSync(html)).toBe(true);
  }, LONG);
});

describe('doctor --json', () => {
  it('no adapter: the one-line error on stderr, exit 2, and {ok: false, adapter: null} on stdout', async () => {
    const r = await cliWithWebgpu(['doctor', '--json'], 'off');
    expect(r.code).toBe(2);
    expect(one(r.out)).toMatchObject({ ok: false, adapter: null });
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});

const gpu = await gpuOrSkip('doctor --json with an adapter', { wantF16: true });
afterAll(() => gpu?.destroy());
(gpu ? describe : describe.skip)('doctor --json with an adapter', () => {
  it('the adapter, its limits and features as the adapter reports them, and the self-test', async () => {
    const r = await cliWithWebgpu(['doctor', '--json']);
    expect(r.code).toBe(0);
    const j = one(r.out);
    keys(j, ['ok', 'adapter', 'limits', 'features', 'attention_kernel', 'selftest']);
    expect((j.adapter as Obj).line).toBe(gpu!.info.line);
    expect((j.limits as Obj).maxStorageBufferBindingSize).toBe(gpu!.device.limits.maxStorageBufferBindingSize);
    expect((j.features as Obj).shader_f16).toBe(gpu!.adapter.features.has('shader-f16'));
    const st = j.selftest as { ok: boolean; results: { arith: string; ok: boolean; token_mismatches: number }[] };
    expect(st.ok).toBe(true);
    expect(st.results[0]).toMatchObject({ arith: 'f32', ok: true, token_mismatches: 0 });
  }, LONG);
});

describe('errors with --json stay one line on stderr, exit 2, nothing on stdout', () => {
  const cases: [string, string[]][] = [
    ['eval: wrong bit count', ['eval', c17, '--bits', '1', '--json']],
    ['stats: missing file', ['stats', join(dir, 'nope.bench'), '--json']],
    ['convert: unknown --to', ['convert', c17, '-o', join(dir, 'x.out'), '--to', 'vhdl', '--json']],
    ['gen: unknown family', ['gen', 'nope', '--json']],
    ['test: missing file', ['test', join(dir, 'nope.gc'), '--json']],
    ['compile: no --max-wires', ['compile', '--uniform', '-o', join(dir, 'u.safetensors'), '--json']],
    ['run: bad --input', ['run', c17, '--input', 'zz', '--json']],
    ['demo: bad --cot', ['demo', '--cot', 'foo', '--json']],
  ];
  for (const [what, argv] of cases) {
    it(what, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^gatecot: /);
    });
  }
});
