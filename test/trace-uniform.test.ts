// `gatecot trace` of a uniform model (the circuit in the prompt): what each step fetched (the
// `uniform` object of --json), the plain-language line written from it, and the terminal view.
// Every line is checked against the positions the heads attended to most, the tokens there, the
// gate's truth table and the circuit (direct evaluation), re-derived here from the JSON and the
// circuit; on a correct model no line says "but", on the faulty models the lines say "but" where
// the fetched values contradict the gate or the circuit.

import { describe, expect, it } from 'vitest';
import { applyOp, arity, type Circuit, type OpCode } from '../circuits/index.js';
import { generate } from '../circuits/gen/index.js';
import { loadCircuit } from '../cli/files.js';
import { renderTraceText } from '../cli/trace-text.js';
import { compileUniform } from '../compiler/index.js';
import { bindModel, UNIFORM_LABEL_OFFSET, UNIFORM_TYPES } from '../model/index.js';
import { CpuEngine, promptOf, traceGeneration, type TraceData } from '../runtime/index.js';
import { cli } from './cli-helpers.js';
import { shared } from './shared.js';

const c17 = shared('iscas85/c17.bench');
const rnd = generate('random', { inputs: '6', gates: '24', seed: '5' });
const consts = generate('random', { inputs: '5', gates: '20', seed: '2', mix: 'AND=3,OR=2,NOT=1,BUF=1,CONST0=1,CONST1=1,XOR=1' });
type Fault = 'swap-gate' | 'weak-scale' | 'off-by-one';

function trace(c: Circuit, bits: number[], fault?: Fault): TraceData {
  const m = compileUniform(Math.max(2, c.nInputs + c.ops.length), fault ? { fault } : {});
  return traceGeneration(bindModel(m, c), Uint8Array.from(bits));
}

async function traceJson(args: string[]): Promise<TraceData> {
  const r = await cli('trace', ...args, '--json');
  expect([0, 1], r.stderr).toContain(r.code);
  return JSON.parse(r.stdout) as TraceData;
}

interface Seen {
  gate: number;
  value: number;
  position: number;
  description: number;
  id: number;
  steps: number;
}

/**
 * Checks every step of a uniform trace: its `uniform` object against the heads' top positions
 * and the tokens there, its line against that object, the gate and the circuit. Returns how
 * often each kind of contradiction was (rightly) reported.
 */
