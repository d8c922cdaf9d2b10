// `gatecot trace`: the engine that generates the tokens (--backend, as for run and verify) and
// the CPU reference that computes the details teacher-forced on them, with every position where
// their argmax differ flagged; the plain-language line written from what the model fetched,
// checked on faulty models; one default attention window for --json and --html.
// The WebGPU cases are skipped without an adapter (with a line), a failure under CI=true.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOp, opCode, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { traceOfPage } from '../cli/html/index.js';
import { cliWithWebgpu } from './cli-helpers.js';
import { renderTraceText } from '../cli/trace-text.js';
import { compile, type CotFormat, type Fault } from '../compiler/index.js';
import { CpuEngine, defaultTraceWindow, promptOf, traceGeneration, type TraceData } from '../runtime/index.js';
import { gpuOrSkip } from './fixtures/gpu.js';
import { shared } from './shared.js';
import { bindModel } from '../model/index.js';

const LONG = 300_000;
const c17 = shared('iscas85/c17.bench');

const gpu = await gpuOrSkip('trace --backend webgpu tests');
const dir = mkdtempSync(join(tmpdir(), 'gatecot-trace-'));
afterAll(() => {
  gpu?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A generated circuit written to a .gc file. */
async function genFile(name: string, args: string[]): Promise<string> {
  const r = await cli(['gen', ...args]);
  expect(r.code, r.err).toBe(0);
  const file = join(dir, name);
  writeFileSync(file, r.out);
  return file;
}

const cli = cliWithWebgpu;

async function traceJson(args: string[], webgpu?: string): Promise<TraceData> {
  const r = await cli(['trace', ...args, '--json'], webgpu);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as TraceData;
}

describe('trace --backend', () => {
  it('cpu is the default: the same text and JSON, and no engines field', async () => {
    const args = [c17, '--bits', '10110'];
    const plain = await cli(['trace', ...args]);
    const cpu = await cli(['trace', ...args, '--backend', 'cpu']);
    expect(cpu).toEqual(plain);
    expect(cpu.out).not.toMatch(/^tokens: /m);
    const j = await traceJson([...args, '--backend', 'cpu']);
    expect(j).toEqual(await traceJson(args));
    expect(j).not.toHaveProperty('engines');
    expect(j.steps.some((s) => 'cpu_token' in s)).toBe(false);
  });

  it('without an adapter: webgpu exits 2 with one line (no page written); auto traces on the CPU with a notice', async () => {
    const args = [c17, '--bits', '10110'];
    for (const extra of [[], ['--json'], ['--html', '/nonexistent-dir/page.html']]) {
      const r = await cli(['trace', ...args, '--backend', 'webgpu', ...extra], 'off');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^gatecot: no WebGPU adapter/);
    }
    const auto = await cli(['trace', ...args, '--backend', 'auto'], 'off');
    expect(auto.code).toBe(0);
    expect(auto.err.trim().split('\n')).toHaveLength(1);
    expect(auto.err).toMatch(/using the CPU fast f32 kernel/);
    expect(auto.out).toBe((await cli(['trace', ...args])).out);
    const bad = await cli(['trace', ...args, '--backend', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--backend must be auto, cpu or webgpu, got 'gpu'/);
  });

  it('a disagreement between the generating engine and the CPU is flagged at every position where it occurs', () => {
    // A sequence another engine "generated": the CPU's own, with one value token flipped.
    const c = generate('adder', { width: '2' });
    const m = compile(c, { cot: '4tok' });
    const bits = Uint8Array.from([1, 1, 1, 0]);
    const cpu = new CpuEngine(m, 'f32');
    const [own] = cpu.generateSync([promptOf(bindModel(m), bits)], m.meta.cot_length);
    const seq = Int32Array.from(own!);
    const flip = m.meta.prompt.length + 4 + 3; // gate 1's value (the carry a[0] & b[0], read by gates 3 and 5)
    seq[flip] = seq[flip] === m.vocab.indexOf('1') ? m.vocab.indexOf('0') : m.vocab.indexOf('1');
    const engine = { backend: 'webgpu', arith: 'f32', description: 'a test engine' };
    const t = traceGeneration(bindModel(m), bits, { generated: { tokens: seq, engine } });
    // Independently: every position where the CPU, teacher-forced on seq, would write another token.
    const am = cpu.forwardSync([seq]).argmax[0]!;
    const want: number[] = [];
    for (let i = m.meta.prompt.length - 1; i < seq.length - 1; i++) if (am[i] !== seq[i + 1]) want.push(i + 1);
    expect(want).toContain(flip);
    expect(want.length).toBeGreaterThan(1); // the copies of the flipped value disagree too
    expect(t.engines).toEqual({ tokens: engine, details: { backend: 'cpu', arith: 'f32', description: expect.stringMatching(/^CPU fast f32 kernel/) }, disagreements: want });
    expect(t.tokens).toEqual(Array.from(seq));
    for (const s of t.steps) {
      expect(s.token).toBe(m.vocab[seq[s.writes]!]);
      if (want.includes(s.writes)) expect(s.cpu_token).toBe(m.vocab[am[s.pos]!]);
      else expect(s).not.toHaveProperty('cpu_token');
    }
    const text = renderTraceText(t);
    expect(text).toContain('tokens: webgpu f32 argmax; details: cpu f32, teacher-forced on those tokens\n');
    expect(text).toContain(`ENGINES DISAGREE at ${want.length} positions (≠): ${want.join(' ')}\n`);
    expect(text.split('\n').filter((l) => l.includes('≠ cpu'))).toHaveLength(want.length);
    // Given the CPU's own sequence, nothing disagrees and the steps are those of the one-pass trace.
    const same = traceGeneration(bindModel(m), bits, { generated: { tokens: own!, engine } });
    expect(same.engines!.disagreements).toEqual([]);
    const { engines: _e, ...rest } = same;
    expect(rest).toEqual(traceGeneration(bindModel(m), bits));
  });
});

describe.runIf(gpu !== undefined)('trace --backend webgpu (with an adapter)', () => {
  it('the tokens are the WebGPU engine\'s, the details the CPU\'s, and both are named', async () => {
    for (const [args, arith] of [
      [[c17, '--bits', '10110'], 'f32'],
      [[c17, '--bits', '01101', '--cot', 'gate'], 'f16'],
    ] as [string[], string][]) {
      const cpu = await traceJson([...args, '--arith', arith]);
      const g = await traceJson([...args, '--arith', arith, '--backend', 'webgpu']);
      expect(g.engines!.tokens.backend).toBe('webgpu');
      expect(g.engines!.tokens.arith).toBe(arith);
      expect(g.engines!.tokens.description).toBe(gpu!.info.line);
      expect(g.engines!.details).toEqual({ backend: 'cpu', arith, description: arith === 'f32' ? expect.stringMatching(/^CPU fast f32 kernel/) : `CPU reference (${arith})` });
      expect(g.engines!.disagreements).toEqual([]);
      const { engines: _e, ...rest } = g;
      expect(rest).toEqual(cpu);
      const auto = await traceJson([...args, '--arith', arith, '--backend', 'auto']);
      expect(auto).toEqual(g);
      const text = await cli(['trace', ...args, '--arith', arith, '--backend', 'webgpu']);
      expect(text.code).toBe(0);
      expect(text.out).toContain(`\ntokens: webgpu ${arith} argmax; details: cpu ${arith}, teacher-forced on those tokens\n`);
      expect(text.out).toContain(`\nthe cpu argmax agrees with webgpu ${arith} at every position\n`);
    }
  }, LONG);

  it('--html accepts it and embeds exactly the JSON of --json', async () => {
    const file = join(dir, 'c17-webgpu.html');
    const r = await cli(['trace', c17, '--bits', '10110', '--backend', 'webgpu', '--html', file]);
    expect(r.code).toBe(0);
    const page = traceOfPage(readFileSync(file, 'utf8'));
    expect(page).toEqual(await traceJson([c17, '--bits', '10110', '--backend', 'webgpu']));
    expect(page.engines!.tokens.backend).toBe('webgpu');
  }, LONG);
});

/** What a value step's line claims: OP(inputs) = value, and the rest after ", but". */
function claim(text: string): { op: string; ins: string[]; out: string; but: string } {
  const m = /^gate \d+(?: \([^)]*\))? = (\w+)\([^)]*\) = \1\(([^)]*)\) = (\S+?)(?:, but (.*))?$/.exec(text);
  if (!m) throw new Error(`not a value line: ${text}`);
  return { op: m[1]!, ins: m[2] ? m[2].split(', ') : [], out: m[3]!, but: m[4] ?? '' };
}

