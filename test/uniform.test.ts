// The uniform model (circuit in the prompt): one weight file per capacity N serves every circuit of
// at most N wires. Checked against direct evaluation of the circuits (teacher forcing on the CPU
// reference in f32 and the paper's fixed:2, free generation), resources against the stated formula
// at several N, the file and the CLI, and the per-circuit and all-circuits certificates.

import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evalOutputsOne, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, compileUniform } from '../compiler/index.js';
import { bindModel, modelFromBytes, modelToBytes, sha256, uniformWidths, type Model } from '../model/index.js';
import { certify, certifyAllCircuits } from '../proofs/index.js';
import { allInputs, CpuEngine, outputsOfSequence, promptOf, referenceSequences, sampleInputs, verifyModel } from '../runtime/index.js';
import { parseArith } from '../runtime/arith.js';
import { detailStepper } from '../runtime/cpu/detail-stepper.js';
import { cli } from './cli-helpers.js';
import { loadShared, shared } from './shared.js';

const random = (gates: number, inputs: number, seed: number, extra: Record<string, string> = {}): Circuit =>
  generate('random', { gates: String(gates), inputs: String(inputs), seed: String(seed), ...extra });

async function verifies(m: Model, c: Circuit, arith: string, inputs: Uint8Array[]): Promise<void> {
  const r = await verifyModel(bindModel(m, c), new CpuEngine(m, arith), inputs);
  expect(r.mismatches, `${c.name} ${arith}: ${JSON.stringify(r.first)}`).toBe(0);
  expect(r.positions_checked).toBe(inputs.length * 4 * (c.nInputs + c.ops.length));
}

describe('resources', () => {
  it('the same 3 layers of 4, 2 and 1 heads at N = 16, 1024 and 65536; d_model = 12 ceil(log2 N) + 49', () => {
    for (const N of [2, 3, 16, 17, 1024, 65536]) {
      const m = compileUniform(N);
      expect(m.meta.heads).toEqual([4, 2, 1]);
      expect(m.layers.map((L) => L.heads.length)).toEqual([4, 2, 1]);
      const L = Math.max(1, Math.ceil(Math.log2(N)));
      expect(m.d).toBe(12 * L + 49);
      expect(uniformWidths(N).d).toBe(m.d);
      expect(m.meta.max_seq_len).toBe(1 + 8 * N);
      expect(m.posEmb.length).toBe((1 + 8 * N) * m.d);
      expect(m.vocab).toHaveLength(N + 14);
    }
  });
  it('weights do not depend on any circuit: two compilations are byte-identical', () => {
    expect(sha256(modelToBytes(compileUniform(64)))).toBe(sha256(modelToBytes(compileUniform(64))));
  });
});

describe('key scale 64: the heads are exactly one-hot in f32', () => {
  // Every position where the contract names a target: weight exactly 1 there, exactly 0 at every
  // other visible key (a key one code bit off scores 128 below the match, and e^-128 rounds to 0
  // in f32). At key scale 10 the other keys keep about e^-20 each. The CPU reference's f32 numbers.
  const c = random(40, 5, 3);
  const oneHotAt = (m: Model): { checked: number; exact: number } => {
    const b = bindModel(m, c);
    const [seq] = referenceSequences(b, sampleInputs(c.nInputs, 1, 9n).slice(1, 2));
    let checked = 0;
    let exact = 0;
    const st = detailStepper(m, parseArith('f32'), seq!.length, {
      traceAt: () => true,
      onTrace: (d) =>
        d.layers.forEach((L, l) =>
          L.heads.forEach((h, hi) => {
            const t = b.seq.targets[l]![hi]![d.pos]!;
            if (t < 0) return;
            checked++;
            let ok = h.weights[t] === 1;
            for (let j = 0; j <= d.pos && ok; j++) if (j !== t && h.weights[j] !== 0) ok = false;
            if (ok) exact++;
          }),
        ),
    }, { kernel: 'reference' });
    for (let i = 0; i < seq!.length; i++) st.step(i, [seq![i]!]);
    st.dispose();
    return { checked, exact };
  };

  it('at every (head, position) with a target, in the default model; not at key scale 10', () => {
    const now = oneHotAt(compileUniform(64));
    expect(now.checked).toBeGreaterThan(7 * 4 * 40);
    expect(now.exact).toBe(now.checked);
    const soft = oneHotAt(compileUniform(64, { scale: 10 }));
    expect(soft.exact).toBeLessThan(soft.checked / 10);
  });
});