function checkLines(t: TraceData): Seen {
  const seen: Seen = { gate: 0, value: 0, position: 0, description: 0, id: 0, steps: 0 };
  const vocab = t.model.vocab;
  const P = t.model.prompt_length;
  const tok = (p: number) => vocab[t.tokens[p]!]!;
  const slot = (p: number) => (p + UNIFORM_LABEL_OFFSET) % 4;
  const truth = (id: string) => {
    const w = Number(id.slice(1)) - 1;
    return id[0] === '#' && w >= 0 && w < t.wire_pos.length ? { pos: t.wire_pos[w]!, value: vocab[t.expected[t.wire_pos[w]!]!]! } : undefined;
  };
  // the description ids in prompt order, for "the next description"
  const descIds: string[] = [];
  for (let p = 4; p < P; p += 4) descIds.push(tok(p));
  for (const s of t.steps) {
    seen.steps++;
    const top = (name: string) => s.heads.find((h) => h.name === name)!.top[0]!.pos;
    const u = s.uniform!;
    expect(u, `step ${s.writes}`).toBeDefined();
    const d = top('description');
    const start = d - slot(d);
    const desc = d >= 1 && start >= 1 && start + 3 < P ? { position: d, type: tok(start), in1: tok(start + 1), in2: tok(start + 2), id: tok(start + 3) } : null;
    expect(u.description).toEqual(desc);
    const own = `#${s.wire + 1}`;
    const off: string[] = [];
    const line = s.text;
    if (s.role === 'id') {
      const q = top('next');
      expect(u.next).toEqual({ position: q, token: tok(q) });
      const m = /^id (\S+), fetched from position (\d+)(: the next description's id \((?:the one after (#\d+)'s|the first)\)| \(([^)]*)\))(?:, but (.*))?$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(s.token);
      expect(Number(m![2])).toBe(q);
      const prev = top('group_0') >= P ? tok(top('group_0')) : '';
      const k = prev[0] === '#' ? descIds.indexOf(prev) + 1 : 0;
      const next = (k > 0 || prev[0] !== '#') && 4 * (k + 1) < P ? 4 * (k + 1) : -1;
      if (q === next) expect(m![3]).toBe(`: the next description's id (${k ? `the one after ${prev}'s` : 'the first'})`);
      else off.push(next >= 0 ? 'the next description' : `no description follows ${prev}'s`);
      if (s.token !== tok(q)) off.push(`position ${q} holds ${tok(q)}`);
      if (s.token !== own) off.push(`this is ${own}'s group`);
      if (s.token !== own) seen.id++;
    } else if (!desc) {
      expect(line).toMatch(/, but the description head read position \d+ \(.*\), not a description$/);
      continue;
    } else {
      if (slot(d) !== 3) off.push(`position ${d} is`);
      if (desc.id !== own) {
        off.push(`this is ${own}'s group`);
        seen.description++;
      }
      const op = UNIFORM_TYPES.indexOf(desc.type) as OpCode;
      const n = op >= 0 ? arity(op) : 2;
      const args = [desc.in1, desc.in2].slice(0, n);
      const shown = op < 0 ? `${desc.id} = [${desc.type} ${desc.in1} ${desc.in2}]` : n ? `${desc.id} = ${desc.type}(${args.join(', ')})` : `${desc.id} = ${desc.type}`;
      if (s.role === 'in_a' || s.role === 'in_b') {
        const o = top('operand');
        expect(u.operand).toEqual({ position: o, token: tok(o) });
        const which = s.role === 'in_a' ? 'a' : 'b';
        const operand = s.role === 'in_a' ? desc.in1 : desc.in2;
        if (operand === 'NA') {
          expect(line.startsWith(`${shown} has no input ${which}: write NA`), line).toBe(true);
          if (s.token !== 'NA') off.push(`it wrote ${s.token}`);
        } else {
          const m = /^input ([ab]) of (.+) is (\S+) = (\S+), fetched from position (\d+) \((.+?)\)(?:, but .*)?$/.exec(line);
          expect(m, line).not.toBeNull();
          expect([m![1], m![2], m![3], m![4], Number(m![5])]).toEqual([which, shown, operand, s.token, o]);
          // what position o holds, by the sequence
          const g = o - slot(o);
          expect(m![6]).toBe(o === 0 ? 'the start token' : o < P ? `the ${['type token', 'first operand', 'second operand', 'id token'][slot(o)]} of ${tok(g + 3)}'s description`
            : `the ${['id token', 'input a value', 'input b value', 'value token'][slot(o)]} of ${tok(g)}'s CoT group`);
          const tr = truth(operand);
          if (!tr) {
            off.push(`${operand} names no wire`);
            continue;
          }
          if (o !== tr.pos) {
            off.push(`${operand}'s value token is at position ${tr.pos}`);
            seen.position++;
          }
          if (s.token !== tok(o)) off.push(`position ${o} holds ${tok(o)}`);
          if (s.token !== tr.value) {
            off.push(`${operand} is ${tr.value}`);
            seen.value++;
          }
        }
      } else {
        const ins = [top('group_1'), s.pos];
        expect(u.inputs).toEqual(ins.map((p) => ({ position: p, token: tok(p) })));
        const got = ins.slice(0, n).map(tok);
        expect(line.startsWith(`${shown}${n ? ` = ${desc.type}(${got.join(', ')})` : ''} = ${s.token}`), line).toBe(true);
        if (op >= 0 && got.every((x) => x === '0' || x === '1')) {
          const f = String(applyOp(op, Number(got[0] ?? 0), Number(got[1] ?? 0)));
          if (f !== s.token) {
            off.push(n ? `${desc.type}(${got.join(', ')}) is ${f}` : `${desc.type} is ${f}`);
            seen.gate++;
          }
        }
        args.forEach((a, i) => {
          const tr = truth(a);
          if (!tr || got[i] === tr.value) return;
          off.push(`${a} is ${tr.value}${ins[i] !== s.pos - 1 + i ? ` (group_1 read position ${ins[i]}, not ${s.pos - 1 + i})` : ''}`);
          seen.value++;
        });
      }
    }
    const but = /, but (.*)$/.exec(line)?.[1] ?? '';
    for (const x of off) expect(but, line).toContain(x);
    if (off.length === 0) expect(line).not.toContain(', but');
  }
  return seen;
}

