// circuit_map.json (model/export/circuit-map.ts) against the circuit and the model: every wire
// present with its type and operands, positions where the CoT template puts the wire's tokens,
// the heads' targets the contract's, the operands read where the construction reads them, and a
// latent model's settled_by checked by running it with exactly that many loops.
import { describe, expect, it } from 'vitest';
import { evalMany, OP_NAMES, type Circuit } from '../circuits/index.js';
import { compile, compileLatent, compileUniform, compileUniformLooped } from '../compiler/index.js';
import { circuitMap, type CircuitMap, type MapWire } from '../model/export/index.js';
import { bindModel, type Model } from '../model/index.js';
import { allInputs, CpuEngine, promptOf } from '../runtime/index.js';
import { loadShared } from './shared.js';

const c17 = loadShared('iscas85/c17.bench');

function gateWires(map: CircuitMap): MapWire[] {
  return map.wires.filter((w) => w.kind === 'gate');
}

/** Every wire of `c` in the map, in order, with its type and operands. */
function expectWires(map: CircuitMap, c: Circuit): void {
  expect(map.wires.map((w) => w.wire)).toEqual(Array.from({ length: c.nInputs + c.ops.length }, (_, w) => w));
  expect(gateWires(map)).toHaveLength(c.ops.length);
  for (const w of gateWires(map)) {
    const g = w.gate!;
    expect(w.wire).toBe(c.nInputs + g);
    expect(w.type).toBe(OP_NAMES[c.ops[g]!]);
    expect(w.operands).toEqual([c.a[g]!, c.b[g]!].filter((x) => x >= 0));
  }
  expect(map.circuit.outputs.flatMap((o) => o.wires)).toEqual(c.outputs.flatMap((o) => o.wires));
  expect(map.circuit.outputs.flatMap((o) => o.wires).map((w) => map.wires[w]!.value_position)).toEqual(map.sequence.outputs);
}

/** Each step's heads: the contract's targets at that position (head_targets, positions rule). */
function expectContractTargets(m: Model, map: CircuitMap): void {
  const targets = bindModel(m).seq.targets;
  for (const w of map.wires) {
    for (const s of w.steps) {
      const want = m.layers.flatMap((L, l) => L.heads.map((_, h) => [l, h, targets[l]![h]![s.position]!] as const)).filter(([, , t]) => t >= 0);
      expect(s.heads.map((h) => [h.layer, h.head, h.target])).toEqual(want);
    }
  }
}