describe('one file, many circuits', () => {
  const m = compileUniform(256);
  it('ISCAS c17 and c432 in f32 and fixed:2, c17 on all 32 inputs', async () => {
    const c17 = loadShared('iscas85/c17.bench');
    await verifies(m, c17, 'f32', allInputs(c17.nInputs));
    await verifies(m, c17, 'fixed:2', allInputs(c17.nInputs));
    const c432 = loadShared('iscas85/c432.bench');
    await verifies(m, c432, 'f32', sampleInputs(c432.nInputs, 2, 3n));
    await verifies(m, c432, 'fixed:2', sampleInputs(c432.nInputs, 1, 4n));
  });
  it('random circuits with every gate type, several outputs, an input read as an output', async () => {
    const mix = 'AND=1,OR=1,XOR=1,NAND=1,NOR=1,XNOR=1,NOT=1,BUF=1,CONST0=1,CONST1=1';
    for (const seed of [1, 2, 3]) {
      const c = random(60 + 20 * seed, 6 + seed, seed, { mix, outputs: '5', locality: '0.5' });
      await verifies(m, c, 'f32', sampleInputs(c.nInputs, 4, BigInt(seed)));
      await verifies(m, c, 'fixed:2', sampleInputs(c.nInputs, 2, BigInt(seed)));
    }
    const passthrough = generate('adder', { width: '2' });
    passthrough.outputs.push({ name: 'x0', wires: [0] });
    await verifies(m, passthrough, 'f32', allInputs(passthrough.nInputs));
  });
  it('a 6-input circuit exhaustively in fixed:2', async () => {
    const c = random(24, 6, 11, { locality: '0.3' });
    await verifies(compileUniform(32), c, 'fixed:2', allInputs(6));
  });
  it('circuit value problem instances from the published distribution (no inputs)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const c = generate('cvp-instance', { gates: String(5 + 12 * seed), seed: String(seed) });
      expect(c.nInputs).toBe(0);
      await verifies(m, c, 'f32', [new Uint8Array(0)]);
    }
    await verifies(m, generate('cvp-instance', { gates: '200', seed: '99' }), 'fixed:2', [new Uint8Array(0)]);
  });
  it("LLZM24's task families: modular addition, S5 composition, iterated squaring, CVP", async () => {
    const tasks = [generate('modadd', { count: '4' }), generate('s5', { count: '2' }), generate('itersq', { p: '7', k: '1' }), generate('cvp', { gates: '2' })];
    for (const c of tasks) {
      expect(c.nInputs + c.ops.length).toBeLessThanOrEqual(256);
      await verifies(m, c, 'f32', sampleInputs(c.nInputs, 2, 5n));
    }
  });
  it('free generation writes every token itself and reads the right outputs', async () => {
    const c = random(50, 6, 7);
    const b = bindModel(m, c);
    const eng = new CpuEngine(m, 'f32');
    for (const x of sampleInputs(c.nInputs, 3, 9n)) {
      const [seq] = eng.generateSync([promptOf(b, x)], b.seq.cotLength);
      expect(Array.from(outputsOfSequence(b, seq!))).toEqual(Array.from(evalOutputsOne(c, x)));
    }
  });
  it('a circuit over the capacity is refused, naming both numbers', () => {
    expect(() => bindModel(compileUniform(16), random(20, 4, 1))).toThrow(/24 wires .* capacity of 16/);
  });
});

describe('the model file', () => {
  it('round trip, and the same bytes before and after verification', async () => {
    const m = compileUniform(32);
    const bytes = modelToBytes(m);
    const back = modelFromBytes(bytes);
    expect(back.meta).toMatchObject(m.meta);
    const c = random(20, 5, 3);
    await verifies(back, c, 'f32', sampleInputs(5, 4, 1n));
    expect(sha256(modelToBytes(back))).toBe(sha256(bytes));
  });
});