/** A correct model's lines name the circuit's own descriptions, values and positions. */
function checkAgainstCircuit(t: TraceData): void {
  const c = t.circuit;
  const id = (w: number) => `#${w + 1}`;
  for (const s of t.steps) {
    expect(s.token, `position ${s.writes}`).toBe(s.expected);
    const w = s.wire;
    const g = w >= c.n_inputs ? c.gates[w - c.n_inputs]! : undefined;
    const type = g ? g.op.replace('CONST0', 'FALSE').replace('CONST1', 'TRUE') : t.input.bits[w] === '1' ? 'TRUE' : 'FALSE';
    const ops = g ? [g.a, g.b].map((x) => (x >= 0 ? id(x) : 'NA')) : ['NA', 'NA'];
    if (s.role === 'id') {
      // the description head still reads the previous group's description (none before the first)
      expect(s.uniform!.description?.id ?? null).toBe(w > 0 ? id(w - 1) : null);
      expect(s.text).toMatch(new RegExp(`^id ${id(w)}, fetched from position ${4 * (w + 1)}: the next description's id`));
      continue;
    }
    expect(s.uniform!.description).toMatchObject({ id: id(w), type, in1: ops[0], in2: ops[1] });
    if (s.role === 'in_a' || s.role === 'in_b') {
      const x = s.role === 'in_a' ? g?.a ?? -1 : g?.b ?? -1;
      if (x >= 0) expect(s.uniform!.operand!.position).toBe(t.wire_pos[x]);
    }
  }
}