/** Checks every line of a trace against the tokens it reports; returns which complaints occurred. */
function checkLines(t: TraceData): { gateWrong: number; inputWrong: number } {
  const seen = { gateWrong: 0, inputWrong: 0 };
  const vocab = t.model.vocab;
  const truth = (w: number) => vocab[t.expected[t.wire_pos[w]!]!]!;
  for (const s of t.steps) {
    const g = t.circuit.gates[s.gate]!;
    const args = [g.a, g.b].filter((w) => w >= 0);
    const label = (w: number) => (w < t.circuit.n_inputs ? t.circuit.input_labels[w]! : t.circuit.gates[w - t.circuit.n_inputs]!.label);
    if (s.role === 'in_a' || s.role === 'in_b') {
      const w = args[s.role === 'in_a' ? 0 : 1];
      if (w === undefined) continue;
      expect(s.text).toContain(` = ${s.token} (from position ${t.wire_pos[w]})`);
      if (s.token !== truth(w)) expect(s.text).toContain(`but ${label(w)} is ${truth(w)}`);
      else if (vocab[t.tokens[t.wire_pos[w]!]!] === s.token) expect(s.text).not.toContain(', but');
      continue;
    }
    if (s.role !== 'value') continue;
    const c = claim(s.text);
    expect(c.op).toBe(g.op);
    expect(c.out).toBe(s.token);
    // The inputs are the tokens the model fetched: the slots it wrote (4tok), each head's argmax (gate).
    const from = args.map((w, i) => (t.model.cot === 'gate' ? s.heads[i]!.top[0]!.pos : s.pos - 1 + i));
    expect(c.ins).toEqual(from.map((q) => vocab[t.tokens[q]!]));
    const complaints: string[] = [];
    if (c.ins.every((x) => x === '0' || x === '1')) {
      const f = String(applyOp(opCode(c.op)!, Number(c.ins[0] ?? 0), Number(c.ins[1] ?? 0)));
      if (f !== c.out) {
        complaints.push(`${c.op}(${c.ins.join(', ')}) is ${f}`);
        seen.gateWrong++;
      }
    }
    args.forEach((w, i) => {
      if (c.ins[i] === truth(w)) return;
      complaints.push(`${label(w)} is ${truth(w)}`);
      seen.inputWrong++;
    });
    for (const x of complaints) expect(c.but).toContain(x);
    if (complaints.length === 0) expect(c.but).toBe('');
  }
  return seen;
}

