// The compiled model: resources across sizes, the plan of each position, the model file.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCircuitFile, type Circuit } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { compile, dModelFormula, modelFromBytes, modelToBytes, planSequence, positionBits, type CotFormat } from '../compiler/index.js';
import {} from '../runtime/index.js';
import { shared, sharedCircuits } from './shared.js';
import { circuitOfModel } from '../model/index.js';

const COTS: CotFormat[] = ['gate', '4tok'];

function random(gates: number, inputs = 16, seed = 1): Circuit {
  return generate('random', { gates: String(gates), inputs: String(inputs), seed: String(seed) });
}

describe('resources', () => {
  for (const T of [10, 100, 1000, 10_000, 100_000]) {
    it(`constant depth and logarithmic width at ${T} gates`, () => {
      const c = random(T);
      for (const cot of COTS) {
        const m = compile(c, { cot });
        const S = m.meta.seq_len;
        expect(S).toBe(1 + c.nInputs + (cot === 'gate' ? 1 : 4) * T);
        expect(m.meta.n_layers).toBe(1);
        expect(m.layers).toHaveLength(1);
        expect(m.layers[0]!.heads).toHaveLength(2);
        expect(m.d).toBe(dModelFormula(cot, S));
        expect(m.d).toBe(3 * Math.ceil(Math.log2(S + 1)) + (cot === 'gate' ? 9 : 11));
        expect(m.d).toBeLessThanOrEqual(3 * Math.ceil(Math.log2(S + 1)) + 24);
        expect(m.meta.basis).toHaveLength(m.d);
        expect(m.posEmb.length).toBe(S * m.d);
      }
    });
  }
  it('positionBits is ceil(log2(S + 1))', () => {
    for (const S of [1, 2, 3, 4, 7, 8, 1000, 1023, 1024]) expect(positionBits(S)).toBe(Math.max(1, Math.ceil(Math.log2(S + 1))));
  });
});

describe('sequence plan', () => {
  it('every head target lies at or before its position, and points at the right wire', () => {
    const c = random(300, 12, 7);
    for (const cot of COTS) {
      const plan = planSequence(c, cot);
      const P = plan.prompt.length;
      for (let p = P - 1; p < plan.seqLen - 1; p++) {
        const pl = plan.at(p);
        expect(pl.targetA).toBeLessThanOrEqual(p);
        expect(pl.targetB).toBeLessThanOrEqual(p);
        const g = plan.gateAt(p + 1);
        if (pl.mode === 'value' && (cot === 'gate' || (p + 1 - P) % 4 === 3)) {
          const expectA = cot === 'gate' ? (c.a[g]! >= 0 ? plan.wirePos[c.a[g]!] : p) : p - 1;
          expect(pl.targetA).toBe(expectA);
        }
      }
      expect(plan.cotTemplate).toHaveLength((cot === 'gate' ? 1 : 4) * c.ops.length);
    }
  });
  it('the 4-token CoT writes type, input a, input b ("-" if none), value', () => {
    const c = generate('random', { gates: '20', inputs: '3', seed: '3', mix: 'AND=1,NOT=1,CONST1=1' });
    const plan = planSequence(c, '4tok');
    for (let g = 0; g < c.ops.length; g++) {
      const [t, a, b, v] = plan.cotTemplate.slice(4 * g, 4 * g + 4);
      expect(plan.vocab[t as number]).toMatch(/^(AND|NOT|CONST1)$/);
      expect(v).toBe(`w${c.nInputs + g}`);
      const op = plan.vocab[t as number];
      if (op === 'AND') expect([a, b]).toEqual([`w${c.a[g]}`, `w${c.b[g]}`]);
      if (op === 'NOT') expect([a, plan.vocab[b as number]]).toEqual([`w${c.a[g]}`, '-']);
      if (op === 'CONST1') expect([plan.vocab[a as number], plan.vocab[b as number]]).toEqual(['-', '-']);
    }
  });
});

describe('model file', () => {
  it('round-trips through safetensors bytes', () => {
    const c = random(50, 6, 2);
    for (const cot of COTS) {
      const m = compile(c, { cot, scale: 7 });
      const back = modelFromBytes(modelToBytes(m));
      expect(back.meta).toEqual({ ...m.meta, head_names: [['fetch_a', 'fetch_b']], ff_units: [m.layers[0]!.ff.units] });
      expect(Array.from(back.posEmb)).toEqual(Array.from(m.posEmb));
      expect(Array.from(back.layers[0]!.heads[1]!.wk)).toEqual(Array.from(m.layers[0]!.heads[1]!.wk));
      expect(Array.from(back.layers[0]!.ff.b1)).toEqual(Array.from(m.layers[0]!.ff.b1));
      // the circuit stored in the file compiles to the same plan
      const again = compile(circuitOfModel(back), { cot, scale: 7 });
      expect(Array.from(again.posEmb)).toEqual(Array.from(m.posEmb));
    }
  });
  it('rejects damaged files with one-line errors', () => {
    const bytes = modelToBytes(compile(random(5, 2), { cot: 'gate' }));
    expect(() => modelFromBytes(bytes.subarray(0, 5), 'm.safetensors')).toThrow(/not a valid safetensors file/);
    const broken = bytes.slice();
    broken[12] = 0x00;
    expect(() => modelFromBytes(broken, 'm.safetensors')).toThrow(/m.safetensors/);
    expect(() => modelFromBytes(bytes.subarray(0, bytes.length - 4), 'm.safetensors')).toThrow(/data_offsets/);
  });
});

describe('every shared circuit with at most 5000 gates compiles', () => {
  const dirs = ['iscas85', 'bristol', 'bristol/extended', 'bristol-old', 'epfl/arithmetic', 'epfl/random_control', 'aiger'];
  const files = dirs.flatMap((d) =>
    readdirSync(join(sharedCircuits, d))
      .filter((f) => /\.(txt|bench|aag|aig|blif)$/.test(f) && !/-test\.txt$|SOURCE/.test(f))
      .map((f) => `${d}/${f}`),
  );
  for (const f of files) {
    it(f, () => {
      const r = readCircuitFile(shared(f));
      if (!r.ok) {
        expect(r.error.kind).toMatch(/unsupported|empty/); // sequential AIGER examples, the empty one
        return;
      }
      const c = r.value;
      if (c.ops.length > 5000) return;
      for (const cot of COTS) {
        const m = compile(c, { cot });
        expect(m.d).toBe(dModelFormula(cot, m.meta.seq_len));
        expect(m.meta.outputs).toHaveLength(c.outputs.reduce((s, o) => s + o.wires.length, 0));
      }
    });
  }
});