describe('the uniform trace: what each step fetched, and its line', () => {
  it('a correct model: every line agrees with itself, the gate and the circuit (c17, a random circuit, constants)', async () => {
    const cases: TraceData[] = [
      await traceJson([c17, '--mode', 'uniform', '--bits', '10110']),
      trace(rnd, [1, 0, 1, 1, 0, 1]),
      trace(rnd, [0, 1, 1, 0, 0, 0]),
      trace(consts, [1, 1, 0, 1, 0]),
    ];
    for (const t of cases) {
      expect(t.model.mode).toBe('uniform');
      expect(t.steps).toHaveLength(4 * (t.circuit.n_inputs + t.circuit.gates.length));
      expect(checkLines(t)).toMatchObject({ gate: 0, value: 0, position: 0, description: 0, id: 0 });
      checkAgainstCircuit(t);
      // inputs too: a CoT group per wire, gate -1 for an input wire
      expect(t.steps.filter((s) => s.gate < 0)).toHaveLength(4 * t.circuit.n_inputs);
    }
    expect(cases[0]!.steps.find((s) => s.writes === 66)!.text).toBe('input a of #6 = NAND(#1, #3) is #1 = 1, fetched from position 48 (the value token of #1\'s CoT group)');
    expect(cases[0]!.steps.find((s) => s.writes === 68)!.text).toBe('#6 = NAND(#1, #3) = NAND(1, 1) = 0');
    expect(cases[0]!.steps.find((s) => s.writes === 45)!.text).toBe('id #1, fetched from position 4: the next description\'s id (the first)');
    expect(cases[0]!.steps.find((s) => s.writes === 48)!.text).toBe('#1 = TRUE = 1');
  });

  it('the faulty models: "but" wherever the fetched values contradict the gate or the circuit', () => {
    const total: Seen = { gate: 0, value: 0, position: 0, description: 0, id: 0, steps: 0 };
    const per = new Map<Fault, Seen>();
    for (const fault of ['swap-gate', 'weak-scale', 'off-by-one'] as Fault[]) {
      for (const [c, bits] of [[rnd, [1, 0, 1, 1, 0, 1]], [rnd, [0, 1, 1, 0, 0, 0]], [consts, [1, 1, 0, 1, 0]]] as [Circuit, number[]][]) {
        const s = checkLines(trace(c, bits, fault));
        const p = per.get(fault) ?? { gate: 0, value: 0, position: 0, description: 0, id: 0, steps: 0 };
        for (const k of Object.keys(s) as (keyof Seen)[]) {
          p[k] += s[k];
          total[k] += s[k];
        }
        per.set(fault, p);
      }
    }
    expect(per.get('swap-gate')!.gate).toBeGreaterThan(0); // AND applies OR's table
    expect(per.get('off-by-one')!.position).toBeGreaterThan(0); // operands fetched from the wrong place
    expect(per.get('weak-scale')!.description).toBeGreaterThan(0); // the description head finds no description
    expect(total.value).toBeGreaterThan(0);
    expect(total.id).toBeGreaterThan(0);
  });

  it('reads plainly on the faults (CLI --inject-fault)', async () => {
    const at = (t: TraceData, writes: number) => t.steps.find((s) => s.writes === writes)!.text;
    const off = await traceJson([c17, '--mode', 'uniform', '--bits', '10110', '--inject-fault', 'off-by-one']);
    expect(at(off, 66)).toBe('input a of #6 = NAND(#1, #3) is #1 = 0, fetched from position 0 (the start token), but #1\'s value token is at position 48 and position 0 holds <bos> and #1 is 1');
    expect(at(off, 68)).toBe('#6 = NAND(#1, #3) = NAND(#6, 1) = 1, but #1 is 1 (group_1 read position 65, not 66)');
    expect(at(off, 46)).toBe('#1 = TRUE has no input a: write NA, but it wrote 0');
    const weak = await traceJson([c17, '--mode', 'uniform', '--bits', '10110', '--inject-fault', 'weak-scale']);
    expect(at(weak, 45)).toBe('id 0, fetched from position 4: the next description\'s id (the first), but position 4 holds #1 and this is #1\'s group');
    expect(at(weak, 52)).toBe('#1 = TRUE = 0, but this is #2\'s group and TRUE is 1');
    // swap-gate: an AND gate of a random circuit whose inputs differ
    const t = trace(rnd, [1, 1, 1, 1, 0, 1], 'swap-gate'); // #18 = AND(x[1], g3) = AND(1, 0)
    const and = t.steps.find((s) => s.role === 'value' && /^#\d+ = AND\(#\d+, #\d+\) = AND\((1, 0|0, 1)\) = 1, but AND\(\1\) is 0$/.test(s.text));
    expect(and, 'an AND gate of inputs 1, 0 or 0, 1').toBeDefined();
  });
});

/** Terminal columns of a line (every character the trace prints is one column wide). */
function width(line: string): number {
  return [...line].length;
}

const SHORT: Record<string, string> = { group_0: 'g0', group_1: 'g1', group_2: 'g2', previous: 'prev', description: 'desc', operand: 'op' };

/**
 * Checks the terminal view against the trace JSON: a header per wire, per step the line (wrapped
 * under itself), the heads layer by layer (target, weight, !, - for no target), the units that
 * fired per layer, and the top positions of each head that missed. Returns the number of top cells.
 */
function checkText(text: string, data: TraceData): number {
  const lines = text.trimEnd().split('\n');
  expect(Math.max(...lines.map(width))).toBeLessThanOrEqual(80);
  expect(lines.slice(0, 2).join('\n').replace(/\n {4}/, ' ')).toMatch(/^trace of \S+: uniform model of capacity \d+, 3 layers x 7 heads \(4\+2\+1\),/);
  const byPos = new Map(data.steps.map((s) => [s.writes, s]));
  const blocks = new Map<number, { text: string; heads: string[]; ff: string; tops: string[] }>();
  let cur: { text: string; heads: string[]; ff: string; tops: string[] } | undefined;
  let part: 'text' | 'ff' | 'none' = 'none';
  let wire = -1;
  for (const line of lines) {
    const step = /^ {2}[ ✗] *(\d+) (\S+) +(.*)$/.exec(line.slice(0, 9).endsWith(' ') ? '' : line);
    const header = /^wire #(\d+): (input|gate \d+,) /.exec(line);
    if (header) {
      wire = Number(header[1]) - 1;
      cur = undefined;
    } else if (step) {
      const s = byPos.get(Number(step[1]))!;
      expect(s, line).toBeDefined();
      expect(s.wire).toBe(wire);
      expect(step[2]).toBe(s.token);
      expect(line.startsWith(`  ${s.token === s.expected ? ' ' : '✗'}`)).toBe(true);
      cur = { text: step[3]!, heads: [], ff: '', tops: [] };
      blocks.set(s.writes, cur);
      part = 'text';
    } else if (cur && /^ {17}\S/.test(line) && part === 'text') cur.text += ` ${line.trim()}`;
    else if (cur && /^ {10}L\d /.test(line)) cur.heads.push(...line.trim().split(/ {2}/));
    else if (cur && /^ {10}ff /.test(line)) {
      cur.ff = line.slice(13);
      part = 'ff';
    } else if (cur && part === 'ff' && /^ {13}\S/.test(line)) cur.ff += `${/^ {13}L\d /.test(line) ? '; ' : ', '}${line.trim()}`;
    else if (cur && /^ {10}\S+ top @/.test(line)) {
      cur.tops.push(...line.trim().split('; '));
      part = 'none';
    } else cur = undefined;
  }
  let tops = 0;
  for (const s of data.steps) {
    const b = blocks.get(s.writes)!;
    expect(b, `step ${s.writes}`).toBeDefined();
    expect(b.text).toBe(s.cpu_token !== undefined ? `≠ cpu ${s.cpu_token} · ${s.text}` : s.text);
    // heads, layer by layer
    const layers = [...new Set(s.heads.map((h) => h.layer))];
    expect(b.heads.map((g) => g.split(' ')[0])).toEqual(layers.map((l) => `L${l}`));
    const cells = b.heads.flatMap((g) => g.split(' ').slice(1).join(' ').split(/ (?=\w+[@ ])/));
    expect(cells).toHaveLength(s.heads.length);
    s.heads.forEach((h, i) => {
      const cell = cells[i]!;
      if (h.untargeted) return expect(cell).toBe(`${SHORT[h.name] ?? h.name} -`);
      const m = /^(\w+)@(\d+):(\S+?)(!?)$/.exec(cell);
      expect(m, cell).not.toBeNull();
      expect([m![1], Number(m![2]), m![4]]).toEqual([SHORT[h.name] ?? h.name, h.target, h.top[0]!.pos !== h.target ? '!' : '']);
      expect(Math.abs(Number(m![3]) - h.target_weight)).toBeLessThanOrEqual(Math.max(0.005, h.target_weight * 0.5));
    });
    // the feed-forward units that fired, by layer
    const ff = new Map<string, string>();
    for (const [, l, rest] of b.ff.matchAll(/(?:^|; )L(\d+) (.*?)(?=; L\d+ |$)/g)) ff.set(l!, rest!);
    if (s.ff.act.every((x) => !(x > 0))) expect(b.ff).toBe('none fired');
    data.model.ff_units.forEach((u, i) => {
      const [, l, label] = /^L(\d+) (.*)$/.exec(u)!;
      const shown = ff.get(l!) ?? '';
      const m = /^(.*)\[(\d+)\] [+-](.*)$/.exec(label!);
      if (!(s.ff.act[i]! > 0)) {
        if (!m) expect(shown.split(/, |; /)).not.toContain(label);
        return;
      }
      if (!m) return expect(shown, `${u} at ${s.writes}`).toContain(label);
      const range = new RegExp(`${m[1]!.replace(/[[\]]/g, '\\$&')}\\[([\\d,-]+)\\] ±${m[3]!.replace(/[·]/g, '.')}`).exec(shown);
      expect(range, `${u} at ${s.writes}: ${shown}`).not.toBeNull();
      const ix = range![1]!.split(',').flatMap((r) => {
        const [a, z] = r.split('-').map(Number);
        return Array.from({ length: (z ?? a!) - a! + 1 }, (_, k) => a! + k);
      });
      expect(ix).toContain(Number(m[2]));
    });
    // where each head that missed looked
    const missed = s.heads.filter((h) => !h.untargeted && (h.target_weight < 0.9 || h.top[0]!.pos !== h.target));
    expect(b.tops).toHaveLength(missed.length);
    missed.forEach((h, i) => {
      const m = /^(\w+) top((?: @\d+:\S+)+)$/.exec(b.tops[i]!);
      expect(m, b.tops[i]).not.toBeNull();
      expect(m![1]).toBe(SHORT[h.name] ?? h.name);
      expect(m![2]!.trim().split(' ').map((c) => Number(c.slice(1).split(':')[0]))).toEqual(h.top.map((t) => t.pos));
      tops++;
    });
  }
  return tops;
}

describe('the uniform terminal view', () => {
  it('fits 80 columns: per step the line, the heads by layer, the units that fired, where the heads that missed looked', async () => {
    const cases: [string[], 'none' | 'some'][] = [
      [[c17, '--mode', 'uniform', '--bits', '10110'], 'none'],
      [[c17, '--mode', 'uniform', '--bits', '01101', '--inject-fault', 'off-by-one'], 'some'],
      [[c17, '--mode', 'uniform', '--bits', '01101', '--inject-fault', 'weak-scale'], 'some'],
      [[c17, '--mode', 'uniform', '--bits', '11111', '--inject-fault', 'swap-gate'], 'none'],
    ];
    for (const [args, missed] of cases) {
      const r = await cli('trace', ...args);
      expect([0, 1], r.stderr).toContain(r.code);
      const tops = checkText(r.stdout, await traceJson(args));
      if (missed === 'none') expect(tops, args.join(' ')).toBe(0);
      else expect(tops, args.join(' ')).toBeGreaterThan(0);
    }
    for (const [c, bits, fault] of [[rnd, [1, 0, 1, 1, 0, 1], undefined], [rnd, [1, 1, 1, 1, 0, 1], 'swap-gate'], [consts, [1, 1, 0, 1, 0], 'off-by-one']] as [Circuit, number[], Fault | undefined][]) {
      const t = trace(c, bits, fault);
      checkText(renderTraceText(t), t);
    }
    // tokens another engine generated: the CPU's own with wire #8's value flipped
    const m = compileUniform(11);
    const bound = bindModel(m, loadCircuit(c17));
    const bits = Uint8Array.from([1, 0, 1, 1, 0]);
    const [seq] = new CpuEngine(m, 'f32').generateSync([promptOf(bound, bits)], bound.seq.cotLength);
    const flip = bound.seq.valuePos[7]!;
    seq![flip] = m.vocab.indexOf(m.vocab[seq![flip]!] === '1' ? '0' : '1');
    const g = traceGeneration(bound, bits, { generated: { tokens: seq!, engine: { backend: 'webgpu', arith: 'f32', description: 'a test engine' } } });
    expect(g.engines!.disagreements).toContain(flip);
    const text = renderTraceText(g);
    checkText(text, g);
    expect(text.split('\n').filter((l) => l.includes('≠ cpu'))).toHaveLength(g.engines!.disagreements.length);
    const few = await cli('trace', c17, '--mode', 'uniform', '--bits', '10110', '--max-gates', '3');
    expect(few.stdout).toContain('\n  ... (8 more wires; use --gate G or --json)\n');
    expect(few.stdout.match(/^wire #/gm)).toHaveLength(3);
    const one = await cli('trace', c17, '--mode', 'uniform', '--bits', '10110', '--gate', '2');
    expect(one.stdout.match(/^wire #\d+.*$/gm)).toEqual(['wire #8: gate 2, G16gat = NAND(G2gat, G11gat)']);
  });

  it('a uniform model file with --circuit traces as the circuit compiled on the fly does (but for its capacity)', async () => {
    const file = `${process.env.TMPDIR ?? '/tmp'}/gatecot-trace-uniform-${process.pid}.safetensors`;
    expect((await cli('compile', '--uniform', '--max-wires', '40', '-o', file, '--force')).code).toBe(0);
    const t = await traceJson([file, '--circuit', c17, '--bits', '10110']);
    expect(t.model.capacity).toBe(40);
    expect(checkLines(t)).toMatchObject({ gate: 0, value: 0, position: 0, description: 0, id: 0 });
    const fly = await traceJson([c17, '--mode', 'uniform', '--bits', '10110']);
    expect(t.steps.map((s) => s.text)).toEqual(fly.steps.map((s) => s.text));
    expect(t.steps.map((s) => s.uniform)).toEqual(fly.steps.map((s) => s.uniform));
  });
});