describe('the plain-language line', () => {
  const add2: Circuit = generate('adder', { width: '2' });
  const bits = Uint8Array.from([1, 1, 1, 0]); // a = 3, b = 1

  it('a correct model: every line agrees with itself and with the circuit', () => {
    for (const cot of ['4tok', 'gate'] as CotFormat[]) {
      const t = traceGeneration(bindModel(compile(add2, { cot })), bits);
      expect(checkLines(t)).toEqual({ gateWrong: 0, inputWrong: 0 });
      expect(t.steps.some((s) => s.text.includes(', but'))).toBe(false);
    }
  });

  it('a faulty model: the values the model fetched, and "but" where they contradict the gate or the circuit', () => {
    const seen = { gateWrong: 0, inputWrong: 0 };
    for (const fault of ['swap-gate', 'weak-scale', 'off-by-one'] as Fault[]) {
      for (const cot of ['4tok', 'gate'] as CotFormat[]) {
        const r = checkLines(traceGeneration(bindModel(compile(add2, { cot, fault })), bits));
        seen.gateWrong += r.gateWrong;
        seen.inputWrong += r.inputWrong;
      }
    }
    expect(seen.gateWrong).toBeGreaterThan(0);
    expect(seen.inputWrong).toBeGreaterThan(0);
  });

  it('reads plainly on the faults of the issue (CLI)', async () => {
    const gc = await genFile('add2.gc', ['adder', '--width', '2']);
    const text = (t: TraceData, gate: number, role: string) => t.steps.find((s) => s.gate === gate && s.role === role)!.text;
    const ab = ['--input', '3', '--input', '1'];
    // swap-gate: AND gates apply OR's table.
    for (const cot of ['4tok', 'gate']) {
      const r = await cli(['trace', gc, ...ab, '--cot', cot, '--inject-fault', 'swap-gate', '--json']);
      expect(text(JSON.parse(r.out) as TraceData, 4, 'value')).toBe('gate 4 = AND(a[1], b[1]) = AND(1, 0) = 1, but AND(1, 0) is 0');
    }
    // weak-scale: the heads cannot single out a position; the model writes 0 for inputs that are 1.
    const weak = JSON.parse((await cli(['trace', gc, ...ab, '--inject-fault', 'weak-scale', '--json'])).out) as TraceData;
    expect(text(weak, 0, 'in_a')).toBe('gate 0 (s[0]): input a is a[0] = 0 (from position 1), but a[0] is 1 (position 1 holds 1)');
    expect(text(weak, 0, 'value')).toBe('gate 0 (s[0]) = XOR(a[0], b[0]) = XOR(0, 0) = 0, but a[0] is 1 and b[0] is 1');
    // The terminal view wraps a long line instead of cutting off its "but".
    const off = await cli(['trace', gc, ...ab, '--cot', 'gate', '--inject-fault', 'off-by-one', '--gate', '0']);
    expect(off.out).toContain('gate 0 (s[0]) = XOR(a[0], b[0]) = XOR(<bos>, 1) = 1, but a[0] is 1 (head a read\n    position 0, not 1)\n');
    for (const l of off.out.split('\n').filter((x) => /^(gate|    \S)/.test(x))) expect(l.length).toBeLessThanOrEqual(80);
  });
});

