// The uniform looped model (no CoT, the circuit in the prompt): one weight file of capacity N
// serves every circuit of at most N wires, its block looped the circuit's depth times. Checked
// against direct evaluation (every wire's argmax, CPU reference in f32 and the paper's fixed:2),
// loop counts (depth - 1 fails, auto settles by depth, 1000s of extra loops change nothing), the
// heads against their contract targets, resources at several N, the file, and the CLI.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { circuitDepth, evalOne, parseCircuitText, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, compileUniformLooped } from '../compiler/index.js';
import { bindModel, modelFromBytes, modelToBytes, ownIdPosition, sha256, uniformLoopedWidths, type Model } from '../model/index.js';
import { allInputs, CpuEngine, CpuStepper, loopSetting, prepare, parseArith, promptOf, sampleInputs, verifyModel, type LoopSetting, type PositionDetail } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { loadShared, shared } from './shared.js';

const random = (gates: number, inputs: number, seed: number, extra: Record<string, string> = {}): Circuit =>
  generate('random', { gates: String(gates), inputs: String(inputs), seed: String(seed), ...extra });

/** Verifies c through m with the circuit's own loop count (or `loops`); returns the report. */
async function check(m: Model, c: Circuit, arith: string, inputs: Uint8Array[], loops?: LoopSetting) {
  const b = bindModel(m, c);
  const rl = loopSetting(b, loops);
  return verifyModel(b, new CpuEngine(m, arith, rl.loops !== undefined ? { loops: rl.loops } : {}), inputs);
}

async function verifies(m: Model, c: Circuit, arith: string, inputs: Uint8Array[]): Promise<void> {
  const r = await check(m, c, arith, inputs);
  expect(r.mismatches, `${c.name} ${arith}: ${JSON.stringify(r.first)}`).toBe(0);
  expect(r.positions_checked).toBe(inputs.length * (c.nInputs + c.ops.length));
}

describe('resources', () => {
  it('the same 2 stored layers of 3 and 2 heads at N = 16, 1024 and 65536; d_model = 4 ceil(log2 N) + 23', () => {
    for (const N of [2, 3, 16, 17, 1024, 65536]) {
      const m = compileUniformLooped(N);
      expect(m.meta.heads).toEqual([3, 2]);
      expect(m.layers.map((L) => L.heads.length)).toEqual([3, 2]);
      expect(m.meta.loop).toEqual({ start: 1, end: 2, count: N, count_is: 'capacity' });
      const L = Math.max(1, Math.ceil(Math.log2(N)));
      expect(m.d).toBe(4 * L + 23);
      expect(uniformLoopedWidths(N).d).toBe(m.d);
      expect(m.meta.max_seq_len).toBe(1 + 4 * N);
      expect(m.posEmb.length).toBe((1 + 4 * N) * m.d);
      expect(m.vocab).toHaveLength(N + 14);
      expect(m.meta).toMatchObject({ mode: 'uniform', construction: 'looped', readout: 'argmax', capacity: N });
    }
  });
});

describe('one file, many circuits', () => {
  const m = compileUniformLooped(64);
  it('ISCAS c17 on all 32 inputs, f32 and fixed:2', async () => {
    const c17 = loadShared('iscas85/c17.bench');
    expect(bindModel(m, c17).seq.loops).toBe(3);
    await verifies(m, c17, 'f32', allInputs(5));
    await verifies(m, c17, 'fixed:2', allInputs(5));
  });
  it('random circuits of different topology: shallow, deep, every gate type, an input read as an output', async () => {
    const mix = 'AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1';
    const circuits = [
      random(50, 8, 1, { locality: '0' }), // reads from anywhere: shallow
      random(45, 6, 2, { locality: '1' }), // reads the most recent wires: deep
      random(35, 7, 3, { mix, outputs: '6', locality: '0.5' }),
      random(30, 4, 4, { mix: 'NOT=3,BUF=2,AND=1', locality: '0.8' }), // long unary chains
    ];
    const depths = circuits.map(circuitDepth);
    expect(Math.max(...depths) - Math.min(...depths)).toBeGreaterThan(10);
    for (const [i, c] of circuits.entries()) {
      await verifies(m, c, 'f32', sampleInputs(c.nInputs, 6, BigInt(i + 1)));
      await verifies(m, c, 'fixed:2', sampleInputs(c.nInputs, 2, BigInt(i + 1)));
    }
    const passthrough = generate('adder', { width: '2' });
    passthrough.outputs.push({ name: 'x0', wires: [0] });
    await verifies(m, passthrough, 'f32', allInputs(passthrough.nInputs));
    await verifies(m, passthrough, 'fixed:2', allInputs(passthrough.nInputs));
  });
  it('circuit value problem instances from the published distribution (no inputs)', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const c = generate('cvp-instance', { gates: String(4 + 5 * seed), seed: String(seed) });
      expect(c.nInputs).toBe(0);
      await verifies(m, c, 'f32', [new Uint8Array(0)]);
      await verifies(m, c, 'fixed:2', [new Uint8Array(0)]);
    }
  });
  it('a circuit over the capacity is refused, naming both numbers', () => {
    expect(() => bindModel(compileUniformLooped(16), random(20, 4, 1))).toThrow(/24 wires .* capacity of 16/);
  });
});