describe('command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatecot-uniform-'));
  const uni = join(dir, 'uni.safetensors');
  const c17 = shared('iscas85/c17.bench');
  it('compile --uniform, then run, verify, prompt and certify with --circuit', async () => {
    expect((await cli('compile', '--uniform', '--max-wires', '64', '-o', uni)).code).toBe(0);
    const hash = sha256(readFileSync(uni));
    const v = await cli('verify', uni, '--circuit', c17, '--json', '--samples', '4');
    expect(v.code).toBe(0);
    const j = JSON.parse(v.stdout);
    expect(j).toMatchObject({ ok: true, mode: 'uniform', capacity: 64, prompt_length: 1 + 4 * 11, mismatches: 0 });
    expect(j.model.heads_per_layer).toEqual([4, 2, 1]);
    const r = await cli('run', uni, '--circuit', c17, '--bits', '10110', '--show-cot');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('#1 NA NA 1 | #2 NA NA 0');
    const p = JSON.parse((await cli('prompt', uni, '--circuit', c17, '--bits', '10110', '--json')).stdout);
    expect(p.tokens).toHaveLength(45);
    expect(p.cot_length).toBe(44);
    expect(p.outputs).toHaveLength(2);
    const cert = await cli('certify', uni, '--circuit', c17, '--arith', 'fixed:2');
    expect(cert.code, cert.stdout).toBe(0);
    expect(sha256(readFileSync(uni))).toBe(hash);
  });
  it('compile FILE --mode uniform takes the smallest capacity that fits', async () => {
    const out = join(dir, 'c17u.safetensors');
    const r = await cli('compile', c17, '--mode', 'uniform', '-o', out);
    expect(r.stdout).toContain('capacity 11 wires');
  });
  it('bad input: one line, exit 2', async () => {
    const pos = join(dir, 'pos.safetensors');
    await cli('compile', c17, '-o', pos);
    const big = shared('iscas85/c432.bench');
    const cases: [string[], RegExp][] = [
      [['verify', uni, '--circuit', big], /c432 has \d+ wires .* capacity of 64/],
      [['verify', uni], /uniform model \(capacity 64 wires\): give the circuit to run with --circuit/],
      [['verify', pos, '--circuit', c17], /--circuit goes with a uniform model/],
      [['verify', c17, '--circuit', c17], /--circuit goes with a uniform model file/],
      [['compile', '--uniform', '-o', join(dir, 'x.safetensors')], /--max-wires/],
      [['compile', '--uniform', '--max-wires', '1', '-o', join(dir, 'x.safetensors')], /capacity must be an integer from 2/],
      [['compile', '--uniform', '--max-wires', '99999999', '-o', join(dir, 'x.safetensors')], /capacity must be an integer from 2 to/],
      [['compile', '--uniform', '--max-wires', '12', '--cot', 'gate', '-o', join(dir, 'x.safetensors')], /4-token CoT/],
      [['verify', c17, '--mode', 'uniform', '--cot', 'gate'], /4-token CoT/],
      [['verify', c17, '--mode', 'sideways'], /--mode must be positional, uniform/],
      [['certify', uni, '--all-circuits', '--arith', 'f32'], /exact certificate/],
      [['certify', pos, '--all-circuits', '--arith', 'fixed:2'], /positional model/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });
});

describe('certificates', () => {
  it('per circuit: c17 and a random circuit certified in f32 (outward) and fixed:2, all inputs', () => {
    const m = compileUniform(64);
    for (const c of [loadShared('iscas85/c17.bench'), random(40, 10, 5, { locality: '0.5' })]) {
      for (const arith of ['f32', 'fixed:2']) {
        const cert = certify(bindModel(m, c), arith);
        expect(cert.verdict, `${c.name} ${arith}: ${JSON.stringify(cert.claims.filter((x) => !x.holds))}`).toBe(true);
        expect(cert.margins.every((x) => x !== null && x > 0.4)).toBe(true);
      }
    }
  });
  it('per circuit: each uniform fault fails a named claim', () => {
    const c = random(30, 6, 2, { mix: 'AND=3,OR=1,NOT=1' });
    for (const fault of ['weak-scale', 'swap-gate', 'off-by-one'] as const) {
      for (const arith of ['f32', 'fixed:2']) {
        const cert = certify(bindModel(compileUniform(64, { fault }), c), arith);
        expect(cert.verdict, `${fault} ${arith}`).toBe(false);
        expect(cert.claims.some((x) => !x.holds && x.failure)).toBe(true);
      }
    }
  });
  it('all circuits: N = 16 and 64 certified in fixed:2; each fault is caught', () => {
    for (const N of [16, 64]) {
      const cert = certifyAllCircuits(compileUniform(N), 'fixed:2');
      expect(cert.verdict, JSON.stringify(cert.claims.filter((x) => !x.holds))).toBe(true);
      expect(cert.claims.map((x) => x.claim)).toEqual(['structure', 'embeddings', 'heads', 'feed-forward', 'output layer']);
    }
    const caught = { 'weak-scale': 'heads', 'swap-gate': 'embeddings', 'off-by-one': 'heads' } as const;
    for (const [fault, where] of Object.entries(caught)) {
      const cert = certifyAllCircuits(compileUniform(16, { fault: fault as keyof typeof caught }), 'fixed:2');
      expect(cert.verdict).toBe(false);
      expect(cert.claims.find((x) => x.claim === where)!.holds, fault).toBe(false);
    }
  });
  it('a positional model of the same circuit still certifies as before', () => {
    const c = loadShared('iscas85/c17.bench');
    expect(certify(bindModel(compile(c, { cot: '4tok' })), 'fixed:2').verdict).toBe(true);
  });
});