/** Terminal columns of a line (every character the trace prints is one column wide). */
function width(line: string): number {
  return [...line].length;
}

/**
 * Checks the top-positions lines of a text trace against its JSON: under each step, one cell
 * `h top @p:w ...` for each head whose weight on its target is below 0.9 or whose most-attended
 * position is another, naming that head's top positions and weights; nothing under the others.
 * Returns the number of cells.
 */
function checkTopLines(text: string, data: TraceData): number {
  const byPos = new Map(data.steps.map((s) => [s.writes, s]));
  let step: TraceData['steps'][number] | undefined;
  const cells = new Map<number, string[]>();
  for (const line of text.split('\n')) {
    const m = /^  [ ✗]\s*(\d+) /.exec(line);
    if (m) {
      step = byPos.get(Number(m[1]));
      expect(step, line).toBeDefined();
      cells.set(step!.writes, []);
    } else if (/^ {10}\S/.test(line)) cells.get(step!.writes)!.push(...line.trim().split('; '));
    else if (!/^ {4}\S/.test(line)) step = undefined; // a gate line, the legend, the outputs
  }
  let n = 0;
  for (const s of data.steps) {
    const missed = s.heads.filter((h) => h.target_weight < 0.9 || h.top[0]!.pos !== h.target);
    const got = cells.get(s.writes)!;
    expect(got.length, `step ${s.writes}`).toBe(missed.length);
    missed.forEach((h, i) => {
      const m = /^(\w+) top((?: @\d+:\S+)+)$/.exec(got[i]!);
      expect(m, got[i]).not.toBeNull();
      expect(m![1]).toBe(h.name.replace('fetch_', ''));
      const shown = m![2]!.trim().split(' ').map((c) => c.slice(1).split(':').map(Number) as [number, number]);
      expect(shown.map((x) => x[0])).toEqual(h.top.map((t) => t.pos));
      shown.forEach(([, w], k) => expect(Math.abs(w - h.top[k]!.weight)).toBeLessThanOrEqual(0.005));
      n++;
    });
  }
  return n;
}