describe('the loop count', () => {
  const m = compileUniformLooped(64);
  // A parity chain with NOTs: one path, XOR and NOT never mask a wrong operand, so a value that is
  // not final yet shows at the top. (Random circuits can mask it: reconverging XORs cancel.)
  const chain = parseCircuitText(
    ['circuit chain;', 'input x[4];', 'output y[1];', 'g0 = XOR(x[0], x[1]);', ...Array.from({ length: 15 }, (_, i) => (i % 3 === 2 ? `g${i + 1} = NOT(g${i});` : `g${i + 1} = XOR(g${i}, x[${(i + 2) % 4}]);`)), 'y[0] = g15;', ''].join('\n'),
    { format: 'gc', file: 'chain.gc' },
  );
  const circuits = [loadShared('iscas85/c17.bench'), random(30, 6, 1, { mix: 'XOR=1,NOT=1,XNOR=1', locality: '0.7' }), chain];
  it('depth - 1 loops fail on some input, and the report names a wrong output', async () => {
    for (const c of circuits) {
      const D = circuitDepth(c);
      for (const arith of ['f32', 'fixed:2']) {
        const r = await check(m, c, arith, c.nInputs <= 5 ? allInputs(c.nInputs) : sampleInputs(c.nInputs, 8, 5n), D - 1);
        expect(r.ok, `${c.name} ${arith} with ${D - 1} loops`).toBe(false);
        expect(r.first?.readAt).toBe('argmax');
        expect(r.first?.output).toBeGreaterThanOrEqual(0);
      }
    }
  });
  it('loops auto settles after at most depth iterations, with the right values', async () => {
    for (const c of circuits) {
      const r = await check(m, c, 'f32', sampleInputs(c.nInputs, 8, 2n), 'auto');
      expect(r.mismatches).toBe(0);
      expect(r.loops).toBeGreaterThan(0);
      expect(r.loops).toBeLessThanOrEqual(circuitDepth(c));
    }
  });
  it('values stay exactly 0 or 1 long after they settle (3000 loops in f32, 1000 in fixed:2)', async () => {
    const c = circuits[0]!;
    const b = bindModel(m, c);
    const one = m.vocab.indexOf('1');
    const zero = m.vocab.indexOf('0');
    for (const [arith, loops, xs] of [['f32', 3000, [Uint8Array.from([1, 0, 1, 1, 0])]], ['fixed:2', 1000, sampleInputs(5, 1, 7n)]] as const) {
      const eng = new CpuEngine(m, arith, { loops });
      const r = await eng.forward(xs.map((x) => promptOf(b, x)), { logits: true });
      xs.forEach((x, i) => {
        const wires = evalOne(c, x);
        for (let w = 0; w < wires.length; w++) {
          const row = ownIdPosition(w) * m.vocab.length;
          // logit "1" is the value coordinate itself, logit "0" the constant 1/2
          expect(r.logits![i]![row + one], `${arith} wire ${w}`).toBe(wires[w]);
          expect(r.logits![i]![row + zero]).toBe(0.5);
        }
      });
    }
  });
  it('a looped run of the CLI: verify --json states the loops and where they came from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatecot-ul-'));
    const f = join(dir, 'ul.safetensors');
    const c17 = shared('iscas85/c17.bench');
    expect((await cli('compile', '--uniform', '--max-wires', '64', '--mode', 'looped', '-o', f)).code).toBe(0);
    const j = JSON.parse((await cli('verify', f, '--circuit', c17, '--json')).stdout);
    expect(j).toMatchObject({ ok: true, mode: 'uniform', construction: 'looped', capacity: 64, cot: 'none', loops: 3, loops_source: 'circuit depth', circuit_depth: 3, model_loops: 64, model_loops_is: 'capacity', layers_applied: 4, prompt_length: 45 });
    const auto = JSON.parse((await cli('verify', f, '--circuit', c17, '--json', '--loops', 'auto', '--arith', 'fixed:2')).stdout);
    expect(auto).toMatchObject({ ok: true, loops_source: 'auto', circuit_depth: 3 });
    expect(auto.loops).toBeLessThanOrEqual(3);
    const few = await cli('verify', f, '--circuit', c17, '--json', '--loops', '2');
    expect(few.code).toBe(1);
    expect(JSON.parse(few.stdout)).toMatchObject({ ok: false, loops: 2, loops_source: 'given' });
  });
});