describe('circuit_map.json of c17', () => {
  it('4tok CoT: every gate, its CoT group where the template has it, operands fetched at in1/in2 and read at the value step', () => {
    const m = compile(c17, { cot: '4tok' });
    const map = circuitMap(m);
    expectWires(map, c17);
    expectContractTargets(m, map);
    const meta = m.meta;
    if (meta.mode !== 'positional') throw new Error('positional expected');
    const P = meta.prompt.length;
    expect(map.wires.map((w) => w.name)).toEqual(['in[0]', 'in[1]', 'in[2]', 'in[3]', 'in[4]', 'G10gat', 'G11gat', 'G16gat', 'G19gat', 'G22gat', 'G23gat']);
    for (const w of map.wires.filter((x) => x.kind === 'input')) {
      expect(meta.prompt[w.value_position]).toBe(`x${w.wire}`);
      expect(w.steps).toEqual([]);
    }
    for (const w of gateWires(map)) {
      const [a, b] = w.operands as [number, number];
      expect(w.positions).toEqual([0, 1, 2, 3].map((i) => P + 4 * w.gate! + i));
      expect(w.positions.map((p) => meta.cot_template[p - P])).toEqual([meta.vocab.indexOf(w.type), `w${a}`, `w${b}`, `w${w.wire}`]);
      expect(w.value_position).toBe(w.positions[3]);
      expect(w.steps.map((s) => [s.position, s.writes, s.role])).toEqual(w.positions.map((p, i) => [p - 1, p, ['type', 'in1', 'in2', 'value'][i]]));
      const [, in1, in2, value] = w.steps as [unknown, MapWire['steps'][0], MapWire['steps'][0], MapWire['steps'][0]];
      expect(in1.heads.map((h) => h.target_wire)).toEqual([a, a]);
      expect(in2.heads.map((h) => h.target_wire)).toEqual([b, b]);
      expect(value.heads.map((h) => [h.name, h.target, h.target_wire])).toEqual([['fetch_a', w.positions[1], a], ['fetch_b', w.positions[2], b]]);
      expect(value.feed_forward).toEqual([{ layer: 0, name: 'gate', units: [0, 4] }]);
      expect(w.subspaces.written).toEqual(expect.arrayContaining(['val_a', 'val_b', 'ff_out']));
      expect(w.subspaces.read).toEqual(expect.arrayContaining(['src_a_bits', 'src_b_bits', 'tt']));
      expect(w.settled_by).toBeNull();
    }
  });

  it('gate CoT: one position per gate, its value read from the operands\' own positions', () => {
    const m = compile(c17, { cot: 'gate' });
    const map = circuitMap(m);
    expectWires(map, c17);
    expectContractTargets(m, map);
    for (const w of gateWires(map)) {
      expect(w.positions).toEqual([1 + c17.nInputs + w.gate!]);
      expect(w.steps).toHaveLength(1);
      expect(w.steps[0]!.heads.map((h) => [h.target, h.target_wire])).toEqual(w.operands.map((o) => [map.wires[o]!.value_position, o]));
    }
  });

  for (const kind of ['looped', 'looped-cot', 'deep'] as const) {
    it(`${kind}: one position per wire, heads reading the operands in every application, settled_by true for all 32 inputs`, async () => {
      const m = compileLatent(c17, kind);
      const map = circuitMap(m);
      expectWires(map, c17);
      expectContractTargets(m, map);
      for (const w of gateWires(map)) {
        expect(w.positions).toEqual([1 + w.wire]);
        const fetch = w.steps[0]!.heads.filter((h) => h.name !== 'fetch_prev' && h.layer === 0);
        expect(fetch.map((h) => h.target_wire)).toEqual(w.operands);
      }
      const applied = map.applied_layers.length;
      expect(map.heads.every((h) => h.applied_layers.every((i) => map.applied_layers[i] === h.layer))).toBe(true);
      const inputs = allInputs(c17.nInputs);
      const wires = evalMany(c17, inputs);
      const bound = bindModel(m);
      const prompts = inputs.map((x) => promptOf(bound, x));
      const top = Math.max(...map.wires.map((w) => w.settled_by!.iteration));
      expect(top).toBe(kind === 'looped-cot' ? c17.ops.length : 3);
      for (let t = 1; t <= top; t++) {
        // run exactly t iterations (deep: its first t layers) and read every wire settled by then
        const model: Model = m.meta.loop ? m : { ...m, layers: m.layers.slice(0, t), meta: { ...m.meta, n_layers: t, heads: m.meta.heads.slice(0, t), head_targets: m.meta.head_targets.slice(0, t) } };
        const { argmax } = await new CpuEngine(model, 'f32', m.meta.loop ? { loops: t } : {}).forward(prompts);
        const settled = map.wires.filter((w) => w.settled_by!.iteration <= t);
        expect(settled.length).toBeGreaterThan(c17.nInputs);
        for (const w of settled) {
          expect(w.settled_by!.applied_layer).toBeLessThan(applied);
          argmax.forEach((am, i) => expect(m.vocab[am[w.value_position]!], `${kind} wire ${w.wire} after ${t}, input ${i}`).toBe(String(wires[i]![w.wire])));
        }
      }
    });
  }

  it('a uniform model: the circuit bound (inputs as TRUE/FALSE descriptions), operands fetched from their own CoT values', () => {
    const m = compileUniform(16);
    expect(() => circuitMap(m)).toThrow(/needs a circuit/);
    const map = circuitMap(m, { circuit: c17 });
    expectWires(map, c17);
    const P = 1 + 4 * 11;
    for (const w of map.wires) {
      const k = w.wire + 1;
      expect(w.description_positions).toEqual([4 * k - 3, 4 * k - 2, 4 * k - 1, 4 * k]);
      expect(w.positions).toEqual([0, 1, 2, 3].map((i) => P + 4 * (k - 1) + i));
      expect(w.steps.map((s) => s.role)).toEqual(['id', 'in1', 'in2', 'value']);
      const operand = (role: string) => w.steps.find((s) => s.role === role)!.heads.find((h) => h.name === 'operand');
      if (w.kind === 'gate') {
        expect(operand('in1')?.target_wire).toBe(w.operands[0]);
        if (w.operands.length === 2) expect(operand('in2')?.target_wire).toBe(w.operands[1]);
        expect(operand('in1')?.target).toBe(map.wires[w.operands[0]!]!.value_position);
      }
      const description = w.steps[1]!.heads.find((h) => h.name === 'description')!;
      expect(description.target).toBe(4 * k);
      expect(description.target_token).toBe(`#${k}`);
    }
  });

  it('a uniform looped model: looped the circuit depth times unless told, its applied layers prelude + block', () => {
    const m = compileUniformLooped(16);
    const map = circuitMap(m, { circuit: c17 });
    expectWires(map, c17);
    expect(map.loops).toBe(3);
    expect(map.applied_layers).toEqual([0, 1, 1, 1]);
    expect(circuitMap(m, { circuit: c17, loops: 16 }).applied_layers).toHaveLength(17);
    for (const w of gateWires(map)) {
      expect(w.value_position).toBe(4 * (w.wire + 1));
      expect(w.steps[0]!.heads.filter((h) => h.layer === 1).map((h) => h.target_wire)).toEqual(w.operands);
    }
  });
});