describe('the terminal view', () => {
  it('fits 80 columns and shows where the heads that missed looked, on normal, weak and faulty models', async () => {
    const rnd = await genFile('rnd.gc', ['random', '--inputs', '8', '--gates', '20', '--seed', '3']);
    const add = await genFile('add16.gc', ['adder', '--width', '16']);
    const cases: [string[], 'none' | 'some' | 'all'][] = [
      [[c17, '--bits', '10110'], 'none'],
      [[c17, '--bits', '10110', '--cot', 'gate'], 'none'],
      [[add, '--input', 'beef', '--input', '1234'], 'none'],
      [[rnd, '--bits', '10110011', '--cot', 'gate', '--scale', '0.05'], 'all'],
      [[rnd, '--bits', '10110011', '--scale', '0.05'], 'all'],
      [[rnd, '--bits', '10110011', '--scale', '2'], 'some'], // 32 of 160 weights in 0.5..0.9, the rest above
      [[add, '--input', 'beef', '--input', '1234', '--scale', '0.05', '--max-gates', '1000'], 'all'],
      [[rnd, '--bits', '10110011', '--cot', 'gate', '--inject-fault', 'off-by-one'], 'some'],
    ];
    for (const [args, missed] of cases) {
      const r = await cli(['trace', ...args]);
      expect([0, 1], r.err).toContain(r.code);
      const lines = r.out.trimEnd().split('\n');
      expect(Math.max(...lines.map(width)), args.join(' ')).toBeLessThanOrEqual(80);
      expect(lines.slice(0, 4).join('\n')).toMatch(/\ncolumns: written position, token, head@target:weight \(! = not the top position\),\n    y = FF output; a head below 0\.9 or off target also lists its top positions$/);
      const data = JSON.parse((await cli(['trace', ...args, '--json'])).out) as TraceData;
      const cells = checkTopLines(r.out, data);
      const heads = data.steps.length * data.model.heads.length;
      if (missed === 'none') expect(cells, args.join(' ')).toBe(0);
      else if (missed === 'all') expect(cells, args.join(' ')).toBe(heads);
      else expect(cells, args.join(' ')).toBeGreaterThan(0);
    }
    // Off by one: head a's weight is all on the position before its target, and says so.
    const off = await cli(['trace', rnd, '--bits', '10110011', '--cot', 'gate', '--inject-fault', 'off-by-one', '--gate', '4']);
    expect(off.out).toContain('\n  ✗    13 0      a@1:2e-9! b@9:1.00             y=0.00\n          a top @0:1.00 @1:2e-9 @2:2e-9\n');
  }, LONG);
});

describe('the default attention window', () => {
  it('is one rule for --json and --html: every position up to 600, else ±32', async () => {
    expect(defaultTraceWindow(30)).toBe(30);
    expect(defaultTraceWindow(600)).toBe(600);
    expect(defaultTraceWindow(601)).toBe(32);
    const small = await traceJson([c17, '--bits', '10110']);
    expect(small.window).toBe(small.model.seq_len);
    for (const s of small.steps) for (const h of s.heads) {
      expect(h.strip.from).toBe(0);
      expect(h.strip.weights).toHaveLength(s.pos + 1);
    }
    // An adder of 30 bits: 147 gates, 649 positions in 4tok.
    const gc = await genFile('add30.gc', ['adder', '--width', '30']);
    const big = await traceJson([gc, '--input', '0', '--input', '0', '--gate', '0']);
    expect(big.model.seq_len).toBeGreaterThan(600);
    expect(big.window).toBe(32);
    const help = await cli(['trace', '--help']);
    expect(help.out.replace(/\s+/g, ' ')).toContain('the same for --json and --html (default: every position when the sequence has at most 600, else 32)');
  }, LONG);
});