describe('the heads attend where the contract says', () => {
  it('every head of every applied layer puts weight exactly 1 on its stated target (f32), at every position', () => {
    const m = compileUniformLooped(32);
    const c = random(20, 5, 8, { mix: 'AND=1,NOT=1,XOR=1,CONST1=1' });
    const b = bindModel(m, c);
    const D = b.seq.loops!;
    const pm = prepare(m, parseArith('f32'), { loops: D });
    const seq = promptOf(b, Uint8Array.from([1, 0, 1, 1, 0]));
    const details: PositionDetail[] = [];
    const st = new CpuStepper(pm, 1, seq.length, { traceAt: () => true, onTrace: (d) => details.push(d) });
    for (let p = 0; p < seq.length; p++) st.step(p, [seq[p]!]);
    expect(details).toHaveLength(seq.length);
    let checked = 0;
    for (const d of details) {
      expect(d.layers).toHaveLength(1 + D);
      d.layers.forEach((L, j) => {
        const stored = pm.stored[j]!;
        L.heads.forEach((h, i) => {
          const t = b.seq.targets[stored]![i]![d.pos]!;
          if (t < 0) return; // a group head at <bos>: its group has no slot r before it
          expect(h.weights[t], `${h.name} at ${d.pos}`).toBe(1);
          checked++;
        });
      });
    }
    expect(checked).toBe(seq.length * (3 + 2 * D) - 3);
    // independently: at wire w's own id, fetch_a / fetch_b target its operands' own ids (<bos> for none)
    c.ops.forEach((_, g) => {
      const p = ownIdPosition(c.nInputs + g);
      const want = (x: number) => (x >= 0 ? ownIdPosition(x) : 0);
      expect(b.seq.targets[1]![0]![p]).toBe(want(c.a[g]!));
      expect(b.seq.targets[1]![1]![p]).toBe(want(c.b[g]!));
    });
  });
});

describe('the model file holds no circuit', () => {
  it('two compilations are byte-identical; the file round-trips; two circuits run through one loaded file', async () => {
    const bytes = modelToBytes(compileUniformLooped(64));
    expect(sha256(modelToBytes(compileUniformLooped(64)))).toBe(sha256(bytes));
    const back = modelFromBytes(bytes);
    expect(back.meta).toMatchObject(compileUniformLooped(64).meta);
    expect(Object.keys(back.meta)).not.toContain('circuit');
    const a = loadShared('iscas85/c17.bench');
    const c = random(45, 7, 9, { locality: '0.7' });
    await verifies(back, a, 'f32', allInputs(5));
    await verifies(back, c, 'f32', sampleInputs(7, 8, 3n));
    await verifies(back, c, 'fixed:2', sampleInputs(7, 4, 3n));
    expect(sha256(modelToBytes(back))).toBe(sha256(bytes));
  });
  it('compile(FILE, uniform looped) is the uniform looped model of the smallest capacity', () => {
    const c = loadShared('iscas85/c17.bench');
    const m = compile(c, { mode: 'uniform', latent: 'looped' });
    expect(sha256(modelToBytes(m))).toBe(sha256(modelToBytes(compileUniformLooped(11))));
  });
});

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-ul-cli-'));
  const c17 = shared('iscas85/c17.bench');
  it('compile FILE --mode uniform-looped, run --show-cot, prompt --json', async () => {
    const f = join(dir, 'c17ul.safetensors');
    const r = await cli('compile', c17, '--mode', 'uniform-looped', '-o', f);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('uniform looped (capacity 11 wires), no CoT');
    const hash = sha256(readFileSync(f));
    const run = await cli('run', f, '--circuit', c17, '--bits', '10110', '--show-cot');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NAND #1 #3 #6');
    expect(run.stdout).toContain('the argmax at each wire position: 1 0 1 1 0');
    const p = JSON.parse((await cli('prompt', f, '--circuit', c17, '--bits', '10110', '--json')).stdout);
    expect(p).toMatchObject({ cot_length: 0, readout: 'argmax', loops: 3, outputs: [40, 44] });
    expect(p.tokens).toHaveLength(45);
    const v = JSON.parse((await cli('verify', c17, '--mode', 'uniform-looped', '--json')).stdout);
    expect(v).toMatchObject({ ok: true, construction: 'looped', capacity: 11, loops: 3, loops_source: 'circuit depth' });
    expect(sha256(readFileSync(f))).toBe(hash);
  });
  it('bad input: one line, exit 2', async () => {
    const x = join(dir, 'x.safetensors');
    const ul = join(dir, 'ul16.safetensors');
    await cli('compile', '--uniform', '--max-wires', '16', '--mode', 'looped', '-o', ul);
    const cases: [string[], RegExp][] = [
      [['compile', '--uniform', '--max-wires', '16', '--mode', 'looped-cot', '-o', x], /--mode looped-cot is not uniform/],
      [['compile', '--uniform', '--max-wires', '16', '--mode', 'looped', '--cot', '4tok', '-o', x], /no chain of thought/],
      [['compile', '--uniform', '--max-wires', '16', '--mode', 'looped', '--inject-fault', 'swap-gate', '-o', x], /--inject-fault/],
      [['verify', c17, '--mode', 'uniform-looped', '--cot', 'gate'], /no chain of thought/],
      [['verify', ul, '--circuit', c17, '--loops', '0'], /--loops must be at least 1/],
      [['verify', ul, '--circuit', shared('iscas85/c432.bench')], /c432 has \d+ wires .* capacity of 16/],
      [['verify', ul], /give the circuit to run with --circuit/],
      [['certify', ul, '--all-circuits', '--arith', 'fixed:2'], /uniform looped/],
      [['fuzz', '--mode', 'uniform', '--model', ul], /uniform looped model/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});
